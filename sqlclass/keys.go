package sqlclass

import (
	"database/sql/driver"

	sp "github.com/tursodatabase/libsql-client-go/sqliteparser"
)

// Keys is what one statement's rows are restricted to and what it stores,
// as far as row-key invalidation needs it: see [Info.Keys], and
// [Info.ReadKey] and [Info.WriteKeys], which interpret it against a
// table's declaration.
type Keys struct {
	// Table is the lower-cased, unquoted table the statement reads or
	// writes, without its schema qualifier.
	Table string
	// Schema is the lower-cased schema qualifier, or "".
	Schema string
	// Where lists the key predicates among the terms of the WHERE clause's
	// top-level AND (every term when the clause is a single one): "col =
	// v", "v = col", "col == v", "col IS v" and "col IN (v, ...)", where
	// each v is a literal or a bind parameter (see [Value]) and col an
	// unqualified column or one qualified by the table or its alias. A
	// WHERE whose top level is an OR, or that has none of these terms,
	// gives none. Every row the statement reads, updates or deletes
	// satisfies every predicate.
	Where []Predicate
	// Assigned lists the lower-cased columns that an UPDATE's SET, or an
	// upsert's DO UPDATE SET, assigns.
	Assigned []string
	// Columns is an INSERT's column list, lower-cased; nil when it has none
	// (the values then go to the table's columns in order).
	Columns []string
	// Rows are an INSERT's VALUES rows, one Value per column.
	Rows [][]Value
	// Upserts are an INSERT's ON CONFLICT clauses, in order.
	Upserts []Upsert
	// Or is the lower-cased conflict resolution of INSERT OR x or UPDATE OR
	// x ("replace" for REPLACE INTO), "" when none is given.
	Or string
	// Aggregate is true for a SELECT that calls an aggregate function (or
	// has HAVING) without GROUP BY: it returns a row even when no row of
	// the table matches.
	Aggregate bool

	positional int // positional parameters the upstream client sends (see bindings)
}

// Predicate restricts a statement to the rows whose Column equals (or IS)
// one of Values.
type Predicate struct {
	// Column is the lower-cased, unquoted column name, qualifier dropped.
	Column string
	// Values are the literals and parameters compared with the column.
	Values []Value
}

// Upsert is one ON CONFLICT clause of an INSERT.
type Upsert struct {
	// Target lists the conflict target's columns, lower-cased; nil when the
	// clause has no target. An indexed column that is not a plain column
	// name (an expression, a COLLATE clause) is "".
	Target []string
	// Update is true for DO UPDATE, false for DO NOTHING.
	Update bool
}

// Arg returns the argument that SQLite binds to v's parameter when the
// statement runs with args through the upstream client, or v's own value
// for a literal; false for ValueExpr and for a parameter whose argument is
// not certain.
func (k *Keys) Arg(v Value, args []driver.NamedValue) (driver.Value, bool) {
	return v.driverValue(k.positional, args)
}

// keys parses the statement for [Keys], or returns nil when its form is
// not one the keys can describe: anything with a WITH clause, a sub-query
// or a compound SELECT, a join, INSERT ... SELECT or DEFAULT VALUES,
// UPDATE ... FROM. Call it after classify, for a statement that is sure.
func (s *stmt) keys(kind Kind) *Keys {
	switch kind {
	case KindSelect, KindUpdate, KindDelete, KindInsert, KindReplace, KindUpsert:
	default:
		return nil
	}
	if s.lead != 0 || !s.plain(kind) {
		return nil
	}
	b := s.bindings()
	var k *Keys
	switch kind {
	case KindSelect:
		k = s.selectKeys(b)
	case KindUpdate:
		k = s.updateKeys(b)
	case KindDelete:
		k = s.deleteKeys(b)
	case KindInsert, KindReplace, KindUpsert:
		k = s.insertKeys(b)
	}
	if k != nil {
		k.positional = b.positional
	}
	return k
}

