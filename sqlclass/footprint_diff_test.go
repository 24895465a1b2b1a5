package sqlclass

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The footprint differential test checks ReadKey and WriteKeys against
// SQLite itself, with the invalidation rule of the cache as a model: a
// keyed read of (table, column, values) survives a keyed write of its
// table unless the write leaves the column unkeyed or keys it with one of
// the values; anything else of the same table invalidates. Seeded random
// reads and writes run on an in-memory database; after each write, every
// read the model keeps valid is run again, and its rows must not have
// changed. SQLCLASS_FOOTPRINT_STEPS sets the number of steps per seed
// (default 3000 for each of seeds 1-3; 300 for seed 1 under -race) and
// SQLCLASS_FOOTPRINT_SEED a single seed to replay.

var diffSchema = []string{
	`CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, r REAL, num NUMERIC, s TEXT COLLATE NOCASE,
		rt TEXT COLLATE RTRIM, b BLOB, u TEXT UNIQUE, g INTEGER AS (n * 2), d TEXT DEFAULT 'x', z)`,
	`CREATE TABLE c (x INTEGER, y TEXT, v TEXT, PRIMARY KEY (x, y)) WITHOUT ROWID`,
	`CREATE TABLE p (id INTEGER PRIMARY KEY DESC, v TEXT, w INT)`,
	`CREATE TABLE rep (id INTEGER PRIMARY KEY, k TEXT UNIQUE ON CONFLICT REPLACE, v TEXT)`,
}

// diffCols are the columns each table's statements use (besides generated).
var diffCols = map[string][]string{
	"t":   {"id", "n", "r", "num", "s", "rt", "b", "u", "d", "z"},
	"c":   {"x", "y", "v"},
	"p":   {"id", "v", "w"},
	"rep": {"id", "k", "v"},
}

// diffRead is a read the model holds as cached.
type diffRead struct {
	sql    string
	args   []driver.NamedValue
	table  string
	key    ReadKey // Column "" for a table-level read
	result string
}

type diffRun struct {
	t      *testing.T
	rng    *rand.Rand
	db     *sql.DB
	tables map[string]*Table
	reads  []diffRead
	seed   uint64
	log    []string
	kept   map[string]int // key column → reads the model kept through a keyed write of their table
	panel  map[string][]diffRead
}

// panelValues are the values of the panel reads: one of each spelling
// class of the value domain.
var panelValues = []string{"0", "1", "'3'", "3.0", "'a'", "'A'", "'a '", "'x'", "X'61'", "NULL", "9007199254740992", "9007199254740993", "3.5"}

// buildPanel makes, for each table, a read of every key column and panel
// value: checked after every write of the table, they find a wrong key
// much sooner than random reads alone.
func (r *diffRun) buildPanel() {
	r.panel = map[string][]diffRead{}
	for table, cols := range keyColumnsOf {
		seen := map[string]bool{}
		for _, col := range cols {
			if seen[col] {
				continue
			}
			seen[col] = true
			for _, v := range panelValues {
				op := " = "
				if v == "NULL" {
					op = " IS "
				}
				q := "SELECT * FROM " + table + " WHERE " + col + op + v
				rd := diffRead{sql: q, table: table}
				if k, ok := Classify(q).ReadKey(r.tables[table], nil); ok {
					rd.key = k
				}
				rd.result = r.query(q, nil)
				r.panel[table] = append(r.panel[table], rd)
			}
		}
	}
}

func TestFootprintDifferential(t *testing.T) {
	steps, seeds := 3000, []uint64{1, 2, 3}
	if raceEnabled { // the logic is single-threaded: under -race, a smoke run
		steps, seeds = 300, seeds[:1]
	}
	if s, err := strconv.Atoi(os.Getenv("SQLCLASS_FOOTPRINT_STEPS")); err == nil && s > 0 {
		steps = s
	}
	if s, err := strconv.ParseUint(os.Getenv("SQLCLASS_FOOTPRINT_SEED"), 10, 64); err == nil {
		seeds = []uint64{s}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			runFootprintDiff(t, seed, steps)
		})
	}
}

