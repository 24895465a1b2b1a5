package sqlclass

import (
	"strconv"

	sp "github.com/tursodatabase/libsql-client-go/sqliteparser"
)

// StoredParam is a bind parameter that a statement stores, exactly as bound,
// in one or more columns: every occurrence of the parameter in the statement
// is such a stored position (see [StoredParams]).
type StoredParam struct {
	// Ordinal identifies a positional parameter (? or ?NNN): the argument
	// whose driver.NamedValue.Ordinal equals it, without a name, is the one
	// SQLite binds to it. 0 for a named parameter.
	Ordinal int
	// Name identifies a named parameter (:name, @name or $name): the name
	// without its prefix, as sql.Named gives it. "" for a positional one.
	Name string
	// Targets are the columns the statement stores the parameter in, one per
	// occurrence, in statement order.
	Targets []Target
}

// Target is a column a statement stores a value in.
type Target struct {
	// Schema is the lower-cased schema qualifier of the table ("main",
	// "temp", an attached database), or "" when the name is unqualified.
	Schema string
	// Table is the lower-cased, unquoted table name.
	Table string
	// Column is the lower-cased, unquoted column name, or "" when the INSERT
	// has no column list (see Position).
	Column string
	// Position is, for an INSERT without a column list, the 0-based index of
	// the value in its VALUES row: SQLite stores it in the Position-th column
	// of the table that is not a generated column. -1 when Column is set.
	Position int
}

// maxParamNumber is SQLite's default SQLITE_MAX_VARIABLE_NUMBER: a larger
// ?NNN is an error when the statement is prepared.
const maxParamNumber = 32766

// StoredParams reports the bind parameters that sql stores in a column
// exactly as bound, and where. A parameter is stored as bound only where it
// is, on its own, a whole item of a VALUES row of an INSERT or REPLACE (with
// or without a column list), the whole right side of "col = ?" in the SET
// list of an UPDATE, or of an upsert's ON CONFLICT ... DO UPDATE SET. A
// parameter inside an expression or a function call, in a WHERE, RETURNING,
// ON CONFLICT target, LIMIT or a sub-query, in a WITH clause, or anywhere in
// an INSERT ... SELECT, is not; a parameter with any such occurrence is not
// reported at all.
//
// Parameters are numbered as SQLite numbers them: ? takes the next number
// after the largest so far, ?NNN is number NNN, and a :name, @name or $name
// takes the next number at its first occurrence. A positional parameter is
// reported only when every parameter sharing its number is positional; a
// named one only when every occurrence of its name, whatever its prefix and
// ASCII case, is spelled the same and shares its number with no positional
// parameter. Anything not understood — several statements, text the lexer
// cannot tokenize, unbalanced parentheses, an invalid or zero-padded ?NNN,
// any other statement kind — yields nil: a caller that frames only what is
// reported frames nothing then.
//
// The result is not memoized (a call costs one lexing of sql); it is safe for
// concurrent use.
func StoredParams(sql string) []StoredParam {
	toks, bad := lex(sql)
	if bad {
		return nil
	}
	parts := splitStatements(toks)
	if len(parts) != 1 {
		return nil
	}
	s := newStmt(parts[0])
	a := storeScan{s: s, stored: make([]Target, len(s.toks))}
	if a.s.unsure || !a.statement() {
		return nil
	}
	return a.params()
}

// storeScan finds the stored positions of one statement's parameters.
type storeScan struct {
	s      *stmt
	stored []Target // by token index: where a bare parameter is stored; Table "" if not
}

// statement dispatches on the leading keyword after an optional WITH clause.
// It reports false when the statement is not understood.
func (a *storeScan) statement() bool {
	i := 0
	if a.s.typ(0) == sp.SQLiteLexerWITH_ {
		i = a.s.parseWith(0)
		if a.s.unsure {
			return false
		}
	}
	switch a.s.typ(i) {
	case sp.SQLiteLexerINSERT_, sp.SQLiteLexerREPLACE_:
		return a.insert(i)
	case sp.SQLiteLexerUPDATE_:
		return a.update(i)
	}
	return false
}

// insert handles INSERT [OR x] INTO [schema.]t [AS a] [(cols)] VALUES rows
// [upsert ...] [RETURNING ...] and REPLACE INTO .... Other forms (DEFAULT
// VALUES, SELECT) store no parameter as bound.
func (a *storeScan) insert(i int) bool {
	s := a.s
	j := s.skipOr(i + 1)
	if s.typ(j) != sp.SQLiteLexerINTO_ {
		return false
	}
	schema, table, j, ok := s.tableAt(j + 1)
	if !ok {
		return false
	}
	if s.typ(j) == sp.SQLiteLexerAS_ {
		j += 2
	}
	var cols []string
	if s.typ(j) == tOpen {
		if cols, ok = s.nameList(j); !ok {
			return false
		}
		j = s.match[j] + 1
	}
	if s.typ(j) != sp.SQLiteLexerVALUES_ {
		return true
	}
	t := Target{Schema: schema, Table: table, Position: -1}
	j, ok = a.rows(j+1, t, cols)
	if !ok || !a.insertTail(j, t) {
		// A compound select (VALUES ... UNION ...), ORDER BY or LIMIT
		// follows: the rows are a query's result, not values as bound.
		clear(a.stored)
	}
	return true
}

