package sqlclass

import sp "github.com/tursodatabase/libsql-client-go/sqliteparser"

// parseAllWith parses every WITH clause not parsed yet (those of subqueries).
func (s *stmt) parseAllWith() {
	for i := range s.toks {
		if s.typ(i) == sp.SQLiteLexerWITH_ && !s.consumed[i] {
			s.parseWith(i)
		}
	}
}

// parseWith parses the WITH clause whose keyword is at w:
//
//	WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (body) [, ...]
//
// It consumes the keywords, names and column lists (so the scan does not
// mistake "name(" for a function call), records each CTE name with the
// token range in which it refers to the CTE (after the end of its own body up
// to the end of the enclosing group), and returns the index after the clause.
// Bodies are left for the scan. Anything unexpected makes s unsure.
func (s *stmt) parseWith(w int) int {
	s.consumed[w] = true
	i := s.skipIf(w+1, sp.SQLiteLexerRECURSIVE_)
	s.consume(w, i)
	scopeEnd := s.encl[w]
	for {
		if i >= len(s.toks) || !s.toks[i].isName() {
			s.unsure = true
			return i
		}
		name := unquote(s.toks[i])
		s.consumed[i] = true
		i++
		if s.typ(i) == tOpen && s.match[i] > i { // column list
			s.consume(i, s.match[i]+1)
			i = s.match[i] + 1
		}
		start := i
		i = s.skipIf(i, sp.SQLiteLexerAS_)
		if i == start {
			s.unsure = true
			return i
		}
		i = s.skipIf(i, sp.SQLiteLexerNOT_)
		if s.typ(i) == tIdent && unquote(s.toks[i]) == "materialized" {
			i++
		}
		s.consume(start, i)
		if s.typ(i) != tOpen || s.match[i] < i {
			s.unsure = true
			return i
		}
		end := s.match[i]
		s.ctes = append(s.ctes, cte{name: name, from: end, to: scopeEnd})
		i = end + 1
		if s.typ(i) != tComma {
			return i
		}
		s.consumed[i] = true
		i++
	}
}

// isCTE reports whether name at token index j refers to a CTE in scope.
// References inside a CTE's own body (recursive CTEs) or before it count as
// tables: that only adds names, it never hides one.
func (s *stmt) isCTE(name string, j int) bool {
	for _, c := range s.ctes {
		if c.name == name && j > c.from && j < c.to {
			return true
		}
	}
	return false
}
