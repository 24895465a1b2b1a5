package cache

import (
	"database/sql/driver"
	"math"
	"testing"
	"time"
)

func TestMakeKeyDistinct(t *testing.T) {
	utc := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	plus1 := utc.In(time.FixedZone("X", 3600))
	type kc struct {
		name string
		db   string
		sql  string
		args []driver.NamedValue
	}
	one := func(v any) []driver.NamedValue { return []driver.NamedValue{{Ordinal: 1, Value: v}} }
	cases := []kc{
		{"int64 1", "db", "q", one(int64(1))},
		{"float64 1", "db", "q", one(float64(1))},
		{"string 1", "db", "q", one("1")},
		{"bytes 1", "db", "q", one([]byte("1"))},
		{"bool true", "db", "q", one(true)},
		{"bool false", "db", "q", one(false)},
		{"nil", "db", "q", one(nil)},
		{"int64 0", "db", "q", one(int64(0))},
		{"float -0", "db", "q", one(math.Copysign(0, -1))},
		{"float +0", "db", "q", one(0.0)},
		{"empty string", "db", "q", one("")},
		{"empty bytes", "db", "q", one([]byte{})},
		{"time utc", "db", "q", one(utc)},
		{"time +1 same instant", "db", "q", one(plus1)},
		{"time +1ns", "db", "q", one(utc.Add(1))},
		{"no args", "db", "q", nil},
		{"other db", "db2", "q", one(int64(1))},
		{"other sql", "db", "q2", one(int64(1))},
		{"named", "db", "q", []driver.NamedValue{{Name: "a", Ordinal: 1, Value: int64(1)}}},
		{"other ordinal", "db", "q", []driver.NamedValue{{Ordinal: 2, Value: int64(1)}}},
		{"two args", "db", "q", []driver.NamedValue{{Ordinal: 1, Value: "a"}, {Ordinal: 2, Value: "b"}}},
		{"two args joined", "db", "q", []driver.NamedValue{{Ordinal: 1, Value: "ab"}, {Ordinal: 2, Value: ""}}},
		{"boundary db/sql", "dbq", "", nil},
		{"boundary db/sql 2", "d", "bq", nil},
	}
	seen := map[Key]string{}
	for _, c := range cases {
		k, ok := MakeKey(c.db, c.sql, c.args)
		if !ok {
			t.Fatalf("%s: MakeKey not ok", c.name)
		}
		if prev, dup := seen[k]; dup {
			t.Errorf("%s and %s share a key", c.name, prev)
		}
		seen[k] = c.name
		k2, _ := MakeKey(c.db, c.sql, c.args)
		if k2 != k {
			t.Errorf("%s: MakeKey not deterministic", c.name)
		}
	}
	if k1, _ := MakeKey("db", "q", one(1)); k1 != mustKeyNV(t, one(int64(1))) {
		t.Error("int and int64 must share a key: the client sends the same integer")
	}
}

func mustKeyNV(t *testing.T, args []driver.NamedValue) Key {
	t.Helper()
	k, ok := MakeKey("db", "q", args)
	if !ok {
		t.Fatal("MakeKey not ok")
	}
	return k
}

func TestMakeKeyUnsupported(t *testing.T) {
	for _, v := range []any{uint64(1), int32(1), struct{}{}, []string{"a"}, &struct{}{}} {
		if _, ok := MakeKey("db", "q", []driver.NamedValue{{Ordinal: 1, Value: v}}); ok {
			t.Errorf("MakeKey accepted %T", v)
		}
	}
}

func TestResultSizeAndCopyRow(t *testing.T) {
	r := &Result{Columns: []string{"a", "b"}, Rows: [][]driver.Value{{[]byte("xyz"), int64(1)}}}
	small := r.Size()
	r2 := &Result{Columns: []string{"a", "b"}, Rows: [][]driver.Value{{[]byte("xyz" + string(make([]byte, 1000))), int64(1)}}}
	if r2.Size()-small != 1000 {
		t.Fatalf("Size does not count []byte contents: %d vs %d", r2.Size(), small)
	}
	if (*Result)(nil).Size() != 0 {
		t.Fatal("nil Size != 0")
	}
	dest := make([]driver.Value, 2)
	r.CopyRow(dest, 0)
	dest[0].([]byte)[0] = 'Q'
	if string(r.Rows[0][0].([]byte)) != "xyz" {
		t.Fatal("CopyRow shares []byte with the cached result")
	}
}
