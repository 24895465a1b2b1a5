package sqlclass

import (
	"slices"

	sp "github.com/tursodatabase/libsql-client-go/sqliteparser"
)

// Classify reports what sql does. It never panics and never fails: input it
// cannot understand is classified conservatively (not read-only, not
// cacheable, WritesUnknown). Results are memoized in a bounded,
// concurrency-safe table keyed by the SQL string, so repeated calls with the
// same string cost a map lookup; the returned Info's slices are shared and
// must not be modified. Safe for concurrent use.
func Classify(sql string) Info {
	return defaultMemo.classify(sql)
}

// classify is Classify without the memo.
func classify(sql string) Info {
	toks, bad := lex(sql)
	var info Info
	unsure := bad
	allRead, deterministic, explain := true, true, false
	var last *stmt
	for _, part := range splitStatements(toks) {
		s := newStmt(part)
		s.classify()
		last = s
		info.Statements++
		info.ReadTables = append(info.ReadTables, s.reads...)
		info.WriteTables = append(info.WriteTables, s.writes...)
		info.WritesUnknown = info.WritesUnknown || s.writesUnknown
		info.HasReturning = info.HasReturning || s.returning
		unsure = unsure || s.unsure
		if e, ok := s.effect(); ok {
			info.Session = append(info.Session, e)
		}
		deterministic = deterministic && !s.nondet
		switch s.kind {
		case kindRead:
		case kindExplain:
			explain = true
		default:
			allRead = false
		}
		switch s.kind {
		case kindDDL:
			info.DDL = true
		case kindPragma:
			info.Pragma = true
		case kindAttach:
			info.Attach = true
		case kindTx:
			info.Transaction = s.tx
		}
	}
	if unsure {
		info.WritesUnknown = true
	}
	info.ReadOnly = info.Statements > 0 && allRead && !unsure
	info.Cacheable = info.ReadOnly && deterministic && !explain
	info.ReadTables = sortedSet(info.ReadTables)
	info.WriteTables = sortedSet(info.WriteTables)
	if info.Statements == 1 && !unsure {
		info.Kind = last.statementKind()
		info.Keys = last.keys(info.Kind)
	}
	return info
}

// splitStatements splits tokens at top-level ";" like SQLite does, keeping
// the ";"-separated body of CREATE TRIGGER ... BEGIN ... END together (the
// rule of the upstream sqliteparserutils splitter, applied to the tokens we
// already have so the string is lexed once).
func splitStatements(toks []token) [][]token {
	var parts [][]token
	start, depth := 0, 0
	trigger, inBody := false, false
	for i := 0; i <= len(toks); i++ {
		if i == start && i < len(toks) {
			trigger, inBody, depth = isCreateTrigger(toks[i:]), false, 0
		}
		if i < len(toks) && trigger {
			switch toks[i].typ {
			case sp.SQLiteLexerBEGIN_:
				if !inBody {
					inBody, depth = true, 1
				}
			case sp.SQLiteLexerCASE_:
				if inBody {
					depth++
				}
			case sp.SQLiteLexerEND_:
				if inBody {
					if depth--; depth == 0 {
						trigger = false
					}
				}
			}
			continue
		}
		if i == len(toks) || toks[i].typ == tSCOL {
			if i > start {
				parts = append(parts, toks[start:i])
			}
			start = i + 1
		}
	}
	return parts
}

// isCreateTrigger reports whether toks start with [EXPLAIN [QUERY PLAN]]
// CREATE [TEMP|TEMPORARY] TRIGGER.
func isCreateTrigger(toks []token) bool {
	i := 0
	if i < len(toks) && toks[i].typ == sp.SQLiteLexerEXPLAIN_ {
		i++
		if i+1 < len(toks) && toks[i].typ == sp.SQLiteLexerQUERY_ && toks[i+1].typ == sp.SQLiteLexerPLAN_ {
			i += 2
		}
	}
	if i >= len(toks) || toks[i].typ != sp.SQLiteLexerCREATE_ {
		return false
	}
	i++
	if i < len(toks) && (toks[i].typ == sp.SQLiteLexerTEMP_ || toks[i].typ == sp.SQLiteLexerTEMPORARY_) {
		i++
	}
	return i < len(toks) && toks[i].typ == sp.SQLiteLexerTRIGGER_
}

// sortedSet sorts and de-duplicates names; nil stays nil.
func sortedSet(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	return slices.Compact(names)
}
