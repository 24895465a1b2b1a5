package sqlclass

import (
	"fmt"
	"strings"
	"testing"
)

// formatTable renders a Table as "name[ strict]: col TYPE flags, ..." where
// flags are G (generated) and C (constrained).
func formatTable(t Table) string {
	var cols []string
	for _, c := range t.Columns {
		s := c.Name
		if c.Type != "" {
			s += " " + c.Type
		}
		if c.Generated {
			s += " G"
		}
		if c.Constrained {
			s += " C"
		}
		cols = append(cols, s)
	}
	head := t.Name
	if t.Strict {
		head += " strict"
	}
	return head + ": " + strings.Join(cols, ", ")
}

func TestParseCreateTable(t *testing.T) {
	tests := []struct {
		sql, want string // want "" means not understood
	}{
		{`CREATE TABLE t (a, b TEXT, c BLOB)`, "t: a, b TEXT, c BLOB"},
		{`create table T (A text, B integer)`, "t: a TEXT, b INTEGER"},
		{`CREATE TABLE IF NOT EXISTS main.t (a TEXT)`, "t: a TEXT"},
		{`CREATE TEMP TABLE t (a TEXT)`, "t: a TEXT"},
		{`CREATE TABLE t (a TEXT, b BLOB, c ANY) STRICT`, "t strict: a TEXT, b BLOB, c ANY"},
		{`CREATE TABLE t (a TEXT PRIMARY KEY, b BLOB) STRICT, WITHOUT ROWID`, "t strict: a TEXT C, b BLOB"},
		{`CREATE TABLE t (a TEXT PRIMARY KEY) WITHOUT ROWID`, "t: a TEXT C"},
		{"CREATE TABLE \"My Table\" (\"Doc Body\" TEXT, [b c] BLOB, `d` 'varchar'(10))", "my table: doc body TEXT, b c BLOB, d VARCHAR(10)"},
		{`CREATE TABLE t (a VARCHAR ( 255 ), b DECIMAL(10, 2), c UNSIGNED BIG INT, d DOUBLE PRECISION)`,
			"t: a VARCHAR(255), b DECIMAL(10,2), c UNSIGNED BIG INT, d DOUBLE PRECISION"},
		{`CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL DEFAULT '' COLLATE NOCASE)`,
			"t: id INTEGER C, doc TEXT"},
		{`CREATE TABLE t (a TEXT UNIQUE, b TEXT CHECK (length(b) < 10), c TEXT REFERENCES p(x), d TEXT CONSTRAINT n NOT NULL)`,
			"t: a TEXT C, b TEXT C, c TEXT C, d TEXT"},
		{`CREATE TABLE t (a TEXT, b TEXT, c TEXT, d TEXT, PRIMARY KEY (a), UNIQUE (b) ON CONFLICT REPLACE, CHECK (json_valid(c)), CONSTRAINT f FOREIGN KEY (d) REFERENCES p)`,
			"t: a TEXT C, b TEXT C, c TEXT C, d TEXT C"},
		{`CREATE TABLE t (a TEXT, b TEXT GENERATED ALWAYS AS (upper(a)) STORED, c INT AS (1))`, "t: a TEXT C, b TEXT G, c INT G"},
		{`CREATE TABLE t (a TEXT DEFAULT (CAST(1 AS TEXT)), b)`, "t: a TEXT, b"},
		{`CREATE TABLE t (a TEXT) -- comment`, "t: a TEXT"},
		// not understood
		{`CREATE TABLE t AS SELECT 1 AS a`, ""},
		{`CREATE VIRTUAL TABLE t USING fts5(a)`, ""},
		{`CREATE TABLE t (a TEXT) STRICT WITHOUT ROWID`, ""},
		{`CREATE TABLE t (a TEXT) ROWID`, ""},
		{`CREATE TABLE t ()`, ""},
		{`CREATE TABLE t (a TEXT,)`, ""},
		{`CREATE TABLE t (é TEXT)`, ""},
		{`CREATE TABLE t (a TEXT); CREATE TABLE u (b)`, ""},
		{`CREATE INDEX i ON t (a)`, ""},
		{`CREATE TABLE t (a TEXT`, ""},
	}
	for _, tt := range tests {
		tab, ok := ParseCreateTable(tt.sql)
		got := ""
		if ok {
			got = formatTable(tab)
		}
		if got != tt.want {
			t.Errorf("%q:\n got %q\nwant %q", tt.sql, got, tt.want)
		}
	}
}

func TestColumnAffinity(t *testing.T) {
	tests := []struct {
		typ  string
		want Affinity
	}{
		{"INT", AffinityInteger}, {"TINYINT", AffinityInteger}, {"POINT", AffinityInteger},
		{"TEXT", AffinityText}, {"VARCHAR(255)", AffinityText}, {"NCHAR(5)", AffinityText}, {"CLOB", AffinityText},
		{"BLOB", AffinityBlob}, {"", AffinityBlob},
		{"REAL", AffinityReal}, {"DOUBLE PRECISION", AffinityReal}, {"FLOAT", AffinityReal},
		{"NUMERIC", AffinityNumeric}, {"JSON", AffinityNumeric}, {"ANY", AffinityNumeric}, {"DATETIME", AffinityNumeric},
	}
	for _, tt := range tests {
		if got := (Column{Type: tt.typ}).Affinity(); got != tt.want {
			t.Errorf("Affinity(%q) = %d, want %d", tt.typ, got, tt.want)
		}
	}
}

func TestColumnKeepsText(t *testing.T) {
	tests := []struct {
		typ, s string
		want   bool
	}{
		{"TEXT", "  123  ", true},
		{"", "1.5", true},
		{"JSON", `{"a": 1}`, true},
		{"JSON", "  123  ", false},
		{"NUMERIC", "1.0000000000000000000000000", false},
		{"INTEGER", "-1e10", false},
		{"REAL", "Infinity", false},
		{"NUMERIC", "0x1A", true},
		{"NUMERIC", "hello, world", true},
	}
	for _, tt := range tests {
		if got := (Column{Type: tt.typ}).KeepsText(tt.s); got != tt.want {
			t.Errorf("KeepsText(%s, %q) = %v, want %v", tt.typ, tt.s, got, tt.want)
		}
	}
}

func TestMentionedNames(t *testing.T) {
	names, ok := MentionedNames(`CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO fts(rowid, "Body") VALUES (new.id, new.body); END`)
	if !ok {
		t.Fatal("not tokenized")
	}
	for _, n := range []string{"tr", "t", "fts", "rowid", "body", "new", "id"} {
		if !names[n] {
			t.Errorf("%q not mentioned in %v", n, names)
		}
	}
	if _, ok := MentionedNames("CREATE INDEX i ON t (é)"); ok {
		t.Error("non-ASCII name tokenized")
	}
}

// FuzzParseCreateTable: never panics; a table it understands has a name
// and named columns.
func FuzzParseCreateTable(f *testing.F) {
	for _, s := range []string{`CREATE TABLE t (a TEXT, b BLOB) STRICT`, `CREATE TABLE t (a, PRIMARY KEY (a))`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		tab, ok := ParseCreateTable(sql)
		if !ok {
			return
		}
		if tab.Name == "" || len(tab.Columns) == 0 {
			t.Fatalf("%q: %s", sql, fmt.Sprint(tab))
		}
		for _, c := range tab.Columns {
			if c.Name == "" && !strings.Contains(sql, `""`) && !strings.Contains(sql, "[]") && !strings.Contains(sql, "``") && !strings.Contains(sql, "''") {
				t.Fatalf("%q: unnamed column", sql)
			}
		}
	})
}
