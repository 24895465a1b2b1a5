package sqlclass

import (
	"database/sql/driver"
	"slices"
)

// RowidColumn is the key column name that [Info.ReadKey] and
// [Info.WriteKeys] give a table's rowid, under any of its names (rowid,
// oid, _rowid_, and the INTEGER PRIMARY KEY column that aliases it). It
// cannot be the name of a declared column.
const RowidColumn = "\x00rowid"

// FreshRowid is the key value of a rowid that an INSERT lets SQLite choose
// (the rowid column is not given, or given as NULL). SQLite chooses a rowid
// that no row of the table has, so an INSERT keyed FreshRowid can change a
// read of given rowids only when one of them had no row: see
// [ReadKey.RowProves].
const FreshRowid = "\x00fresh"

// ReadKey is the key a cacheable read is restricted to: its result depends
// only on the rows of Table whose Column holds one of Values (canonical
// encodings). A write keyed on other values of Column, or keyed on Column
// and other columns, cannot change it.
type ReadKey struct {
	Table  string
	Column string
	Values []string
	// RowProves is true when a result with at least one row shows that the
	// single rowid the read asks for had a row: an INSERT choosing a fresh
	// rowid can then not change the result, and FreshRowid (which Values
	// holds for reads of the rowid) can be dropped.
	RowProves bool
}

// WriteKeys is what a write may have changed in its own table by key: every
// row it inserted, updated or deleted had, before and after, in each column
// of Keyed one of the values listed. Unkeyed lists the table's other key
// columns, whose values it may have changed or that it did not restrict.
type WriteKeys struct {
	Table   string
	Keyed   []ColumnValues
	Unkeyed []string
}

// ColumnValues is a key column with canonical values.
type ColumnValues struct {
	Column string
	Values []string
}

// keyCol is a column as key invalidation sees it.
type keyCol struct {
	name      string // lower-cased, or RowidColumn
	class     canonClass
	coll      collation
	generated bool
	rank      int // preference for keying a read: rowid 3, PRIMARY KEY or UNIQUE 2, other 1
}

// keyColumn returns the key column that name (lower-cased) designates in
// t: a declared column, or the rowid through an alias or one of its names
// that no declared column shadows. false for an unknown name and for a
// column whose collation is not built in.
func (t *Table) keyColumn(name string) (keyCol, bool) {
	for _, c := range t.Columns {
		if c.Name != name {
			continue
		}
		if name == t.RowidAlias {
			return rowidKeyCol(), true
		}
		return t.declaredKeyCol(c)
	}
	switch name {
	case "rowid", "oid", "_rowid_":
		if !t.WithoutRowid {
			return rowidKeyCol(), true
		}
	}
	return keyCol{}, false
}

func rowidKeyCol() keyCol {
	return keyCol{name: RowidColumn, class: classNumeric, coll: collBinary, rank: 3}
}

func (t *Table) declaredKeyCol(c Column) (keyCol, bool) {
	k := keyCol{name: c.Name, generated: c.Generated, rank: 1}
	switch c.Collation {
	case "", "BINARY":
	case "NOCASE":
		k.coll = collNoCase
	case "RTRIM":
		k.coll = collRTrim
	default:
		return keyCol{}, false
	}
	if c.PrimaryKey || c.Unique {
		k.rank = 2
	}
	switch {
	case t.Strict:
		switch c.Type {
		case "INT", "INTEGER":
			k.class = classNumeric
		case "REAL":
			k.class = classReal
		case "TEXT":
			k.class = classText
		case "BLOB":
			k.class = classBlob
		default:
			k.class = classCoarse
		}
	default:
		switch c.Affinity() {
		case AffinityInteger, AffinityNumeric:
			k.class = classNumeric
		case AffinityReal:
			k.class = classReal
		case AffinityText:
			k.class = classText
		default:
			k.class = classBlob
		}
	}
	return k, true
}