// plain reports whether the statement has no sub-query, compound SELECT or
// WITH clause: exactly the SELECT (or VALUES) its kind allows.
func (s *stmt) plain(kind Kind) bool {
	selects, values := 0, 0
	for _, t := range s.toks {
		switch t.typ {
		case sp.SQLiteLexerSELECT_:
			selects++
		case sp.SQLiteLexerVALUES_:
			values++
		case sp.SQLiteLexerWITH_, sp.SQLiteLexerUNION_, sp.SQLiteLexerINTERSECT_, sp.SQLiteLexerEXCEPT_:
			return false
		}
	}
	switch kind {
	case KindSelect:
		return selects == 1 && values == 0 && s.typ(0) == sp.SQLiteLexerSELECT_
	case KindInsert, KindReplace, KindUpsert:
		return selects == 0 && values == 1
	}
	return selects == 0 && values == 0
}

// topLevel reports whether the token at j is outside every parenthesis.
func (s *stmt) topLevel(j int) bool { return s.encl[j] == len(s.toks) }

// nextTop returns the index of the first top-level token at or after j
// whose type is one of typs, or len(toks).
func (s *stmt) nextTop(j int, typs ...int) int {
	for ; j < len(s.toks); j++ {
		if !s.topLevel(j) {
			continue
		}
		for _, t := range typs {
			if s.typ(j) == t {
				return j
			}
		}
	}
	return j
}

// selectKeys handles SELECT ... FROM [schema.]t [[AS] alias] [INDEXED BY i
// | NOT INDEXED] [WHERE ...] [GROUP BY ...] ....
func (s *stmt) selectKeys(b bindings) *Keys {
	from := -1
	for j := 1; j < len(s.toks); j++ {
		if s.typ(j) == sp.SQLiteLexerFROM_ && s.topLevel(j) && s.typ(j-1) != sp.SQLiteLexerDISTINCT_ {
			from = j
			break
		}
	}
	if from < 0 {
		return nil
	}
	k, alias, j, ok := s.tableClause(from+1, true)
	if !ok {
		return nil
	}
	clauseEnd := []int{sp.SQLiteLexerGROUP_, sp.SQLiteLexerHAVING_, sp.SQLiteLexerWINDOW_, sp.SQLiteLexerORDER_, sp.SQLiteLexerLIMIT_}
	switch {
	case j == len(s.toks):
	case s.typ(j) == sp.SQLiteLexerWHERE_:
		end := s.nextTop(j+1, clauseEnd...)
		k.Where = s.predicates(j+1, end, k.Table, alias, b)
	default:
		if s.nextTop(j, clauseEnd...) != j {
			return nil // a join, a comma, a table-valued function...
		}
	}
	k.Aggregate = s.aggregate()
	return k
}

// aggregate reports whether a SELECT calls an aggregate function or has
// HAVING, and has no GROUP BY.
func (s *stmt) aggregate() bool {
	agg := false
	for j, t := range s.toks {
		switch {
		case t.typ == sp.SQLiteLexerGROUP_ && s.topLevel(j):
			return false
		case t.typ == sp.SQLiteLexerHAVING_:
			agg = true
		case s.typ(j+1) == tOpen && (t.typ == tIdent || t.isKeyword()) && aggregateFuncs[unquote(t)]:
			agg = true
		}
	}
	return agg
}

// aggregateFuncs are the built-in functions that aggregate (min and max do
// with one argument; they are listed whatever their arguments).
var aggregateFuncs = setOf("avg", "count", "group_concat", "string_agg", "sum", "total", "min", "max",
	"json_group_array", "jsonb_group_array", "json_group_object", "jsonb_group_object")

