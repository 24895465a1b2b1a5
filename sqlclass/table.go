package sqlclass

import (
	"strings"

	sp "github.com/tursodatabase/libsql-client-go/sqliteparser"
)

// Table is a table as its CREATE TABLE statement declares it, as far as
// storing values goes. See [ParseCreateTable].
type Table struct {
	// Name is the lower-cased, unquoted table name without schema qualifier.
	Name string
	// Strict is true for a STRICT table, whose columns reject values of
	// another type instead of converting them.
	Strict bool
	// Columns are the declared columns in declaration order.
	Columns []Column
	// WithoutRowid is true for a WITHOUT ROWID table, which has no rowid.
	WithoutRowid bool
	// RowidAlias is the lower-cased name of the column that is an alias of
	// the rowid (the single-column INTEGER PRIMARY KEY of a rowid table,
	// not declared PRIMARY KEY DESC in its column definition), or "".
	RowidAlias string
	// ReplaceConflict is true when a constraint of the table has the
	// conflict clause ON CONFLICT REPLACE: an INSERT or UPDATE may then
	// delete other rows, as INSERT OR REPLACE does.
	ReplaceConflict bool
}

// Column is one declared column of a [Table].
type Column struct {
	// Name is the lower-cased, unquoted column name.
	Name string
	// Type is the declared type: its words upper-cased and joined by one
	// space, followed by its "(size)" as written (spaces removed), e.g.
	// "VARCHAR(255)" or "UNSIGNED BIG INT"; "" when the column has none.
	Type string
	// Generated is true for a generated column (GENERATED ALWAYS AS or AS).
	Generated bool
	// Constrained is true when something in the table's declaration reads
	// the column's value: a PRIMARY KEY, UNIQUE, CHECK or REFERENCES
	// constraint on it, a table constraint (PRIMARY KEY, UNIQUE, CHECK,
	// FOREIGN KEY) that names it, or a generated column's expression that
	// names it. Callers add what indexes and triggers read (see
	// [MentionedNames]).
	Constrained bool
	// Collation is the upper-cased name of the column's COLLATE clause, ""
	// when it has none (BINARY).
	Collation string
	// PrimaryKey is true for a column declared PRIMARY KEY in its definition.
	PrimaryKey bool
	// Unique is true for a column declared UNIQUE in its definition.
	Unique bool
	// HasDefault is true when the column has a DEFAULT clause; Default is
	// its value when that is a literal, else a [Value] of kind ValueExpr.
	HasDefault bool
	Default    Value
}

// Affinity is SQLite's type affinity of a column in a table that is not
// STRICT: how a value is converted when it is stored.
type Affinity uint8

// The affinities, named as in SQLite's documentation (section 3.1 of
// "Datatypes In SQLite").
const (
	// AffinityBlob stores values as given (declared type BLOB or none).
	AffinityBlob Affinity = iota
	// AffinityText converts numbers to text; text stays text.
	AffinityText
	// AffinityNumeric converts text that is a well-formed number to INTEGER or REAL.
	AffinityNumeric
	// AffinityInteger is AffinityNumeric (declared type containing "INT").
	AffinityInteger
	// AffinityReal is AffinityNumeric that also turns integers into REAL.
	AffinityReal
)

// Affinity returns the column's affinity by SQLite's rules, applied in
// order to the declared type: "INT" → INTEGER; "CHAR", "CLOB" or "TEXT" →
// TEXT; "BLOB" or no type → BLOB; "REAL", "FLOA" or "DOUB" → REAL; else
// NUMERIC. It is meaningless for a STRICT table, which does not convert.
func (c Column) Affinity() Affinity {
	t := c.Type
	switch {
	case strings.Contains(t, "INT"):
		return AffinityInteger
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return AffinityText
	case t == "", strings.Contains(t, "BLOB"):
		return AffinityBlob
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return AffinityReal
	}
	return AffinityNumeric
}