// keyColumns returns every key column of t: its declared columns with a
// built-in collation (the rowid alias as RowidColumn) and, for a rowid
// table, RowidColumn.
func (t *Table) keyColumns() []keyCol {
	out := make([]keyCol, 0, len(t.Columns)+1)
	for _, c := range t.Columns {
		if c.Name == t.RowidAlias {
			continue
		}
		if k, ok := t.declaredKeyCol(c); ok {
			out = append(out, k)
		}
	}
	if !t.WithoutRowid {
		out = append(out, rowidKeyCol())
	}
	return out
}

// keys canonicalizes vals for column kc; false when one cannot be keyed.
// For the rowid, NULL becomes FreshRowid when fresh (an INSERT lets SQLite
// choose the rowid).
func (k *Keys) keys(kc keyCol, vals []Value, args []driver.NamedValue, fresh bool) ([]string, bool) {
	out := make([]string, 0, len(vals)+1)
	for _, v := range vals {
		dv, ok := k.Arg(v, args)
		if !ok {
			return nil, false
		}
		if fresh && dv == nil && kc.name == RowidColumn {
			out = append(out, FreshRowid)
			continue
		}
		key, ok := keyOf(dv, kc.class, kc.coll)
		if !ok {
			return nil, false
		}
		out = append(out, key)
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// ReadKey returns the key of a cacheable single-table SELECT of t run with
// args, or false when its result may depend on other rows: it has no key
// predicate on a key column of t, or its values cannot be keyed. Among
// several predicates it prefers the rowid, then a PRIMARY KEY or UNIQUE
// column, then fewer values. t is the declaration of the table the
// statement reads (i.Keys.Table); nil gives false.
func (i Info) ReadKey(t *Table, args []driver.NamedValue) (ReadKey, bool) {
	k := i.Keys
	if k == nil || i.Kind != KindSelect || !i.Cacheable || t == nil || t.Name != k.Table {
		return ReadKey{}, false
	}
	var (
		best     ReadKey
		bestRank int
		found    bool
	)
	for _, p := range k.Where {
		kc, ok := t.keyColumn(p.Column)
		if !ok {
			continue
		}
		vals, ok := k.keys(kc, p.Values, args, false)
		if !ok {
			continue
		}
		if found && (kc.rank < bestRank || (kc.rank == bestRank && len(vals) >= len(best.Values))) {
			continue
		}
		best, bestRank, found = ReadKey{Table: k.Table, Column: kc.name, Values: vals}, kc.rank, true
		if kc.name == RowidColumn {
			best.RowProves = len(vals) == 1 && !k.Aggregate
			best.Values = append(vals, FreshRowid)
		}
	}
	return best, found
}

// WriteKeys returns what a single-table INSERT, UPSERT, UPDATE or DELETE
// of t run with args may have changed by key, or false when it must count
// as a write of any row of t:
//   - DELETE and UPDATE are keyed on the columns of their key predicates;
//     UPDATE not on a column it assigns, nor on a generated column;
//   - INSERT is keyed on every column whose values it gives (a rowid not
//     given or NULL is FreshRowid; a column not given holds its literal
//     DEFAULT or NULL; a generated column, or one whose DEFAULT is an
//     expression, is unkeyed);
//   - an UPSERT is keyed only on the rowid, and only when every DO UPDATE
//     clause has the rowid as conflict target and does not assign it;
//   - REPLACE, UPDATE OR REPLACE, a table with an ON CONFLICT REPLACE
//     constraint, and anything else are not keyed.
//
// Triggers and foreign-key actions are not the statement's business: the
// caller must treat a table they write (t included) at table level.
func (i Info) WriteKeys(t *Table, args []driver.NamedValue) (WriteKeys, bool) {
	k := i.Keys
	if k == nil || t == nil || t.Name != k.Table || i.Statements != 1 || i.WritesUnknown {
		return WriteKeys{}, false
	}
	var keyed map[string][]string
	switch i.Kind {
	case KindDelete:
		keyed = k.whereKeys(t, args, nil)
	case KindUpdate:
		if k.Or == "replace" || t.ReplaceConflict {
			return WriteKeys{}, false
		}
		assigned := map[string]bool{}
		for _, name := range k.Assigned {
			kc, ok := t.keyColumn(name)
			if !ok {
				return WriteKeys{}, false
			}
			assigned[kc.name] = true
		}
		keyed = k.whereKeys(t, args, assigned)
	case KindInsert, KindUpsert:
		if t.ReplaceConflict {
			return WriteKeys{}, false
		}
		var ok bool
		if keyed, ok = k.insertKeys(t, args); !ok {
			return WriteKeys{}, false
		}
		if i.Kind == KindUpsert && !k.upsertKeys(t, keyed) {
			return WriteKeys{}, false
		}
	default:
		return WriteKeys{}, false
	}
	if len(keyed) == 0 {
		return WriteKeys{}, false
	}
	w := WriteKeys{Table: k.Table}
	for _, kc := range t.keyColumns() {
		if vals, ok := keyed[kc.name]; ok {
			w.Keyed = append(w.Keyed, ColumnValues{Column: kc.name, Values: vals})
		} else {
			w.Unkeyed = append(w.Unkeyed, kc.name)
		}
	}
	return w, len(w.Keyed) > 0
}

// whereKeys keys the columns of the key predicates, except those in skip
// and, when skip is not nil (an UPDATE), generated columns.
func (k *Keys) whereKeys(t *Table, args []driver.NamedValue, skip map[string]bool) map[string][]string {
	keyed := map[string][]string{}
	for _, p := range k.Where {
		kc, ok := t.keyColumn(p.Column)
		if !ok || skip[kc.name] || (skip != nil && kc.generated) {
			continue
		}
		if _, done := keyed[kc.name]; done {
			continue
		}
		if vals, ok := k.keys(kc, p.Values, args, false); ok {
			keyed[kc.name] = vals
		}
	}
	return keyed
}

// insertKeys keys the columns of t that the INSERT's rows determine.
func (k *Keys) insertKeys(t *Table, args []driver.NamedValue) (map[string][]string, bool) {
	if len(k.Rows) == 0 {
		return nil, false
	}
	names := k.Columns
	if names == nil { // the table's columns in order, generated ones left out
		for _, c := range t.Columns {
			if !c.Generated {
				names = append(names, c.Name)
			}
		}
	}
	if len(names) != len(k.Rows[0]) {
		return nil, false
	}
	given := map[string]int{} // key column → position in the rows
	for pos, name := range names {
		kc, ok := t.keyColumn(name)
		if ok {
			given[kc.name] = pos
		} else if _, declared := t.Column(name); !declared {
			return nil, false // an unknown column: the statement fails, or the schema changed
		}
	}
	keyed := map[string][]string{}
	for _, kc := range t.keyColumns() {
		pos, ok := given[kc.name]
		switch {
		case ok:
			col := make([]Value, len(k.Rows))
			for r, row := range k.Rows {
				col[r] = row[pos]
			}
			if vals, ok := k.keys(kc, col, args, true); ok {
				keyed[kc.name] = vals
			}
		case kc.name == RowidColumn:
			keyed[kc.name] = []string{FreshRowid}
		case kc.generated:
		default:
			c, _ := t.Column(kc.name)
			def := Value{Kind: ValueNull}
			if c.HasDefault {
				def = c.Default
			}
			if vals, ok := k.keys(kc, []Value{def}, nil, false); ok {
				keyed[kc.name] = vals
			}
		}
	}
	return keyed, true
}

// upsertKeys restricts the keys of an INSERT with ON CONFLICT clauses to
// what also holds for a row that a DO UPDATE changes instead: only the
// rowid, when it is every DO UPDATE clause's whole conflict target and no
// clause assigns it. It reports false when nothing stays keyed.
func (k *Keys) upsertKeys(t *Table, keyed map[string][]string) bool {
	updates := false
	for _, u := range k.Upserts {
		if !u.Update {
			continue
		}
		updates = true
		if len(u.Target) != 1 {
			return false
		}
		kc, ok := t.keyColumn(u.Target[0])
		if !ok || kc.name != RowidColumn {
			return false
		}
	}
	if !updates {
		return true
	}
	for _, name := range k.Assigned {
		if kc, ok := t.keyColumn(name); !ok || kc.name == RowidColumn {
			return false
		}
	}
	rowid, ok := keyed[RowidColumn]
	if !ok {
		return false
	}
	clear(keyed)
	keyed[RowidColumn] = rowid
	return true
}