func runFootprintDiff(t *testing.T, seed uint64, steps int) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	r := &diffRun{t: t, rng: rand.New(rand.NewPCG(seed, 14)), db: db, tables: map[string]*Table{}, seed: seed,
		kept: map[string]int{}}
	for _, s := range diffSchema {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
		tbl, ok := ParseCreateTable(s)
		if !ok {
			t.Fatalf("ParseCreateTable(%q)", s)
		}
		r.tables[tbl.Name] = &tbl
	}
	r.buildPanel()
	keyed := 0
	for i := 0; i < steps && !t.Failed(); i++ {
		if r.rng.IntN(3) == 0 {
			if r.write() {
				keyed++
			}
		} else {
			r.read()
		}
	}
	if keyed < steps/20 {
		t.Errorf("seed %d: only %d of %d steps were keyed writes", seed, keyed, steps)
	}
	t.Logf("seed %d: %d keyed writes; reads kept through a keyed write of their table, by key column: %v", seed, keyed, r.kept)
}

// value returns a random SQL value as a literal and as an argument, from
// small domains so that keys meet often, in the spellings SQLite may find
// equal: 3, 3.0, '3', ' 3', '3.0'; 'a', 'A', 'a  '; X'61'; big integers
// next to a real.
func (r *diffRun) value() (lit string, arg driver.Value) {
	n := r.rng.IntN(7)
	switch k := r.rng.IntN(100); {
	case k < 8:
		return "NULL", nil
	case k < 38:
		switch r.rng.IntN(6) {
		case 0:
			return fmt.Sprintf("%d.0", n), float64(n)
		case 1:
			return fmt.Sprintf("'%d'", n), strconv.Itoa(n)
		case 2:
			return fmt.Sprintf("' %d'", n), " " + strconv.Itoa(n)
		case 3:
			return fmt.Sprintf("'%d.0'", n), fmt.Sprintf("%d.0", n)
		default:
			return strconv.Itoa(n), int64(n)
		}
	case k < 68:
		s := []string{"a", "A", "a ", "A  ", "b", "x", "X"}[r.rng.IntN(7)]
		return "'" + s + "'", s
	case k < 78:
		s := []string{"a", "A", "x", "1"}[r.rng.IntN(4)]
		return fmt.Sprintf("X'%x'", s), []byte(s)
	case k < 85:
		switch r.rng.IntN(3) {
		case 0:
			return "9007199254740993", int64(1<<53 + 1)
		case 1:
			return "9007199254740992", int64(1 << 53)
		default:
			return "9007199254740992.0", float64(1 << 53)
		}
	case k < 90:
		return fmt.Sprintf("%d.5", n), float64(n) + 0.5
	default:
		return strconv.Itoa(n), int64(n)
	}
}

// operand renders a value as a literal or as a parameter, appending the
// argument.
func (r *diffRun) operand(args *[]driver.NamedValue) string {
	lit, v := r.value()
	if r.rng.IntN(2) == 0 {
		return lit
	}
	*args = append(*args, driver.NamedValue{Ordinal: len(*args) + 1, Value: v})
	return "?"
}

func (r *diffRun) table() string {
	return []string{"t", "t", "t", "c", "p", "rep"}[r.rng.IntN(6)]
}

// keyColumnsOf weights the columns of each table that reads and WHERE
// clauses use, towards those with a rule of their own.
var keyColumnsOf = map[string][]string{
	"t":   {"rowid", "oid", "_rowid_", "id", "id", "n", "r", "r", "num", "s", "s", "rt", "rt", "b", "u", "u", "d", "z", "g", "g"},
	"c":   {"x", "y", "v"},
	"p":   {"id", "rowid", "v", "w"},
	"rep": {"id", "rowid", "k", "v"},
}

func (r *diffRun) column(table string) string {
	cols := keyColumnsOf[table]
	return cols[r.rng.IntN(len(cols))]
}

// where renders a WHERE clause of key predicates (and sometimes another
// term), appending arguments.
func (r *diffRun) where(table string, args *[]driver.NamedValue) string {
	var terms []string
	for k := 0; k < 1+r.rng.IntN(2); k++ {
		col := r.column(table)
		switch r.rng.IntN(5) {
		case 0:
			n := 1 + r.rng.IntN(3)
			var items []string
			for range n {
				items = append(items, r.operand(args))
			}
			terms = append(terms, col+" IN ("+strings.Join(items, ", ")+")")
		case 1:
			terms = append(terms, col+" IS "+r.operand(args))
		case 2:
			terms = append(terms, r.operand(args)+" = "+col)
		default:
			terms = append(terms, col+" = "+r.operand(args))
		}
	}
	if r.rng.IntN(6) == 0 {
		terms = append(terms, r.column(table)+" > 1")
	}
	return " WHERE " + strings.Join(terms, " AND ")
}