// KeepsText reports whether the column, in a table that is not STRICT,
// stores the text s as text, unchanged. With TEXT or BLOB affinity it
// always does; with a numeric affinity SQLite converts text that reads as a
// number ("  12 ", "1.50", "1e3"), so KeepsText is false unless s contains a
// character no number can contain. It errs on the side of false.
func (c Column) KeepsText(s string) bool {
	switch c.Affinity() {
	case AffinityText, AffinityBlob:
		return true
	}
	for i := 0; i < len(s); i++ {
		if !numberChar(s[i]) {
			return true
		}
	}
	return false
}

// numberChar reports whether b can occur in text that SQLite's numeric
// affinity converts: digits, signs, the decimal point, exponent marks,
// white space, and (to be safe) the letters of "inf", "infinity" and "nan".
func numberChar(b byte) bool {
	switch {
	case b >= '0' && b <= '9':
		return true
	case b == '+' || b == '-' || b == '.' || b == ' ' || (b >= '\t' && b <= '\r'):
		return true
	}
	return strings.IndexByte("eEiInNfFaAtTyY", b) >= 0
}

// Column returns the declared column named name (lower-cased), if any.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// ParseCreateTable reads a CREATE [TEMP] TABLE [IF NOT EXISTS] name
// (columns and constraints) [WITHOUT ROWID] [STRICT] statement, as SQLite
// keeps it in sqlite_schema.sql. It reports false for anything else: CREATE
// TABLE ... AS SELECT (whose column types come from a query), CREATE VIRTUAL
// TABLE, several statements, text the lexer cannot tokenize exactly, or a
// declaration it does not understand. It never panics and is safe for
// concurrent use.
func ParseCreateTable(sql string) (Table, bool) {
	toks, bad := lex(sql)
	if bad {
		return Table{}, false
	}
	parts := splitStatements(toks)
	if len(parts) != 1 {
		return Table{}, false
	}
	s := newStmt(parts[0])
	if s.unsure || s.typ(0) != sp.SQLiteLexerCREATE_ {
		return Table{}, false
	}
	i := s.skipIf(1, sp.SQLiteLexerTEMP_)
	i = s.skipIf(i, sp.SQLiteLexerTEMPORARY_)
	if s.typ(i) != sp.SQLiteLexerTABLE_ {
		return Table{}, false
	}
	i = s.skipIf(i+1, sp.SQLiteLexerIF_, sp.SQLiteLexerNOT_, sp.SQLiteLexerEXISTS_)
	_, name, i, ok := s.tableAt(i)
	if !ok || s.typ(i) != tOpen {
		return Table{}, false
	}
	t := Table{Name: name}
	pk, ok := s.tableBody(i, &t)
	if !ok {
		return Table{}, false
	}
	if t.Strict, t.WithoutRowid, ok = s.tableOptions(s.match[i] + 1); !ok {
		return Table{}, false
	}
	if c, found := t.Column(pk); found && !t.WithoutRowid && c.Type == "INTEGER" {
		t.RowidAlias = pk
	}
	for j := i; j+2 < len(s.toks); j++ {
		if s.typ(j) == sp.SQLiteLexerON_ && s.typ(j+1) == sp.SQLiteLexerCONFLICT_ && s.typ(j+2) == sp.SQLiteLexerREPLACE_ {
			t.ReplaceConflict = true
		}
	}
	return t, true
}

// tableBody reads the column definitions and table constraints inside the
// parentheses opening at open. pk is the column that may alias the rowid:
// the only column of the primary key, unless declared DESC; "" if none.
func (s *stmt) tableBody(open int, t *Table) (pk string, ok bool) {
	reads := map[string]bool{} // names read by constraints and generated columns
	pks := 0
	for _, it := range s.items(open+1, s.match[open]) {
		if it[0] == it[1] {
			return "", false
		}
		if isTableConstraint(s.typ(it[0])) {
			s.addNames(it[0], it[1], reads)
			if name, n := s.primaryKeyConstraint(it[0], it[1]); n > 0 {
				pk, pks = name, pks+n
			}
			continue
		}
		c, desc, ok := s.columnDef(it[0], it[1], reads)
		if !ok {
			return "", false
		}
		if c.PrimaryKey {
			pk, pks = c.Name, pks+1
			if desc {
				pk = ""
			}
		}
		t.Columns = append(t.Columns, c)
	}
	for i := range t.Columns {
		if reads[t.Columns[i].Name] {
			t.Columns[i].Constrained = true
		}
	}
	if pks != 1 {
		pk = ""
	}
	return pk, len(t.Columns) > 0
}

