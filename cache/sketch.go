package cache

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// Sketch geometry. Memory is sketchRows × width / 2 bytes (4-bit counters),
// width a power of two in [sketchMinWidth, sketchMaxWidth]: 8–32 KiB,
// whatever the number of distinct keys.
const (
	sketchRows     = 4
	sketchMinWidth = 1 << 12
	sketchMaxWidth = 1 << 14
	// sketchBytesPerCounter sizes the width from MaxBytes: one counter per
	// row for every 256 bytes of cache, i.e. several counters per entry
	// that fits (entries cost some hundreds of bytes at least).
	sketchBytesPerCounter = 256
	counterMax            = 15
	countersPerWord       = 16
)

// keySeed seeds the hash of every canonical key for the process lifetime, so
// a Key can carry its hash from MakeKey to every Cache.
var keySeed = maphash.MakeSeed()

// hashKey returns the 64-bit hash of a canonical key (AES-based where the CPU
// has it, randomly seeded per process).
func hashKey(canon string) uint64 { return maphash.String(keySeed, canon) }

// sketch is a count-min sketch of how often each key was requested recently:
// sketchRows rows of width 4-bit saturating counters, packed 16 to a word.
// A key maps to one counter per row; its estimate is the smallest of them,
// which never under-counts its requests since the last halving (collisions
// only add). Every halving period all counters are halved, so a request
// weighs 1 in the current period, ½ in the previous one, and so on
// (TinyLFU-style aging). Safe for concurrent use: counters are updated with
// compare-and-swap on their word, no lock.
type sketch struct {
	words    []atomic.Uint64 // row r holds words [r*rowWords, (r+1)*rowWords)
	mask     uint32          // width − 1
	rowWords uint32          // words per row: width / countersPerWord
	period   int64           // nanoseconds between halvings
	// nextHalve is the UnixNano at or after which the next halving is due.
	nextHalve atomic.Int64
}

// sketchWidth returns the counters per row for a cache of maxBytes.
func sketchWidth(maxBytes int64) uint32 {
	w := max(maxBytes/sketchBytesPerCounter, sketchMinWidth)
	w = min(w, sketchMaxWidth)
	return 1 << (63 - bits.LeadingZeros64(uint64(w))) // round down to a power of two
}

// newSketch returns a sketch of width counters per row (a power of two ≥
// countersPerWord) that halves its counters every period nanoseconds, the
// first time at now+period.
func newSketch(width uint32, period, now int64) *sketch {
	s := &sketch{
		words:    make([]atomic.Uint64, sketchRows*int(width)/countersPerWord),
		mask:     width - 1,
		rowWords: width / countersPerWord,
		period:   max(period, 1),
	}
	s.nextHalve.Store(now + s.period)
	return s
}

// bytes returns the memory of the counters, in bytes (0 for nil).
func (s *sketch) bytes() int {
	if s == nil {
		return 0
	}
	return len(s.words) * 8
}

// slot returns the word index and bit shift of h's counter in row r, by
// double hashing (the high half of h is the odd stride).
func (s *sketch) slot(h uint64, r uint32) (uint32, uint32) {
	i := (uint32(h) + r*(uint32(h>>32)|1)) & s.mask
	return r*s.rowWords + i/countersPerWord, i % countersPerWord * 4
}

// increment records one request of the key hashed to h. Counters saturate at
// counterMax; a saturated counter is only read, so a hot key does not make
// its words bounce between cores. A nil sketch does nothing.
func (s *sketch) increment(h uint64) {
	if s == nil {
		return
	}
	for r := range uint32(sketchRows) {
		w, shift := s.slot(h, r)
		word := &s.words[w]
		for {
			old := word.Load()
			if (old>>shift)&counterMax == counterMax || word.CompareAndSwap(old, old+1<<shift) {
				break
			}
		}
	}
}

// estimate returns the decayed request count of the key hashed to h: at
// least the number of increments since the last halving, at most counterMax.
// A nil sketch estimates 0.
func (s *sketch) estimate(h uint64) uint32 {
	if s == nil {
		return 0
	}
	est := uint64(counterMax)
	for r := range uint32(sketchRows) {
		w, shift := s.slot(h, r)
		est = min(est, (s.words[w].Load()>>shift)&counterMax)
	}
	return uint32(est)
}

// maybeHalve halves every counter once for each halving period that has
// elapsed at now (after four, every counter is 0). One caller wins the right
// to sweep; the others return at once. A sweep touches every word once
// (len(words) compare-and-swaps, at most once a period). A nil sketch does
// nothing.
func (s *sketch) maybeHalve(now int64) {
	if s == nil {
		return
	}
	next := s.nextHalve.Load()
	if now < next {
		return
	}
	periods := (now-next)/s.period + 1
	if !s.nextHalve.CompareAndSwap(next, next+periods*s.period) {
		return
	}
	s.halve(uint(min(periods, 4)))
}

// halve divides every counter by 2^n, rounding down (n ≤ 4).
func (s *sketch) halve(n uint) {
	keep := halveMasks[n]
	for i := range s.words {
		word := &s.words[i]
		for {
			old := word.Load()
			if old == 0 || word.CompareAndSwap(old, (old>>n)&keep) {
				break
			}
		}
	}
}

// halveMasks[n] clears, in every 4-bit counter, the bits shifted in from
// the counter above by a right shift of n.
var halveMasks = [5]uint64{0xFFFF_FFFF_FFFF_FFFF, 0x7777_7777_7777_7777, 0x3333_3333_3333_3333, 0x1111_1111_1111_1111, 0}
