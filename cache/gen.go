package cache

import "sync/atomic"

// genSlots is the number of table-generation counters. Tables are mapped to
// slots by hash, so memory is fixed; two tables sharing a slot only cause
// extra invalidation, never a stale hit.
const genSlots = 4096

// Key counters: besides one counter per table slot, a fixed array of
// counters (power of two, sized from MaxBytes by keySlotsFor) holds, by
// hash,
//   - per table, the generation of its unkeyed writes (tagUnkeyed);
//   - per (table, column), the generation of the keyed writes that did not
//     restrict that column (tagColumn);
//   - per (table, column, value), the generation of the keyed writes that
//     restricted the column to a set holding value (tagValue).
//
// Two names sharing a counter only invalidate each other more often.
const (
	minKeySlots = 1 << 12
	maxKeySlots = 1 << 18
)

// Hash domains of the key counters.
const (
	tagUnkeyed byte = 'u'
	tagColumn  byte = 'c'
	tagValue   byte = 'v'
)

// keySlotsFor returns the number of key counters for a cache of maxBytes:
// one per KiB, a power of two within [minKeySlots, maxKeySlots] (8 bytes
// each: 32 KiB to 2 MiB, 512 KiB for the default 64 MiB).
func keySlotsFor(maxBytes int64) int {
	n := minKeySlots
	for n < maxKeySlots && int64(n) < maxBytes>>10 {
		n <<= 1
	}
	return n
}

// generations holds the global generation, one counter per table slot and
// the key counters. A dep's slot below genSlots is a table slot; above, a
// key counter. Safe for concurrent use (atomics only).
type generations struct {
	global atomic.Uint64
	slots  [genSlots]atomic.Uint64
	keys   []atomic.Uint64
}

// counter returns the counter of slot (see dep).
func (g *generations) counter(slot uint32) *atomic.Uint64 {
	if slot < genSlots {
		return &g.slots[slot]
	}
	return &g.keys[slot-genSlots]
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

// keySlot maps (tag, table, column, value) to the slot of its key counter:
// FNV-1a (64 bits) over the tag, the ASCII-lower-cased table and, with
// separators that cannot be confused with their bytes' lengths, the column
// and the value.
func (g *generations) keySlot(tag byte, table, column, value string) uint32 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	h = (h ^ uint64(tag)) * prime
	for i := 0; i < len(table); i++ {
		c := table[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = (h ^ uint64(c)) * prime
	}
	for _, s := range [2]string{column, value} {
		h = (h ^ uint64(len(s)) ^ 0xff00) * prime
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * prime
		}
	}
	h ^= h >> 29
	return genSlots + uint32(h&uint64(len(g.keys)-1))
}

// dep is one counter an entry depends on, with the generation seen.
type dep struct {
	slot uint32
	gen  uint64
}

// Snapshot records the generations of the global counter and of the
// counters a result depends on at one moment: take it with
// [Cache.Snapshot] or [Cache.SnapshotKey] before sending the query whose
// result will be passed to [Cache.Set]. A Snapshot is a value; it may be
// used from any goroutine. With the zero Snapshot, Set stores nothing.
type Snapshot struct {
	at       int64 // UnixNano when taken
	global   uint64
	deps     []dep
	keyTable string // the table of a keyed snapshot (SnapshotKey); "" for Snapshot
}

// current reports whether no generation in s changed since it was taken.
func (g *generations) current(global uint64, deps []dep) bool {
	if g.global.Load() != global {
		return false
	}
	for _, d := range deps {
		if g.counter(d.slot).Load() != d.gen {
			return false
		}
	}
	return true
}

// read appends the current generation of slot to deps.
func (g *generations) read(deps []dep, slot uint32) []dep {
	return append(deps, dep{slot: slot, gen: g.counter(slot).Load()})
}
