package cache

import "sync/atomic"

// genSlots is the number of table-generation counters. Tables are mapped to
// slots by hash, so memory is fixed; two tables sharing a slot only cause
// extra invalidation, never a stale hit.
const genSlots = 4096

// generations holds the global generation and one counter per slot.
// Safe for concurrent use (atomics only).
type generations struct {
	global atomic.Uint64
	slots  [genSlots]atomic.Uint64
}

// slotOf maps a table name to its slot: FNV-1a over the ASCII-lower-cased
// name, because SQLite compares identifiers case-insensitively in ASCII.
func slotOf(table string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(table); i++ {
		c := table[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint32(c)
		h *= 16777619
	}
	return h % genSlots
}

// dep is one table slot an entry depends on, with the generation seen.
type dep struct {
	slot uint32
	gen  uint64
}

// Snapshot records the generations of the global counter and of some tables
// at one moment: take it with [Cache.Snapshot] before sending the query
// whose result will be passed to [Cache.Set]. A Snapshot is a value; it
// may be used from any goroutine. With the zero Snapshot, Set stores nothing.
type Snapshot struct {
	at     int64 // UnixNano when taken
	global uint64
	deps   []dep
}

// current reports whether no generation in s changed since it was taken.
func (g *generations) current(global uint64, deps []dep) bool {
	if g.global.Load() != global {
		return false
	}
	for _, d := range deps {
		if g.slots[d.slot].Load() != d.gen {
			return false
		}
	}
	return true
}
