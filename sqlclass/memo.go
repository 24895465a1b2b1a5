package sqlclass

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// Memo bounds.
const (
	// memoEntries is the maximum number of memoized SQL strings.
	memoEntries = 4096
	// memoMaxSQL is the longest SQL string memoized, in bytes; longer
	// strings (typically bulk INSERTs with inline values) are classified on
	// every call so the memo holds at most memoEntries × memoMaxSQL bytes of
	// keys (16 MiB) in the worst case and far less in practice.
	memoMaxSQL = 4096
	memoShards = 16
)

// memo is a bounded, sharded map from SQL string to Info with CLOCK
// (second-chance) eviction, a close approximation of LRU whose hits take
// only a read lock and an atomic store. Safe for concurrent use.
type memo struct {
	seed   maphash.Seed
	shards [memoShards]memoShard
}

type memoShard struct {
	mu    sync.RWMutex
	index map[string]int // SQL -> slot
	slots []memoSlot
	hand  int
	max   int
}

type memoSlot struct {
	sql  string
	info Info
	ref  atomic.Bool // set on hit, cleared by the clock hand
}

var defaultMemo = newMemo(memoEntries)

func newMemo(entries int) *memo {
	m := &memo{seed: maphash.MakeSeed()}
	per := max(entries/memoShards, 1)
	for i := range m.shards {
		m.shards[i].index = make(map[string]int, per)
		m.shards[i].slots = make([]memoSlot, 0, per)
		m.shards[i].max = per
	}
	return m
}

func (m *memo) classify(sql string) Info {
	if len(sql) > memoMaxSQL {
		return classify(sql)
	}
	sh := &m.shards[maphash.String(m.seed, sql)%memoShards]
	sh.mu.RLock()
	if i, ok := sh.index[sql]; ok {
		slot := &sh.slots[i]
		info := slot.info
		if !slot.ref.Load() { // a store only when it changes: hot entries stay shared in every core's cache
			slot.ref.Store(true)
		}
		sh.mu.RUnlock()
		return info
	}
	sh.mu.RUnlock()
	info := classify(sql)
	sh.put(sql, info)
	return info
}

// put stores info under sql, evicting with the clock hand when full.
func (sh *memoShard) put(sql string, info Info) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.index[sql]; ok {
		return
	}
	if len(sh.slots) < sh.max {
		sh.index[sql] = len(sh.slots)
		sh.slots = append(sh.slots, memoSlot{sql: sql, info: info})
		return
	}
	for sh.slots[sh.hand].ref.Load() {
		sh.slots[sh.hand].ref.Store(false)
		sh.hand = (sh.hand + 1) % len(sh.slots)
	}
	victim := &sh.slots[sh.hand]
	delete(sh.index, victim.sql)
	victim.sql, victim.info = sql, info
	victim.ref.Store(false)
	sh.index[sql] = sh.hand
	sh.hand = (sh.hand + 1) % len(sh.slots)
}

// len returns the number of memoized strings.
func (m *memo) len() int {
	n := 0
	for i := range m.shards {
		m.shards[i].mu.RLock()
		n += len(m.shards[i].index)
		m.shards[i].mu.RUnlock()
	}
	return n
}
