package sqlclass

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// canonValues are values whose equality under SQLite's rules the key
// canonicalization must respect: numbers in several types and spellings,
// numeric text, text differing in case and trailing spaces, blobs, NULL.
var canonValues = []driver.Value{
	nil, int64(0), int64(1), int64(-1), int64(7), float64(1), float64(1.5), math.Copysign(0, -1), float64(7),
	"1", "1.0", " 1", "1 ", "01", "+1", "1e0", "1.", ".5", "0.5", "1.50", "7", "7.0",
	"abc", "ABC", "abc ", "abc  ", "Abc", "", " ", "x'1'", "1e400", "-1e400", "inf", "Inf", "-Inf", "nan",
	[]byte("1"), []byte("abc"), []byte("ABC"), []byte{}, []byte{0, 1},
	int64(1 << 53), int64(1<<53 + 1), float64(1 << 53), float64(1<<53 + 2),
	int64(math.MaxInt64), int64(math.MinInt64), float64(math.MaxInt64), float64(-(1 << 63)),
	int64(123456789012345678), float64(123456789012345678), "123456789012345678", "1.23456789012346e+17",
	0.1 + 0.2, 0.3, "0.3", "0.30000000000000004", float64(1e20), "1.0e+20", "1e20", int64(100000000000000000),
	float64(999999999999999), "999999999999999.0", float64(1e15), "1.0e+15", int64(1e15),
	2.9999999999999996, "3.0", int64(3), "3", math.Inf(1), math.Inf(-1),
	"18446744073709551616", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
	true, false,
}

// canonColumns are column declarations of every comparison class.
var canonColumns = []struct {
	decl   string
	strict bool
}{
	{"INTEGER", false}, {"INT", false}, {"REAL", false}, {"NUMERIC", false}, {"DECIMAL(10,2)", false},
	{"TEXT", false}, {"VARCHAR(10)", false}, {"BLOB", false}, {"", false},
	{"TEXT COLLATE NOCASE", false}, {"TEXT COLLATE RTRIM", false}, {"INTEGER COLLATE NOCASE", false},
	{"COLLATE NOCASE", false}, {"NUMERIC COLLATE RTRIM", false},
	{"ANY", true}, {"INTEGER", true}, {"REAL", true}, {"TEXT", true}, {"BLOB", true}, {"TEXT COLLATE NOCASE", true},
}

// TestKeyOfAgreesWithSQLite checks against SQLite itself that every two
// values it finds equal share a key: a value w is stored in a column of
// each class, then compared with every value r ("c = ?" and "c IS ?");
// whenever a row matches, keyOf(w) must equal keyOf(r). It covers the
// affinity rules (numeric text, integers and reals, numbers rendered as
// text), the collations and text against blobs.
func TestKeyOfAgreesWithSQLite(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// The values to compare with are rows of a table; "+v" has no affinity
	// (any operator removes a column's), so "c = +v" compares as "c = ?".
	if _, err := db.Exec("CREATE TABLE vals (i INTEGER, v)"); err != nil {
		t.Fatal(err)
	}
	for i, v := range canonValues {
		if _, err := db.Exec("INSERT INTO vals VALUES (?, ?)", i, v); err != nil {
			t.Fatal(err)
		}
	}
	checked := 0
	for ci, col := range canonColumns {
		table := fmt.Sprintf("c%d", ci)
		create := fmt.Sprintf("CREATE TABLE %s (c %s)", table, col.decl)
		if col.strict {
			create += " STRICT"
		}
		if _, err := db.Exec(create); err != nil {
			t.Fatalf("%s: %v", create, err)
		}
		tbl, ok := ParseCreateTable(create)
		if !ok {
			t.Fatalf("ParseCreateTable(%q) failed", create)
		}
		kc, ok := tbl.keyColumn("c")
		if !ok {
			t.Fatalf("%s: no key column", create)
		}
		for _, w := range canonValues {
			if _, err := db.Exec("DELETE FROM " + table); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("INSERT INTO "+table+" (c) VALUES (?)", w); err != nil {
				continue // a STRICT column refuses it
			}
			wk, wok := keyOf(w, kc.class, kc.coll)
			rows, err := db.Query("SELECT vals.i, c = +v, c IS +v FROM " + table + ", vals")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var (
					i      int
					eq, is sql.NullBool
				)
				if err := rows.Scan(&i, &eq, &is); err != nil {
					t.Fatal(err)
				}
				if !eq.Bool && !is.Bool {
					continue
				}
				checked++
				r := canonValues[i]
				rk, rok := keyOf(r, kc.class, kc.coll)
				if !wok || !rok {
					continue // unkeyable values are never keyed: nothing to share
				}
				if wk != rk {
					t.Errorf("column %s%s: stored %#v (key %q) matches c = %#v (key %q)",
						col.decl, map[bool]string{true: " STRICT"}[col.strict], w, wk, r, rk)
				}
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d matching pairs checked", checked)
	}
}

// TestKeyOfSeparates checks that the canonicalization is not trivially
// sound: values SQLite keeps apart mostly get distinct keys.
func TestKeyOfSeparates(t *testing.T) {
	tests := []struct {
		class  canonClass
		coll   collation
		a, b   driver.Value
		shared bool
	}{
		{classNumeric, collBinary, int64(1), int64(2), false},
		{classNumeric, collBinary, int64(1), "1", true},
		{classNumeric, collBinary, int64(1), 1.0, true},
		{classNumeric, collBinary, "1", "1.0", true},
		{classNumeric, collBinary, int64(1 << 62), int64(1<<62 + 1), false}, // snowflake-sized ids stay exact
		{classNumeric, collBinary, "abc", "ABC", false},
		{classText, collBinary, "abc", "ABC", false},
		{classText, collNoCase, "abc", "ABC", true},
		{classText, collRTrim, "abc", "abc  ", true},
		{classText, collBinary, "abc", "abc  ", false},
		{classText, collBinary, "abc", []byte("abc"), true},
		{classText, collBinary, int64(5), "5", true},
		{classBlob, collBinary, int64(5), 5.0, true},
		{classBlob, collBinary, int64(5), int64(6), false},
		{classNumeric, collBinary, nil, int64(0), false},
		{classNumeric, collBinary, math.NaN(), nil, true},
		// SQLite before 3.43 renders a real as text with 15 significant digits
		{classText, collBinary, 0.1 + 0.2, "0.3", true},
		{classText, collBinary, 2.9999999999999996, "3.0", true},
	}
	for _, tt := range tests {
		a, aok := keyOf(tt.a, tt.class, tt.coll)
		b, bok := keyOf(tt.b, tt.class, tt.coll)
		if !aok || !bok {
			t.Errorf("%#v, %#v: not keyable", tt.a, tt.b)
			continue
		}
		if (a == b) != tt.shared {
			t.Errorf("class %d coll %d: %#v → %q, %#v → %q; shared = %v, want %v", tt.class, tt.coll, tt.a, a, tt.b, b, a == b, tt.shared)
		}
	}
	if _, ok := keyOf("1.234567890123456789", classNumeric, collBinary); ok {
		t.Error("a real text of 19 significant digits was keyed in a numeric column")
	}
	if k, _ := keyOf("x", classText, collBinary); strings.HasPrefix(FreshRowid, k) || k == FreshRowid {
		t.Error("a text key can equal FreshRowid")
	}
}