// primaryKeyConstraint reads a table constraint "[CONSTRAINT name] PRIMARY
// KEY (cols) ..." in toks[from:to] and returns its number of columns (0
// when it is another constraint) and, for a single column, its name. In
// this form "col [COLLATE c] [ASC|DESC]" names the column whatever its
// collation and order: SQLite's DESC exception to rowid aliases applies to
// the column-constraint form only.
func (s *stmt) primaryKeyConstraint(from, to int) (string, int) {
	j := from
	if s.typ(j) == sp.SQLiteLexerCONSTRAINT_ {
		j += 2
	}
	if s.typ(j) != sp.SQLiteLexerPRIMARY_ || s.typ(j+1) != sp.SQLiteLexerKEY_ || s.typ(j+2) != tOpen || s.match[j+2] >= to {
		return "", 0
	}
	items := s.items(j+3, s.match[j+2])
	if len(items) != 1 {
		return "", max(len(items), 1)
	}
	it := items[0]
	if !s.toks[it[0]].isName() {
		return "", 1
	}
	k := it[0] + 1
	if k+1 < it[1] && s.typ(k) == sp.SQLiteLexerCOLLATE_ && s.toks[k+1].isName() {
		k += 2
	}
	if k < it[1] && (s.typ(k) == sp.SQLiteLexerASC_ || s.typ(k) == sp.SQLiteLexerDESC_) {
		k++
	}
	if k != it[1] {
		return "", 1
	}
	return unquote(s.toks[it[0]]), 1
}

// isTableConstraint reports whether typ starts a table constraint.
func isTableConstraint(typ int) bool {
	switch typ {
	case sp.SQLiteLexerCONSTRAINT_, sp.SQLiteLexerPRIMARY_, sp.SQLiteLexerUNIQUE_,
		sp.SQLiteLexerCHECK_, sp.SQLiteLexerFOREIGN_:
		return true
	}
	return false
}

// columnDef reads "name [type] [constraints]" in toks[from:to]. The names
// that its CHECK and generated expressions read are added to reads. desc
// is true for PRIMARY KEY DESC, which does not make an alias of the rowid.
func (s *stmt) columnDef(from, to int, reads map[string]bool) (c Column, desc, ok bool) {
	if !s.toks[from].isName() {
		return Column{}, false, false
	}
	c = Column{Name: unquote(s.toks[from])}
	j, ok := s.typeName(from+1, to, &c)
	if !ok {
		return Column{}, false, false
	}
	for ; j < to; j++ {
		switch s.typ(j) {
		case tOpen:
			j = s.match[j]
		case sp.SQLiteLexerPRIMARY_:
			c.Constrained, c.PrimaryKey = true, true
			desc = s.typ(j+1) == sp.SQLiteLexerKEY_ && s.typ(j+2) == sp.SQLiteLexerDESC_
		case sp.SQLiteLexerUNIQUE_:
			c.Constrained, c.Unique = true, true
		case sp.SQLiteLexerREFERENCES_:
			c.Constrained = true
		case sp.SQLiteLexerCOLLATE_:
			if j+1 < to {
				c.Collation = strings.ToUpper(unquote(s.toks[j+1]))
			}
		case sp.SQLiteLexerDEFAULT_:
			c.HasDefault = true
			n := 1
			if s.typ(j+1) == sp.SQLiteLexerMINUS || s.typ(j+1) == sp.SQLiteLexerPLUS {
				n = 2
			}
			if j+1+n <= to {
				c.Default = s.valueAt(j+1, j+1+n, bindings{})
			}
		case sp.SQLiteLexerCHECK_:
			c.Constrained = true
			s.addGroupNames(j+1, reads)
		case sp.SQLiteLexerAS_:
			c.Generated = true
			s.addGroupNames(j+1, reads)
		case sp.SQLiteLexerGENERATED_:
			c.Generated = true
		}
	}
	return c, desc, true
}

