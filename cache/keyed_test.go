package cache

import (
	"fmt"
	"testing"
)

// storeKeyed sets r under k as a keyed read of (table, column, values).
func storeKeyed(t *testing.T, c *Cache, k Key, table, column string, values ...string) {
	t.Helper()
	if !c.Set(k, smallResult(column), []string{table}, c.SnapshotKey(table, column, values), 0) {
		t.Fatal("Set refused a keyed result")
	}
	c.Wait()
}

func TestKeyedInvalidation(t *testing.T) {
	tests := []struct {
		name  string
		write func(c *Cache)
		want  map[string]bool // entry name → survives
	}{
		{"other key of the column", func(c *Cache) {
			c.InvalidateKeys(KeyedWrite{Table: "t", Keyed: []ColumnValues{{"id", []string{"i2"}}}, Unkeyed: []string{"v"}})
		}, map[string]bool{"id=1": true, "id=2": false, "id=1,2": false, "v=a": false, "scan": false, "u": true}},
		{"two keyed columns", func(c *Cache) {
			c.InvalidateKeys(KeyedWrite{Table: "T", Keyed: []ColumnValues{{"id", []string{"i9"}}, {"v", []string{"tb"}}}})
		}, map[string]bool{"id=1": true, "id=2": true, "id=1,2": true, "v=a": true, "scan": false, "u": true}},
		{"value of another column", func(c *Cache) {
			c.InvalidateKeys(KeyedWrite{Table: "t", Keyed: []ColumnValues{{"v", []string{"ta"}}}, Unkeyed: []string{"id"}})
		}, map[string]bool{"id=1": false, "id=2": false, "id=1,2": false, "v=a": false, "scan": false, "u": true}},
		{"table level", func(c *Cache) { c.Invalidate([]string{"t"}) },
			map[string]bool{"id=1": false, "id=2": false, "id=1,2": false, "v=a": false, "scan": false, "u": true}},
		{"another table", func(c *Cache) {
			c.InvalidateKeys(KeyedWrite{Table: "u", Keyed: []ColumnValues{{"id", []string{"i1"}}}})
		}, map[string]bool{"id=1": true, "id=2": true, "id=1,2": true, "v=a": true, "scan": true, "u": false}},
		{"all", func(c *Cache) { c.InvalidateAll() },
			map[string]bool{"id=1": false, "id=2": false, "id=1,2": false, "v=a": false, "scan": false, "u": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCache(t, Config{})
			keys := map[string]Key{}
			for name, k := range map[string][]string{"id=1": {"id", "i1"}, "id=2": {"id", "i2"}, "id=1,2": {"id", "i1", "i2"}, "v=a": {"v", "ta"}} {
				keys[name] = mustKey(t, "SELECT "+name)
				storeKeyed(t, c, keys[name], "t", k[0], k[1:]...)
			}
			keys["scan"], keys["u"] = mustKey(t, "SELECT * FROM t"), mustKey(t, "SELECT * FROM u")
			store(t, c, keys["scan"], smallResult("scan"), "t")
			store(t, c, keys["u"], smallResult("u"), "u")
			tt.write(c)
			for name, survives := range tt.want {
				if _, ok := c.Get(keys[name]); ok != survives {
					t.Errorf("%s: hit = %v, want %v", name, ok, survives)
				}
			}
		})
	}
}

func TestKeyedSnapshotBornStale(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	k := mustKey(t, "SELECT v FROM t WHERE id = 1")
	snap := c.SnapshotKey("t", "id", []string{"i1"})
	c.InvalidateKeys(KeyedWrite{Table: "t", Keyed: []ColumnValues{{"id", []string{"i1"}}}})
	if c.Set(k, smallResult("old"), []string{"t"}, snap, 0) {
		t.Fatal("Set accepted a result whose key was written after its snapshot")
	}
	snap = c.SnapshotKey("t", "id", []string{"i1"})
	if c.Set(k, smallResult("x"), []string{"t", "u"}, snap, 0) || c.Set(k, smallResult("x"), []string{"u"}, snap, 0) {
		t.Fatal("Set accepted a keyed snapshot for other tables")
	}
	if !c.Set(k, smallResult("x"), []string{"T"}, snap, 0) {
		t.Fatal("Set refused a keyed snapshot for its table")
	}
}