// rows records the bare parameters of the VALUES rows starting at j and
// returns the index after the last row.
func (a *storeScan) rows(j int, t Target, cols []string) (int, bool) {
	s := a.s
	for {
		if s.typ(j) != tOpen || s.match[j] < j {
			return j, false
		}
		end := s.match[j]
		items := s.items(j+1, end)
		if cols == nil || len(items) == len(cols) {
			for k, it := range items {
				if it[1]-it[0] != 1 || s.typ(it[0]) != tBind {
					continue
				}
				target := t
				if cols != nil {
					target.Column = cols[k]
				} else {
					target.Position = k
				}
				a.stored[it[0]] = target
			}
		}
		j = end + 1
		if s.typ(j) != tComma {
			return j, true
		}
		j++
	}
}

// insertTail checks what follows the VALUES rows at j: nothing, upsert
// clauses and a RETURNING clause are accepted, and the assignments of each
// DO UPDATE SET are recorded.
func (a *storeScan) insertTail(j int, t Target) bool {
	s := a.s
	for j < len(s.toks) {
		switch {
		case s.typ(j) == sp.SQLiteLexerRETURNING_:
			return true
		case s.typ(j) == sp.SQLiteLexerON_ && s.typ(j+1) == sp.SQLiteLexerCONFLICT_:
			next, ok := a.upsert(j+2, t)
			if !ok {
				return false
			}
			j = next
		default:
			return false
		}
	}
	return true
}

// upsert handles "[(target) [WHERE expr]] DO NOTHING | DO UPDATE SET ...
// [WHERE expr]" after ON CONFLICT at j and returns the index after it.
func (a *storeScan) upsert(j int, t Target) (int, bool) {
	s := a.s
	for j < len(s.toks) && s.typ(j) != sp.SQLiteLexerDO_ {
		if s.typ(j) == tOpen {
			j = s.match[j]
		}
		j++
	}
	switch {
	case s.typ(j+1) == sp.SQLiteLexerNOTHING_:
		j += 2
	case s.typ(j+1) == sp.SQLiteLexerUPDATE_ && s.typ(j+2) == sp.SQLiteLexerSET_:
		j = a.assignments(j+3, t)
	default:
		return j, false
	}
	if s.typ(j) == sp.SQLiteLexerWHERE_ {
		for j < len(s.toks) && !s.upsertEnd(j) {
			if s.typ(j) == tOpen {
				j = s.match[j]
			}
			j++
		}
	}
	return j, true
}

// upsertEnd reports whether the top-level token at j ends an upsert clause.
func (s *stmt) upsertEnd(j int) bool {
	switch s.typ(j) {
	case sp.SQLiteLexerRETURNING_:
		return true
	case sp.SQLiteLexerON_:
		return s.typ(j+1) == sp.SQLiteLexerCONFLICT_
	}
	return false
}

// update handles UPDATE [OR x] [schema.]t [AS a] [INDEXED BY i | NOT
// INDEXED] SET ....
func (a *storeScan) update(i int) bool {
	s := a.s
	schema, table, j, ok := s.tableAt(s.skipOr(i + 1))
	if !ok {
		return false
	}
	if s.typ(j) == sp.SQLiteLexerAS_ {
		j += 2
	}
	switch {
	case s.typ(j) == sp.SQLiteLexerINDEXED_ && s.typ(j+1) == sp.SQLiteLexerBY_:
		j += 3
	case s.typ(j) == sp.SQLiteLexerNOT_ && s.typ(j+1) == sp.SQLiteLexerINDEXED_:
		j += 2
	}
	if s.typ(j) != sp.SQLiteLexerSET_ {
		return false
	}
	a.assignments(j+1, Target{Schema: schema, Table: table, Position: -1})
	return true
}

// assignments records the "col = ?" items of the SET list starting at j and
// returns the index of the token that ends the list.
func (a *storeScan) assignments(j int, t Target) int {
	s := a.s
	for {
		end := s.assignmentEnd(j)
		if end-j == 3 && s.toks[j].isName() && isEquals(s.typ(j+1)) && s.typ(j+2) == tBind {
			target := t
			target.Column = unquote(s.toks[j])
			a.stored[j+2] = target
		}
		if s.typ(end) != tComma {
			return end
		}
		j = end + 1
	}
}

// isEquals reports whether typ is "=" or "==" (SQLite reads both as EQ).
func isEquals(typ int) bool {
	return typ == sp.SQLiteLexerASSIGN || typ == sp.SQLiteLexerEQ
}

// assignmentEnd returns the index of the top-level comma or keyword that
// ends the SET item starting at j (or len(toks)).
func (s *stmt) assignmentEnd(j int) int {
	for ; j < len(s.toks); j++ {
		switch s.typ(j) {
		case tOpen:
			j = s.match[j]
		case tComma, sp.SQLiteLexerWHERE_, sp.SQLiteLexerRETURNING_, sp.SQLiteLexerORDER_,
			sp.SQLiteLexerLIMIT_, sp.SQLiteLexerON_:
			return j
		case sp.SQLiteLexerFROM_:
			if s.typ(j-1) != sp.SQLiteLexerDISTINCT_ { // not "IS [NOT] DISTINCT FROM"
				return j
			}
		}
	}
	return j
}