// typeName reads the declared type starting at j (before to) into c.Type
// and returns the index after it.
func (s *stmt) typeName(j, to int, c *Column) (int, bool) {
	var words []string
	for j < to && s.isTypeWord(j) {
		words = append(words, strings.ToUpper(unquote(s.toks[j])))
		j++
	}
	c.Type = strings.Join(words, " ")
	if len(words) == 0 || s.typ(j) != tOpen {
		return j, true
	}
	end := s.match[j]
	if end >= to {
		return j, false
	}
	var size strings.Builder
	for k := j; k <= end; k++ {
		size.WriteString(s.toks[k].text)
	}
	c.Type += size.String()
	return end + 1, true
}

// isTypeWord reports whether the token at j can be a word of a type name:
// an identifier, a string, or a keyword that does not start a column
// constraint.
func (s *stmt) isTypeWord(j int) bool {
	t := s.toks[j]
	switch t.typ {
	case tIdent, tString:
		return true
	case sp.SQLiteLexerCONSTRAINT_, sp.SQLiteLexerPRIMARY_, sp.SQLiteLexerNOT_, sp.SQLiteLexerNULL_,
		sp.SQLiteLexerUNIQUE_, sp.SQLiteLexerCHECK_, sp.SQLiteLexerDEFAULT_, sp.SQLiteLexerCOLLATE_,
		sp.SQLiteLexerREFERENCES_, sp.SQLiteLexerGENERATED_, sp.SQLiteLexerAS_, sp.SQLiteLexerON_:
		return false
	}
	return t.isKeyword()
}

// addGroupNames adds the names inside the parenthesized group opening at
// open, if there is one.
func (s *stmt) addGroupNames(open int, names map[string]bool) {
	if s.typ(open) == tOpen && s.match[open] > open {
		s.addNames(open+1, s.match[open], names)
	}
}

// addNames adds the lower-cased names of toks[from:to] to names.
func (s *stmt) addNames(from, to int, names map[string]bool) {
	for k := from; k < to; k++ {
		if s.toks[k].isName() {
			names[unquote(s.toks[k])] = true
		}
	}
}

// tableOptions reads the table options after the closing parenthesis at j:
// a comma-separated list of STRICT and WITHOUT ROWID.
func (s *stmt) tableOptions(j int) (strict, withoutRowid, ok bool) {
	for j < len(s.toks) {
		switch {
		case s.typ(j) == tIdent && unquote(s.toks[j]) == "strict":
			strict = true
			j++
		case s.typ(j) == sp.SQLiteLexerWITHOUT_ && s.typ(j+1) == tIdent && unquote(s.toks[j+1]) == "rowid":
			withoutRowid = true
			j += 2
		default:
			return false, false, false
		}
		if j < len(s.toks) {
			if s.typ(j) != tComma {
				return false, false, false
			}
			j++
		}
	}
	return strict, withoutRowid, true
}

// MentionedNames returns the lower-cased, unquoted names that sql mentions
// (identifiers, keywords usable as names, string literals), e.g. the columns
// a CREATE INDEX or CREATE TRIGGER statement reads. ok is false when sql
// cannot be tokenized exactly; callers must then assume it reads anything.
// It is safe for concurrent use.
func MentionedNames(sql string) (names map[string]bool, ok bool) {
	toks, bad := lex(sql)
	if bad {
		return nil, false
	}
	names = map[string]bool{}
	for _, t := range toks {
		if t.isName() {
			names[unquote(t)] = true
		}
	}
	return names, true
}