// tableClause reads "[schema.]t [AS alias] [INDEXED BY i | NOT INDEXED]"
// at i (an alias without AS only when bareAlias) and returns the keys with
// their table, the alias ("" when none), and the index after the clause.
func (s *stmt) tableClause(i int, bareAlias bool) (*Keys, string, int, bool) {
	schema, table, j, ok := s.tableAt(i)
	if !ok {
		return nil, "", i, false
	}
	alias := ""
	switch {
	case s.typ(j) == sp.SQLiteLexerAS_:
		if j+1 >= len(s.toks) || !s.toks[j+1].isName() {
			return nil, "", j, false
		}
		alias, j = unquote(s.toks[j+1]), j+2
	case bareAlias && s.typ(j) == tIdent:
		alias, j = unquote(s.toks[j]), j+1
	}
	switch {
	case s.typ(j) == sp.SQLiteLexerINDEXED_ && s.typ(j+1) == sp.SQLiteLexerBY_:
		j += 3
	case s.typ(j) == sp.SQLiteLexerNOT_ && s.typ(j+1) == sp.SQLiteLexerINDEXED_:
		j += 2
	}
	return &Keys{Table: table, Schema: schema}, alias, min(j, len(s.toks)), true
}

// updateKeys handles UPDATE [OR x] [schema.]t [AS alias] [INDEXED BY i |
// NOT INDEXED] SET ... [WHERE ...] [RETURNING ...] [ORDER BY ...] [LIMIT ...].
func (s *stmt) updateKeys(b bindings) *Keys {
	or := ""
	i := 1
	if s.typ(1) == sp.SQLiteLexerOR_ && len(s.toks) > 2 {
		or, i = lowerASCII(s.toks[2].text), 3
	}
	k, alias, j, ok := s.tableClause(i, false)
	if !ok || s.typ(j) != sp.SQLiteLexerSET_ {
		return nil
	}
	k.Or = or
	end, ok := s.setList(j+1, k)
	if !ok {
		return nil
	}
	switch {
	case end == len(s.toks):
	case s.typ(end) == sp.SQLiteLexerWHERE_:
		stop := s.nextTop(end+1, sp.SQLiteLexerRETURNING_, sp.SQLiteLexerORDER_, sp.SQLiteLexerLIMIT_)
		k.Where = s.predicates(end+1, stop, k.Table, alias, b)
	case s.typ(end) == sp.SQLiteLexerFROM_:
		return nil
	}
	return k
}

// setList records in k.Assigned the columns of the SET list starting at j
// ("col = expr" or "(col, ...) = expr" items) and returns the index of the
// token that ends it. It reports false for an item it cannot read.
func (s *stmt) setList(j int, k *Keys) (int, bool) {
	for {
		end := s.assignmentEnd(j)
		switch {
		case end-j >= 3 && s.toks[j].isName() && isEquals(s.typ(j+1)):
			k.Assigned = append(k.Assigned, unquote(s.toks[j]))
		case s.typ(j) == tOpen && s.match[j] > j && isEquals(s.typ(s.match[j]+1)):
			names, ok := s.nameList(j)
			if !ok {
				return end, false
			}
			k.Assigned = append(k.Assigned, names...)
		default:
			return end, false
		}
		if s.typ(end) != tComma {
			return end, true
		}
		j = end + 1
	}
}

// deleteKeys handles DELETE FROM [schema.]t [AS alias] [INDEXED BY i | NOT
// INDEXED] [WHERE ...] [RETURNING ...] [ORDER BY ...] [LIMIT ...].
func (s *stmt) deleteKeys(b bindings) *Keys {
	if s.typ(1) != sp.SQLiteLexerFROM_ {
		return nil
	}
	k, alias, j, ok := s.tableClause(2, false)
	if !ok {
		return nil
	}
	if s.typ(j) == sp.SQLiteLexerWHERE_ {
		stop := s.nextTop(j+1, sp.SQLiteLexerRETURNING_, sp.SQLiteLexerORDER_, sp.SQLiteLexerLIMIT_)
		k.Where = s.predicates(j+1, stop, k.Table, alias, b)
	}
	return k
}

