package cache

import "slices"

// SnapshotKey is [Cache.Snapshot] for a keyed read: a result that depends
// only on the rows of table whose column holds one of values (canonical
// encodings of SQL values, e.g. from sqlclass's ReadKey). The result stays
// valid through writes to table keyed on other values of column, until
// a table-level write to table ([Cache.Invalidate]), a keyed write that
// does not restrict column, or a keyed write restricting column to a set
// holding one of values ([Cache.InvalidateKeys]). Pass the snapshot to Set
// with tables = []string{table}.
func (c *Cache) SnapshotKey(table, column string, values []string) Snapshot {
	if c == nil {
		return Snapshot{}
	}
	s := Snapshot{at: c.cfg.Now().UnixNano(), global: c.gens.global.Load(), keyTable: table,
		deps: make([]dep, 0, 2+len(values))}
	g := &c.gens
	s.deps = g.read(s.deps, g.keySlot(tagUnkeyed, table, "", ""))
	s.deps = g.read(s.deps, g.keySlot(tagColumn, table, column, ""))
	for _, v := range values {
		s.deps = g.read(s.deps, g.keySlot(tagValue, table, column, v))
	}
	return s
}

// Without returns a copy of s that no longer depends on the value of
// column of table that a keyed snapshot ([Cache.SnapshotKey]) recorded:
// for a result found not to depend on it after all. Other dependencies
// are kept, even one that shares value's counter. s is unchanged.
func (c *Cache) Without(s Snapshot, table, column, value string) Snapshot {
	if c == nil || s.keyTable == "" {
		return s
	}
	slot := c.gens.keySlot(tagValue, table, column, value)
	for i := 2; i < len(s.deps); i++ { // deps[0:2] are the table's and the column's
		if s.deps[i].slot == slot {
			s.deps = slices.Delete(slices.Clone(s.deps), i, i+1)
			return s
		}
	}
	return s
}

// KeyedWrite describes a write to one table whose effect is known by key:
// each row it inserted, updated or deleted held, before and after, in every
// column of Keyed one of the values listed. Unkeyed names the table's other
// columns that keyed reads may use: the write may have changed them, or
// did not restrict them.
type KeyedWrite struct {
	Table   string
	Keyed   []ColumnValues
	Unkeyed []string
}

// ColumnValues is a column with canonical values.
type ColumnValues struct {
	Column string
	Values []string
}

// InvalidateKeys applies a keyed write: every table-level entry of w.Table
// ([Cache.Snapshot]) becomes invisible, and every keyed entry
// ([Cache.SnapshotKey]) whose column is unkeyed in w or whose values meet
// those w lists for its column. Call it after the write has been applied.
func (c *Cache) InvalidateKeys(w KeyedWrite) {
	if c == nil {
		return
	}
	g := &c.gens
	g.slots[slotOf(w.Table)].Add(1)
	for _, cv := range w.Keyed {
		for _, v := range cv.Values {
			g.counter(g.keySlot(tagValue, w.Table, cv.Column, v)).Add(1)
		}
	}
	for _, col := range w.Unkeyed {
		g.counter(g.keySlot(tagColumn, w.Table, col, "")).Add(1)
	}
	c.ctr.keyInvalidations.Add(1)
}