func (r *diffRun) read() {
	table := r.table()
	var args []driver.NamedValue
	sel := "SELECT * FROM "
	if table != "c" && r.rng.IntN(2) == 0 {
		sel = "SELECT rowid, * FROM "
	}
	if r.rng.IntN(6) == 0 {
		sel = "SELECT count(*), max(rowid) FROM "
		if table == "c" {
			sel = "SELECT count(*), max(x) FROM "
		}
	}
	q := sel + table
	if r.rng.IntN(8) != 0 {
		q += r.where(table, &args)
	}
	info := Classify(q)
	if !info.Cacheable {
		r.t.Fatalf("seed %d: %s: not cacheable", r.seed, q)
	}
	rd := diffRead{sql: q, args: args, table: table}
	if k, ok := info.ReadKey(r.tables[table], args); ok {
		rd.key = k
	}
	rd.result = r.query(q, args)
	r.reads = append(r.reads, rd)
	if len(r.reads) > 40 {
		r.reads = r.reads[1:]
	}
}

// write runs a random write, then checks every read the model keeps. It
// reports whether the write was keyed.
func (r *diffRun) write() bool {
	table := r.table()
	var args []driver.NamedValue
	q := r.writeSQL(table, &args)
	info := Classify(q)
	w, keyed := info.WriteKeys(r.tables[table], args)
	_, err := r.db.Exec(q, nvArgs(args)...)
	r.log = append(r.log, fmt.Sprintf("%s %v -> %v keyed=%v", q, values(args), err, keyed))
	if len(r.log) > 30 {
		r.log = r.log[1:]
	}
	checks := make([]*diffRead, 0, len(r.reads)+len(r.panel[table]))
	for i := range r.reads {
		checks = append(checks, &r.reads[i])
	}
	for i := range r.panel[table] {
		checks = append(checks, &r.panel[table][i])
	}
	for _, rd := range checks {
		if rd.table != table {
			continue
		}
		key := rd.key
		if key.RowProves && !strings.HasPrefix(rd.result, "0 rows") {
			key.Values = slices.DeleteFunc(slices.Clone(key.Values), func(v string) bool { return v == FreshRowid })
		}
		now := r.query(rd.sql, rd.args)
		kept := !invalidatedBy(diffRead{table: rd.table, key: key}, table, w, keyed)
		if kept && rd.table == table {
			r.kept[keyName(rd.key.Column)]++
		}
		if kept && now != rd.result {
			r.t.Fatalf("seed %d: unsound: %s %v (key %s=%v) changed from\n%s\nto\n%s\nafter the keyed write %s %v: %s\nrecent writes:\n%s",
				r.seed, rd.sql, values(rd.args), keyName(key.Column), key.Values, rd.result, now, q, values(args),
				formatWriteKeys(w, keyed), strings.Join(r.log, "\n"))
		}
		rd.result = now // refilled when it changed
	}
	return keyed
}

// invalidatedBy is the cache's rule: does a write of table with keys w
// (keyed false: table level) invalidate rd?
func invalidatedBy(rd diffRead, table string, w WriteKeys, keyed bool) bool {
	if rd.table != table {
		return false
	}
	if rd.key.Column == "" || !keyed {
		return true
	}
	if slices.Contains(w.Unkeyed, rd.key.Column) {
		return true
	}
	for _, cv := range w.Keyed {
		if cv.Column == rd.key.Column {
			for _, v := range cv.Values {
				if slices.Contains(rd.key.Values, v) {
					return true
				}
			}
			return false
		}
	}
	return true
}

// upsertTargets are the conflict targets of each table's unique keys.
var upsertTargets = map[string][]string{
	"t": {"id", "rowid", "u"}, "c": {"x, y"}, "p": {"id"}, "rep": {"id", "k"},
}