// tableAt reads "[schema .] name" at i and returns both parts (lower-cased,
// unquoted), the index after them, and whether a name was there.
func (s *stmt) tableAt(i int) (schema, name string, next int, ok bool) {
	if i >= len(s.toks) || !s.toks[i].isName() {
		return "", "", i, false
	}
	if s.typ(i+1) != tDOT {
		return "", unquote(s.toks[i]), i + 1, true
	}
	if i+2 >= len(s.toks) || !s.toks[i+2].isName() {
		return "", "", i, false
	}
	return unquote(s.toks[i]), unquote(s.toks[i+2]), i + 3, true
}

// nameList reads the parenthesized list of single names opening at j.
func (s *stmt) nameList(j int) ([]string, bool) {
	if s.match[j] < j {
		return nil, false
	}
	var names []string
	for _, it := range s.items(j+1, s.match[j]) {
		if it[1]-it[0] != 1 || !s.toks[it[0]].isName() {
			return nil, false
		}
		names = append(names, unquote(s.toks[it[0]]))
	}
	return names, len(names) > 0
}

// items splits toks[from:end] at the commas directly inside the group that
// end closes (end is a ")" or len(toks)) and returns each item's [from, to)
// token range. An empty range yields no items.
func (s *stmt) items(from, end int) [][2]int {
	if from >= end {
		return nil
	}
	var out [][2]int
	start := from
	for k := from; k < end; k++ {
		if s.typ(k) == tComma && s.encl[k] == end {
			out = append(out, [2]int{start, k})
			start = k + 1
		}
	}
	return append(out, [2]int{start, end})
}

// bindRef is one occurrence of a bind parameter.
type bindRef struct {
	tok    int    // token index
	number int    // SQLite's parameter number
	name   string // name without prefix; "" for ? and ?NNN
}

// params groups the statement's parameter occurrences by identity and
// returns those whose every occurrence is stored.
func (a *storeScan) params() []StoredParam {
	refs, ok := a.s.bindRefs()
	if !ok {
		return nil
	}
	var (
		kinds  = make(map[int]uint8, len(refs))  // number → 1: a positional parameter has it, 2: a named one, 3: both
		index  = make(map[string]int, len(refs)) // identity → index in groups
		groups = make([][]bindRef, 0, len(refs)) // occurrences by identity, in order of first occurrence
	)
	for _, r := range refs {
		key, kind := "?"+strconv.Itoa(r.number), uint8(1)
		if r.name != "" {
			key, kind = lowerASCII(r.name), 2
		}
		kinds[r.number] |= kind
		g, seen := index[key]
		if !seen {
			g = len(groups)
			index[key] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], r)
	}
	var out []StoredParam
	for _, g := range groups {
		if p, ok := a.identity(g, func(n int) bool { return kinds[n] == 3 }); ok {
			out = append(out, p)
		}
	}
	return out
}

// identity builds the StoredParam of one identity's occurrences, or
// reports false when one of them is not a stored position, they are spelled
// differently (which one a driver binds is unsure), or their number is
// shared by named and positional parameters.
func (a *storeScan) identity(refs []bindRef, mixed func(number int) bool) (StoredParam, bool) {
	first := refs[0]
	p := StoredParam{Ordinal: first.number, Name: first.name}
	if first.name != "" {
		p.Ordinal = 0
	}
	for _, r := range refs {
		t := a.stored[r.tok]
		if t.Table == "" || r.name != first.name || r.number != first.number || mixed(r.number) {
			return StoredParam{}, false
		}
		p.Targets = append(p.Targets, t)
	}
	return p, true
}

// bindRefs numbers every bind parameter of the statement as SQLite does.
// It reports false for a parameter SQLite would reject or that other
// drivers may number differently (?0, zero-padded or too large ?NNN, a name
// that is not a plain identifier).
func (s *stmt) bindRefs() ([]bindRef, bool) {
	var refs []bindRef
	byName := map[string]int{}
	top := 0
	for k, t := range s.toks {
		if t.typ != tBind {
			continue
		}
		r := bindRef{tok: k}
		switch text := t.text; {
		case text == "?":
			top++
			r.number = top
		case text[0] == '?':
			n, err := strconv.Atoi(text[1:])
			if err != nil || n < 1 || n > maxParamNumber || text[1] == '0' {
				return nil, false
			}
			r.number, top = n, max(top, n)
		default:
			if !plainIdentifier(text[1:]) {
				return nil, false
			}
			r.name = text[1:]
			if n, ok := byName[text]; ok {
				r.number = n
			} else {
				top++
				r.number, byName[text] = top, top
			}
		}
		refs = append(refs, r)
	}
	return refs, true
}

// plainIdentifier reports whether s is [A-Za-z_][A-Za-z0-9_]*, the only
// parameter names every driver and server binds the same way.
func plainIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
