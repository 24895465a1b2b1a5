package tursopooled

import (
	"context"
	"database/sql/driver"
	"slices"
	"testing"

	"github.com/turso-pooled/tursopooled/sqlclass"
)

// loadedSchema builds a schema map from sqlite_master rows (type, name,
// tbl_name, sql) as loadLocked does.
func loadedSchema(rows [][4]string) *schemaDeps {
	b := newSchemaBuilder()
	for _, r := range rows {
		b.add(r[0], sqlclass.FoldName(r[1]), sqlclass.FoldName(r[2]), r[3])
	}
	return &schemaDeps{loaded: true, views: b.views, writes: b.writes, anything: b.anything,
		anyChild: b.anyChild, tables: b.finishTables()}
}

func TestSchemaDepsForeignKeys(t *testing.T) {
	s := loadedSchema([][4]string{
		{"table", "Parent Table", "Parent Table", `CREATE TABLE "Parent Table" (id INTEGER PRIMARY KEY)`},
		{"table", "child", "child", `CREATE TABLE child (id INTEGER PRIMARY KEY, pid REFERENCES "Parent Table"(id) ON DELETE CASCADE)`},
		{"table", "grandchild", "grandchild", "CREATE TABLE grandchild (cid REFERENCES `child` ON UPDATE SET NULL)"},
		{"table", "plain", "plain", `CREATE TABLE plain (pid REFERENCES "Parent Table" (id))`}, // NO ACTION: written by nobody
		{"table", "other", "other", `CREATE TABLE other (k)`},
	})
	got, ok := s.writeDeps([]string{"parent table"})
	if !ok || !slices.Equal(got, []string{"parent table", "child", "grandchild"}) {
		t.Fatalf("writeDeps(parent table) = %v, %v", got, ok)
	}
	if got, _ := s.writeDeps([]string{"other"}); !slices.Equal(got, []string{"other"}) {
		t.Fatalf("writeDeps(other) = %v", got)
	}
	// A table whose foreign keys cannot be read is written by every write.
	s = loadedSchema([][4]string{
		{"table", "odd", "odd", `CREATE TABLE odd (a REFERENCES "unterminated)`},
		{"table", "other", "other", `CREATE TABLE other (k)`},
	})
	if got, _ := s.writeDeps([]string{"other"}); !slices.Contains(got, "odd") {
		t.Fatalf("writeDeps(other) = %v, want odd among them", got)
	}
}

func TestSchemaDepsTriggersAndViews(t *testing.T) {
	s := loadedSchema([][4]string{
		{"table", "t", "t", `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`},
		{"table", "audit", "audit", `CREATE TABLE audit (id INTEGER PRIMARY KEY, tid INTEGER)`},
		{"table", "self", "self", `CREATE TABLE self (id INTEGER PRIMARY KEY, v TEXT)`},
		{"table", "odd", "odd", `CREATE TABLE odd (id INTEGER PRIMARY KEY)`},
		{"trigger", "t_audit", "t", `CREATE TRIGGER t_audit AFTER UPDATE ON t BEGIN INSERT INTO audit (tid) VALUES (NEW.id); END`},
		{"trigger", "self_touch", "self", `CREATE TRIGGER self_touch AFTER INSERT ON self BEGIN UPDATE self SET v = 'x' WHERE id = NEW.id; END`},
		{"trigger", "odd_t", "odd", `CREATE TRIGGER odd_t AFTER INSERT ON odd BEGIN FROBNICATE; END`},
		{"view", "v", "v", `CREATE VIEW v AS SELECT * FROM t JOIN audit ON audit.tid = t.id`},
		{"view", "vv", "vv", `CREATE VIEW vv AS SELECT * FROM v`},
		{"view", "bad", "bad", `CREATE VIEW bad AS SELECT * FROM t WHERE é = 1`},
	})
	ctx := context.Background()
	if got, ok, _ := s.readDeps(ctx, nil, []string{"vv"}); !ok || !slices.Equal(got, []string{"vv", "v", "audit", "t"}) {
		t.Fatalf("readDeps(vv) = %v, %v", got, ok)
	}
	if _, ok, _ := s.readDeps(ctx, nil, []string{"bad"}); ok {
		t.Fatal("a view not understood may be cached")
	}
	if _, ok := s.writeDeps([]string{"odd"}); ok {
		t.Fatal("a trigger not understood did not make the write invalidate everything")
	}

	keyed := func(sql string, args ...driver.Value) (tables []string, keyedTable string, ok bool) {
		nv := make([]driver.NamedValue, len(args))
		for i, a := range args {
			nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		tables, keys, ok := s.writeTargets(sqlclass.Classify(sql), nv)
		if keys != nil {
			keyedTable = keys.Table
		}
		return tables, keyedTable, ok
	}
	if tables, k, ok := keyed("UPDATE t SET v = ? WHERE id = ?", "x", int64(1)); !ok || k != "t" || !slices.Equal(tables, []string{"audit"}) {
		t.Fatalf("UPDATE t: tables %v keyed %q ok %v; want audit at table level and t by key", tables, k, ok)
	}
	if tables, k, ok := keyed("INSERT INTO self (id, v) VALUES (1, 'a')"); !ok || k != "" || !slices.Equal(tables, []string{"self"}) {
		t.Fatalf("INSERT INTO self: tables %v keyed %q; a table its own trigger writes is at table level", tables, k)
	}
	if tables, k, ok := keyed("DELETE FROM audit WHERE id = 3"); !ok || k != "audit" || len(tables) != 0 {
		t.Fatalf("DELETE FROM audit: tables %v keyed %q", tables, k)
	}
	if _, _, ok := keyed("INSERT INTO odd (id) VALUES (1)"); ok {
		t.Fatal("a write to a table with a trigger not understood must invalidate everything")
	}
}