// insertKeys handles INSERT [OR x] INTO | REPLACE INTO [schema.]t [AS
// alias] [(cols)] VALUES (row), ... [ON CONFLICT ...]... [RETURNING ...].
func (s *stmt) insertKeys(b bindings) *Keys {
	or, j := "", 1
	switch {
	case s.typ(0) == sp.SQLiteLexerREPLACE_:
		or = "replace"
	case s.typ(1) == sp.SQLiteLexerOR_ && len(s.toks) > 2:
		or, j = lowerASCII(s.toks[2].text), 3
	}
	if s.typ(j) != sp.SQLiteLexerINTO_ {
		return nil
	}
	k, _, j, ok := s.tableClause(j+1, false)
	if !ok {
		return nil
	}
	k.Or = or
	if s.typ(j) == tOpen {
		if k.Columns, ok = s.nameList(j); !ok {
			return nil
		}
		j = s.match[j] + 1
	}
	if s.typ(j) != sp.SQLiteLexerVALUES_ {
		return nil
	}
	if j, ok = s.valueRows(j+1, k, b); !ok {
		return nil
	}
	for j < len(s.toks) {
		switch {
		case s.typ(j) == sp.SQLiteLexerRETURNING_:
			return k
		case s.typ(j) == sp.SQLiteLexerON_ && s.typ(j+1) == sp.SQLiteLexerCONFLICT_:
			if j, ok = s.upsertClause(j+2, k); !ok {
				return nil
			}
		default:
			return nil
		}
	}
	return k
}

// valueRows reads the VALUES rows starting at j into k.Rows and returns
// the index after the last one.
func (s *stmt) valueRows(j int, k *Keys, b bindings) (int, bool) {
	for {
		if s.typ(j) != tOpen || s.match[j] < j {
			return j, false
		}
		end := s.match[j]
		items := s.items(j+1, end)
		if len(items) == 0 || (k.Columns != nil && len(items) != len(k.Columns)) ||
			(len(k.Rows) > 0 && len(items) != len(k.Rows[0])) {
			return j, false
		}
		row := make([]Value, len(items))
		for c, it := range items {
			row[c] = s.valueAt(it[0], it[1], b)
		}
		k.Rows = append(k.Rows, row)
		j = end + 1
		if s.typ(j) != tComma {
			return j, true
		}
		j++
	}
}

// upsertClause reads "[(target) [WHERE expr]] DO NOTHING | DO UPDATE SET
// ... [WHERE expr]" after ON CONFLICT at j into k and returns the index
// after it.
func (s *stmt) upsertClause(j int, k *Keys) (int, bool) {
	var u Upsert
	if s.typ(j) == tOpen {
		if s.match[j] < j {
			return j, false
		}
		u.Target = []string{}
		for _, it := range s.items(j+1, s.match[j]) {
			name := ""
			n := it[1] - it[0]
			if (n == 1 || (n == 2 && (s.typ(it[0]+1) == sp.SQLiteLexerASC_ || s.typ(it[0]+1) == sp.SQLiteLexerDESC_))) &&
				s.toks[it[0]].isName() {
				name = unquote(s.toks[it[0]])
			}
			u.Target = append(u.Target, name)
		}
		j = s.match[j] + 1
		if s.typ(j) == sp.SQLiteLexerWHERE_ {
			j = s.nextTop(j+1, sp.SQLiteLexerDO_)
		}
	}
	if s.typ(j) != sp.SQLiteLexerDO_ {
		return j, false
	}
	switch {
	case s.typ(j+1) == sp.SQLiteLexerNOTHING_:
		j += 2
	case s.typ(j+1) == sp.SQLiteLexerUPDATE_ && s.typ(j+2) == sp.SQLiteLexerSET_:
		u.Update = true
		var ok bool
		if j, ok = s.setList(j+3, k); !ok {
			return j, false
		}
		if s.typ(j) == sp.SQLiteLexerWHERE_ {
			for j++; j < len(s.toks) && !(s.topLevel(j) && s.upsertEnd(j)); j++ {
			}
		}
	default:
		return j, false
	}
	k.Upserts = append(k.Upserts, u)
	return j, true
}