func (r *diffRun) writeSQL(table string, args *[]driver.NamedValue) string {
	cols := diffCols[table]
	switch r.rng.IntN(12) {
	case 0, 1, 2, 3: // INSERT with a column list, one or more rows, maybe an upsert
		pick := slices.Clone(cols)
		r.rng.Shuffle(len(pick), func(i, j int) { pick[i], pick[j] = pick[j], pick[i] })
		pick = pick[:1+r.rng.IntN(len(pick))]
		upsert := r.rng.IntN(3) == 0
		targets := upsertTargets[table]
		target := targets[r.rng.IntN(len(targets))]
		if upsert { // the target's columns are given, so that conflicts happen
			for _, c := range strings.Split(target, ", ") {
				if c != "rowid" && !slices.Contains(pick, c) {
					pick = append(pick, c)
				}
			}
		}
		if table == "t" && r.rng.IntN(6) == 0 && !slices.Contains(pick, "id") {
			pick = append(pick, "id") // often NULL below: SQLite chooses the rowid
		}
		var rows []string
		for range 1 + r.rng.IntN(3) {
			var vals []string
			for _, c := range pick {
				if c == "id" && table == "t" && r.rng.IntN(2) == 0 {
					vals = append(vals, "NULL")
					continue
				}
				vals = append(vals, r.operand(args))
			}
			rows = append(rows, "("+strings.Join(vals, ", ")+")")
		}
		verb := []string{"INSERT", "INSERT", "INSERT OR IGNORE", "INSERT OR REPLACE", "REPLACE"}[r.rng.IntN(5)]
		if upsert {
			verb = "INSERT"
		}
		q := verb + " INTO " + table + " (" + strings.Join(pick, ", ") + ") VALUES " + strings.Join(rows, ", ")
		if upsert {
			set := cols[r.rng.IntN(len(cols))]
			q += " ON CONFLICT (" + target + ") DO UPDATE SET " + set + " = excluded." + set
			if r.rng.IntN(3) == 0 {
				q += " ON CONFLICT DO NOTHING"
			}
		}
		return q
	case 4: // INSERT without a column list
		var vals []string
		for range cols {
			vals = append(vals, r.operand(args))
		}
		return "INSERT OR IGNORE INTO " + table + " VALUES (" + strings.Join(vals, ", ") + ")"
	case 5, 6, 7: // UPDATE by key
		set := r.column(table)
		q := "UPDATE "
		switch r.rng.IntN(4) {
		case 0:
			q += "OR IGNORE "
		case 1:
			q += "OR REPLACE "
			set = map[string]string{"t": "u", "c": "y", "p": "id", "rep": "k"}[table] // a unique column
		}
		switch {
		case set == "g":
			set = "n"
		case table == "t" && r.rng.IntN(5) == 0: // a generated column's key changes
			var where []driver.NamedValue
			w := " WHERE g = " + r.operand(&where)
			val := r.operand(args)
			*args = append(*args, renumber(where, len(*args))...)
			return q + "t SET n = " + val + w
		}
		val := r.operand(args)
		if strings.Contains(q, "REPLACE") { // a value other rows are likely to hold
			val = []string{"'a'", "'x'", "1"}[r.rng.IntN(3)]
		}
		return q + table + " SET " + set + " = " + val + r.where(table, args)
	case 8: // UPDATE of every row, DELETE of the highest rowids
		if table != "c" && r.rng.IntN(2) == 0 {
			return "DELETE FROM " + table + " WHERE rowid > 4"
		}
		return "UPDATE " + table + " SET " + cols[len(cols)-1] + " = " + r.operand(args)
	default: // DELETE by key
		return "DELETE FROM " + table + r.where(table, args)
	}
}

func (r *diffRun) query(q string, args []driver.NamedValue) string {
	rows, err := r.db.Query(q, nvArgs(args)...)
	if err != nil {
		return "error: " + err.Error()
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "error: " + err.Error()
		}
		out = append(out, fmt.Sprintf("%#v", vals))
	}
	slices.Sort(out)
	return fmt.Sprintf("%d rows\n%s", len(out), strings.Join(out, "\n"))
}

func nvArgs(args []driver.NamedValue) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}

func values(args []driver.NamedValue) []any { return nvArgs(args) }

// renumber returns args with ordinals following n others.
func renumber(args []driver.NamedValue, n int) []driver.NamedValue {
	out := slices.Clone(args)
	for i := range out {
		out[i].Ordinal = n + i + 1
	}
	return out
}
