package sqlclass

import (
	"fmt"
	"strings"
	"testing"
)

func formatFKs(fks []ForeignKey, ok bool) string {
	if !ok {
		return "unknown"
	}
	var out []string
	for _, fk := range fks {
		out = append(out, fmt.Sprintf("%s:%d/%d:%v", fk.Parent, fk.OnDelete, fk.OnUpdate, fk.WritesChild()))
	}
	return strings.Join(out, " ")
}

func TestForeignKeys(t *testing.T) {
	tests := []struct{ sql, want string }{
		{`CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES "Parent Table"(id) ON DELETE CASCADE)`, "parent table:4/0:true"},
		{`CREATE TABLE c (a REFERENCES [Parent Table], b REFERENCES ` + "`Other P`" + ` (x) ON UPDATE SET NULL)`, "parent table:0/0:false other p:0/2:true"},
		{`CREATE TABLE c (a, FOREIGN KEY (a) REFERENCES 'p q' (x) MATCH SIMPLE ON DELETE SET DEFAULT DEFERRABLE INITIALLY DEFERRED)`, "p q:3/0:true"},
		{`CREATE TABLE c (a REFERENCES p ON DELETE RESTRICT ON UPDATE NO ACTION, b REFERENCES P2 NOT DEFERRABLE)`, "p:1/0:false p2:0/0:false"},
		{`CREATE TABLE c (a REFERENCES p (id) ON INSERT CASCADE)`, "p:4/4:true"},
		{`CREATE TABLE c (a TEXT DEFAULT 'REFERENCES x', "references" TEXT) -- REFERENCES y`, ""},
		{`CREATE TABLE c (a REFERENCES)`, "unknown"},
		{`CREATE TABLE c (a REFERENCES "p`, "unknown"},
	}
	for _, tt := range tests {
		if got := formatFKs(ForeignKeys(tt.sql)); got != tt.want {
			t.Errorf("%s:\n got  %q\n want %q", tt.sql, got, tt.want)
		}
	}
}

func TestParseTrigger(t *testing.T) {
	tests := []struct{ sql, want string }{
		{`CREATE TRIGGER tr AFTER INSERT ON "My T" BEGIN INSERT INTO audit (x) VALUES (NEW.id); UPDATE counts SET n = n + 1; END`,
			"my t: reads [my t] writes [audit counts]"},
		{`CREATE TRIGGER IF NOT EXISTS tr BEFORE UPDATE OF a, b ON main.t FOR EACH ROW WHEN NEW.a > 0 BEGIN DELETE FROM t WHERE id = OLD.id; END`,
			"t: reads [t] writes [t]"},
		{`CREATE TRIGGER tr INSTEAD OF DELETE ON v BEGIN SELECT RAISE(IGNORE); END`, "v: reads [v] writes []"},
		{`CREATE TRIGGER tr AFTER INSERT ON t BEGIN FROBNICATE x; END`, "unknown"},
		{`CREATE TABLE t (a)`, "unknown"},
		{`CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES (1)`, "unknown"},
	}
	for _, tt := range tests {
		tr, ok := ParseTrigger(tt.sql)
		got := "unknown"
		if ok {
			got = fmt.Sprintf("%s: reads %v writes %v", tr.Table, tr.Reads, tr.Writes)
		}
		if got != tt.want {
			t.Errorf("%s:\n got  %q\n want %q", tt.sql, got, tt.want)
		}
	}
}

func TestViewBody(t *testing.T) {
	tests := []struct {
		sql, body string
		cacheable bool
	}{
		{"CREATE VIEW v AS SELECT a FROM t WHERE b > 0", "SELECT a FROM t WHERE b > 0", true},
		{"create temp view if not exists \"V x\" (p, q) as select a, b from t -- c", "select a , b from t", true},
		{"CREATE VIEW v AS SELECT * FROM sqlite_sequence", "SELECT * FROM sqlite_sequence", false},
		{"CREATE VIEW v AS SELECT * FROM t WHERE ts > unixepoch()", "SELECT * FROM t WHERE ts > unixepoch ( )", false},
		{"CREATE VIEW v AS SELECT random()", "SELECT random ( )", false},
		{"CREATE TABLE t AS SELECT 1", "", false},
		{"CREATE VIEW v", "", false},
	}
	for _, tt := range tests {
		body, ok := ViewBody(tt.sql)
		if body != tt.body || ok != (tt.body != "") {
			t.Errorf("ViewBody(%q) = %q, %v; want %q", tt.sql, body, ok, tt.body)
		}
		if ok && Classify(body).Cacheable != tt.cacheable {
			t.Errorf("Classify(%q).Cacheable = %v, want %v", body, !tt.cacheable, tt.cacheable)
		}
	}
}
