package sqlclass

import sp "github.com/tursodatabase/libsql-client-go/sqliteparser"

// stmtKind is the broad class of one statement.
type stmtKind uint8

const (
	kindUnknown stmtKind = iota
	kindRead
	kindExplain
	kindWrite
	kindDDL
	kindTx
	kindPragma
	kindAttach
)

// cte is a common table expression name visible in the token range (from, to].
type cte struct {
	name     string
	from, to int
}

// stmt classifies the tokens of one statement (no top-level ";").
// Not safe for concurrent use; one per statement.
type stmt struct {
	toks     []token
	match    []int  // match[i]: index of the parenthesis matching toks[i], or -1
	encl     []int  // encl[i]: index of the ")" closing the group around toks[i], or len(toks)
	consumed []bool // tokens handled by the head parser or WITH parser; scan skips them
	ctes     []cte

	kind          stmtKind
	tx            TxKind
	reads, writes []string
	writesUnknown bool
	nondet        bool // calls a function not known to be deterministic
	unsure        bool // something was not understood: classify conservatively
	returning     bool
	lead          int    // index of the leading keyword, after EXPLAIN and a WITH clause
	triggerOn     string // CREATE TRIGGER: the table or view it fires on
}

func newStmt(toks []token) *stmt {
	s := &stmt{
		toks:     toks,
		match:    make([]int, len(toks)),
		encl:     make([]int, len(toks)),
		consumed: make([]bool, len(toks)),
	}
	s.pairParens()
	return s
}

// pairParens fills match and encl; unbalanced parentheses make s unsure.
func (s *stmt) pairParens() {
	var open []int
	for i, t := range s.toks {
		s.match[i] = -1
		switch t.typ {
		case tOpen:
			open = append(open, i)
		case tClose:
			if len(open) == 0 {
				s.unsure = true
				continue
			}
			o := open[len(open)-1]
			open = open[:len(open)-1]
			s.match[o], s.match[i] = i, o
		}
	}
	if len(open) > 0 {
		s.unsure = true
	}
	// encl: walk backwards keeping a stack of closing indexes.
	closeStack := []int{len(s.toks)}
	for i := len(s.toks) - 1; i >= 0; i-- {
		t := s.toks[i]
		if t.typ == tOpen && len(closeStack) > 1 && s.match[i] == closeStack[len(closeStack)-1] {
			closeStack = closeStack[:len(closeStack)-1]
		}
		s.encl[i] = closeStack[len(closeStack)-1]
		if t.typ == tClose && s.match[i] >= 0 {
			closeStack = append(closeStack, i)
		}
	}
}

func (s *stmt) typ(i int) int {
	if i < 0 || i >= len(s.toks) {
		return -1
	}
	return s.toks[i].typ
}

// qualified reads "[schema .] name" at i and returns the name (schema
// dropped), the index after it, and whether a name was there.
func (s *stmt) qualified(i int) (name string, next int, ok bool) {
	if i >= len(s.toks) || !s.toks[i].isName() {
		return "", i, false
	}
	if s.typ(i+1) == tDOT && i+2 < len(s.toks) && s.toks[i+2].isName() {
		return unquote(s.toks[i+2]), i + 3, true
	}
	return unquote(s.toks[i]), i + 1, true
}

// consume marks toks[from:to] as handled by the head parser.
func (s *stmt) consume(from, to int) {
	for i := from; i < to && i < len(s.toks); i++ {
		s.consumed[i] = true
	}
}

// target reads a qualified table name at i as a write target.
func (s *stmt) target(i int) (next int) {
	name, next, ok := s.qualified(i)
	if !ok {
		s.writesUnknown, s.unsure = true, true
		return i
	}
	s.consume(i, next)
	s.writes = append(s.writes, name)
	return next
}

// skipIf skips the keyword sequence typs at i when all of them are there.
func (s *stmt) skipIf(i int, typs ...int) int {
	for k, t := range typs {
		if s.typ(i+k) != t {
			return i
		}
	}
	return i + len(typs)
}

// classify runs the head parser, then the scan for reads and functions.
func (s *stmt) classify() {
	i := 0
	explain := s.typ(0) == sp.SQLiteLexerEXPLAIN_
	if explain {
		i = s.skipIf(1, sp.SQLiteLexerQUERY_, sp.SQLiteLexerPLAN_)
	}
	if s.typ(i) == sp.SQLiteLexerWITH_ {
		i = s.parseWith(i)
	}
	s.parseAllWith()
	s.lead = i
	s.head(i)
	if explain {
		// EXPLAIN compiles the statement without running it.
		s.kind, s.writes, s.writesUnknown, s.tx = kindExplain, nil, false, TxNone
		return
	}
	switch s.kind {
	case kindRead, kindWrite:
		s.scan()
	case kindDDL:
		if !s.writesUnknown { // CREATE TABLE AS / CREATE VIEW bodies
			s.scan()
		}
	}
}