// predicates returns the key predicates among the terms of the top-level
// AND in toks[from:to]; none when the top level has an OR.
func (s *stmt) predicates(from, to int, table, alias string, b bindings) []Predicate {
	var out []Predicate
	start, cases, between := from, 0, 0
	term := func(end int) {
		if p, ok := s.predicate(start, end, table, alias, b); ok {
			out = append(out, p)
		}
	}
	for j := from; j < to; j++ {
		switch s.typ(j) {
		case tOpen:
			if s.match[j] > j {
				j = s.match[j]
			}
		case sp.SQLiteLexerCASE_:
			cases++
		case sp.SQLiteLexerEND_:
			cases--
		case sp.SQLiteLexerBETWEEN_:
			if cases == 0 {
				between++
			}
		case sp.SQLiteLexerOR_:
			if cases == 0 {
				return nil
			}
		case sp.SQLiteLexerAND_:
			if cases != 0 {
				continue
			}
			if between > 0 {
				between--
				continue
			}
			term(j)
			start = j + 1
		}
	}
	term(to)
	return out
}

// predicate reads one term toks[from:to] as a key predicate.
func (s *stmt) predicate(from, to int, table, alias string, b bindings) (Predicate, bool) {
	if col, next, ok := s.columnRef(from, table, alias); ok && next < to {
		switch op := s.typ(next); {
		case isEquals(op) || op == sp.SQLiteLexerIS_:
			if v := s.valueAt(next+1, to, b); v.Kind != ValueExpr {
				return Predicate{Column: col, Values: []Value{v}}, true
			}
		case op == sp.SQLiteLexerIN_ && s.typ(next+1) == tOpen && s.match[next+1] == to-1:
			items := s.items(next+2, to-1)
			if len(items) == 0 {
				return Predicate{}, false
			}
			vals := make([]Value, len(items))
			for i, it := range items {
				if vals[i] = s.valueAt(it[0], it[1], b); vals[i].Kind == ValueExpr {
					return Predicate{}, false
				}
			}
			return Predicate{Column: col, Values: vals}, true
		}
		return Predicate{}, false
	}
	// v = col, v == col, v IS col
	for op := from + 1; op <= from+2 && op < to; op++ {
		if !isEquals(s.typ(op)) && s.typ(op) != sp.SQLiteLexerIS_ {
			continue
		}
		v := s.valueAt(from, op, b)
		if col, next, ok := s.columnRef(op+1, table, alias); ok && next == to && v.Kind != ValueExpr {
			return Predicate{Column: col, Values: []Value{v}}, true
		}
		break
	}
	return Predicate{}, false
}

// columnRef reads "col" or "q.col" at i, where q is the alias (or the
// table when there is no alias), and returns the lower-cased column name
// and the index after it.
func (s *stmt) columnRef(i int, table, alias string) (string, int, bool) {
	if !s.columnToken(i) {
		return "", i, false
	}
	if s.typ(i+1) != tDOT {
		return unquote(s.toks[i]), i + 1, true
	}
	q := unquote(s.toks[i])
	if !s.columnToken(i+2) || s.typ(i+3) == tDOT || (alias != "" && q != alias) || (alias == "" && q != table) {
		return "", i, false
	}
	return unquote(s.toks[i+2]), i + 3, true
}

// columnToken reports whether the token at i can name a column in an
// expression: an identifier, or a keyword SQLite accepts as one (not NULL,
// TRUE, FALSE or CURRENT_*). A string literal is a string there.
func (s *stmt) columnToken(i int) bool {
	if i >= len(s.toks) {
		return false
	}
	t := s.toks[i]
	switch t.typ {
	case tIdent:
		return true
	case sp.SQLiteLexerNULL_, sp.SQLiteLexerTRUE_, sp.SQLiteLexerFALSE_, sp.SQLiteLexerCURRENT_DATE_,
		sp.SQLiteLexerCURRENT_TIME_, sp.SQLiteLexerCURRENT_TIMESTAMP_, sp.SQLiteLexerNOT_, sp.SQLiteLexerCASE_,
		sp.SQLiteLexerCAST_, sp.SQLiteLexerEXISTS_, sp.SQLiteLexerRAISE_:
		return false
	}
	return t.isKeyword()
}
