package sqlclass

import sp "github.com/tursodatabase/libsql-client-go/sqliteparser"

// frame is the scan state of one parenthesis depth.
type frame struct {
	from   bool // inside a FROM clause (or a parenthesized join)
	expect bool // the next token starts a table reference
}

// scan walks the statement's unconsumed tokens and records every table read
// and every function call. A table reference is whatever follows FROM, JOIN,
// a comma inside a FROM clause, or "IN" without a parenthesis; a "(" in a
// table position opens a subquery (SELECT/VALUES/WITH follows) or a
// parenthesized join. Aliases, ON/USING constraints and INDEXED BY are
// skipped because only the first name after such a keyword is taken.
func (s *stmt) scan() {
	stack := []frame{{}}
	for j := 0; j < len(s.toks); j++ {
		if s.consumed[j] {
			continue
		}
		t := s.toks[j]
		top := &stack[len(stack)-1]
		switch {
		case t.typ == tOpen:
			child := frame{}
			if top.expect {
				top.expect = false
				switch s.typ(j + 1) {
				case sp.SQLiteLexerSELECT_, sp.SQLiteLexerVALUES_, sp.SQLiteLexerWITH_:
				default:
					child = frame{from: true, expect: true}
				}
			}
			stack = append(stack, child)
			continue
		case t.typ == tClose:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			continue
		case top.expect:
			top.expect = false
			j = s.tableRef(j) - 1
			continue
		}
		s.keyword(j, top)
	}
}

// keyword updates the frame for the token at j and checks function calls.
func (s *stmt) keyword(j int, top *frame) {
	switch s.typ(j) {
	case sp.SQLiteLexerFROM_:
		if s.typ(j-1) != sp.SQLiteLexerDISTINCT_ { // not "IS [NOT] DISTINCT FROM"
			top.from, top.expect = true, true
		}
	case sp.SQLiteLexerJOIN_:
		top.from, top.expect = true, true
	case tComma:
		top.expect = top.from
	case sp.SQLiteLexerIN_:
		if s.typ(j+1) != tOpen {
			top.expect = true // "x IN table" or "x IN schema.table" or "x IN tvf(...)"
		}
	case sp.SQLiteLexerWHERE_, sp.SQLiteLexerGROUP_, sp.SQLiteLexerHAVING_, sp.SQLiteLexerWINDOW_,
		sp.SQLiteLexerORDER_, sp.SQLiteLexerLIMIT_, sp.SQLiteLexerUNION_, sp.SQLiteLexerINTERSECT_,
		sp.SQLiteLexerEXCEPT_, sp.SQLiteLexerSELECT_, sp.SQLiteLexerVALUES_, sp.SQLiteLexerDO_,
		sp.SQLiteLexerSET_:
		top.from = false
	case sp.SQLiteLexerRETURNING_:
		top.from, s.returning = false, true
	case sp.SQLiteLexerCURRENT_DATE_, sp.SQLiteLexerCURRENT_TIME_, sp.SQLiteLexerCURRENT_TIMESTAMP_:
		s.nondet = true
	default:
		if s.typ(j+1) == tOpen {
			s.call(j)
		}
	}
}

// tableRef records the table reference starting at j and returns the index
// after its name. A name followed by "(" is a table-valued function: known
// pure ones (json_each, json_tree, generate_series) read no table; any other
// may be a virtual table or an eponymous module, so its name is recorded as
// a read and the statement is not cacheable.
func (s *stmt) tableRef(j int) int {
	name, next, ok := s.qualified(j)
	if !ok {
		s.unsure = true
		return j + 1
	}
	if s.typ(next) == tOpen {
		if !pureTableFuncs[name] {
			s.reads = append(s.reads, name)
			s.nondet = true
		}
		return next
	}
	if !s.isCTE(name, j) {
		s.reads = append(s.reads, name)
		if isInternalTable(name) {
			s.nondet = true
		}
	}
	return next
}

// isInternalTable reports sqlite_* tables (sqlite_schema, sqlite_sequence,
// sqlite_stat1, ...): SQLite changes them as a side effect of writes to other
// tables and of DDL, so results that read them are never cacheable.
func isInternalTable(name string) bool {
	return len(name) >= 7 && name[:7] == "sqlite_"
}

// call checks the function call whose name is at j (toks[j+1] is "(").
func (s *stmt) call(j int) {
	t := s.toks[j]
	if s.typ(j-1) == sp.SQLiteLexerAS_ { // type name: CAST(x AS DECIMAL(10, 2))
		return
	}
	if t.isKeyword() && structural[t.typ] {
		return
	}
	if t.typ != tIdent && !t.isKeyword() {
		return // literals and operators are not function names
	}
	name := unquote(t)
	switch {
	case dateFuncs[name]:
		if !s.pureDateCall(name, j+1) {
			s.nondet = true
		}
	case !pureFuncs[name]:
		s.nondet = true
	}
}

// pureDateCall reports whether the call of the date/time function name
// whose "(" is at open is deterministic: it has a time value (the first
// argument; for strftime the second, after the format; timediff needs both
// of its time values), no argument is the literal 'now' and none contains a
// bind parameter (whose value could be 'now'). Without a time value SQLite
// uses the current time: strftime('%H:%M:%f') and date() read the clock.
func (s *stmt) pureDateCall(name string, open int) bool {
	end := s.match[open]
	if end <= open+1 {
		return false
	}
	args := 1
	for k := open + 1; k < end; k++ {
		switch s.typ(k) {
		case tComma:
			if s.encl[k] == end {
				args++
			}
		case tBind:
			return false
		case tString:
			if unquote(s.toks[k]) == "now" {
				return false
			}
		}
	}
	switch name {
	case "strftime", "timediff":
		return args >= 2
	}
	return true
}