func TestSnapshotWithout(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	k := mustKey(t, "SELECT v FROM t WHERE id = 1")
	snap := c.SnapshotKey("t", "id", []string{"i1", "fresh"})
	snap = c.Without(snap, "t", "id", "fresh")
	if !c.Set(k, smallResult("x"), []string{"t"}, snap, 0) {
		t.Fatal("Set refused")
	}
	c.Wait()
	c.InvalidateKeys(KeyedWrite{Table: "t", Keyed: []ColumnValues{{"id", []string{"fresh"}}}})
	if _, ok := c.Get(k); !ok {
		t.Fatal("a write of the dropped value invalidated the entry")
	}
	c.InvalidateKeys(KeyedWrite{Table: "t", Keyed: []ColumnValues{{"id", []string{"i1"}}}})
	if _, ok := c.Get(k); ok {
		t.Fatal("a write of the kept value did not invalidate the entry")
	}
	// Without on a table-level snapshot changes nothing.
	s := c.Snapshot([]string{"t"})
	if got := c.Without(s, "t", "id", "i1"); len(got.deps) != len(s.deps) {
		t.Fatal("Without changed a table-level snapshot")
	}
}

func TestKeySlots(t *testing.T) {
	for _, tt := range []struct {
		maxBytes int64
		want     int
	}{{4 << 10, minKeySlots}, {DefaultMaxBytes, 1 << 16}, {1 << 40, maxKeySlots}} {
		if got := keySlotsFor(tt.maxBytes); got != tt.want {
			t.Errorf("keySlotsFor(%d) = %d, want %d", tt.maxBytes, got, tt.want)
		}
	}
	c, _ := newTestCache(t, Config{})
	g := &c.gens
	seen := map[uint32]bool{}
	for i := range 1000 {
		s := g.keySlot(tagValue, "t", "id", fmt.Sprintf("i%d", i))
		if s < genSlots || s >= genSlots+uint32(len(g.keys)) {
			t.Fatalf("slot %d out of range", s)
		}
		seen[s] = true
	}
	if len(seen) < 990 {
		t.Errorf("1000 values took only %d of %d slots", len(seen), len(g.keys))
	}
	if g.keySlot(tagValue, "T", "id", "i1") != g.keySlot(tagValue, "t", "id", "i1") {
		t.Error("table names must fold case")
	}
	if g.keySlot(tagValue, "t", "ab", "c") == g.keySlot(tagValue, "t", "a", "bc") {
		t.Error("column and value run together")
	}
}

func TestStatsCounts(t *testing.T) {
	c, _ := newTestCache(t, Config{MaxBytes: 1 << 20})
	for i := range 300 {
		k := mustKey(t, fmt.Sprintf("SELECT %d", i))
		c.Set(k, smallResult("x"), nil, c.Snapshot(nil), 0)
		if i%3 == 0 {
			c.Wait()
			c.InvalidateAll()
			c.Get(k) // deletes the stale entry
		}
	}
	c.Invalidate(nil) // no table: not counted
	c.Invalidate([]string{"t"})
	c.InvalidateKeys(KeyedWrite{Table: "t"})
	c.Wait()
	walked := int64(0)
	c.rc.IterValues(func(*entry) bool { walked++; return false })
	s := c.Stats()
	if s.Entries != walked || s.Entries == 0 {
		t.Fatalf("Entries = %d, stored entries %d", s.Entries, walked)
	}
	if s.Invalidations != 1 || s.KeyInvalidations != 1 {
		t.Fatalf("Invalidations %d, KeyInvalidations %d; want 1 and 1", s.Invalidations, s.KeyInvalidations)
	}
}
