package cache

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

func TestSketchNeverUnderCounts(t *testing.T) {
	tests := []struct {
		width uint32 // counters per row; small widths force collisions
		keys  int
	}{
		{16, 8}, {16, 200}, {64, 1000}, {sketchMinWidth, 1000}, {sketchMaxWidth, 20_000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("width=%d/keys=%d", tt.width, tt.keys), func(t *testing.T) {
			s := newSketch(tt.width, 1, 0)
			rng := rand.New(rand.NewPCG(1, 2))
			counts := make([]uint32, tt.keys)
			for range tt.keys * 4 {
				k := rng.IntN(tt.keys)
				s.increment(hashKey(fmt.Sprint(k)))
				counts[k]++
			}
			for k, n := range counts {
				if got, want := s.estimate(hashKey(fmt.Sprint(k))), min(n, counterMax); got < want || got > counterMax {
					t.Fatalf("key %d requested %d times: estimate %d, want in [%d, %d]", k, n, got, want, counterMax)
				}
			}
		})
	}
}

func TestSketchExactWithoutCollisions(t *testing.T) {
	s := newSketch(16, 1, 0) // one word per row
	const h = 3              // h2 = 1: row r uses counter 3+r
	for n := uint32(1); n <= 20; n++ {
		s.increment(h)
		if got := s.estimate(h); got != min(n, counterMax) {
			t.Fatalf("after %d increments estimate = %d, want %d", n, got, min(n, counterMax))
		}
	}
	// Saturation must not carry into neighbouring counters.
	for r := range sketchRows {
		for i := range uint32(countersPerWord) {
			want := uint64(0)
			if i == 3+uint32(r) {
				want = counterMax
			}
			if got := (s.words[r].Load() >> (4 * i)) & counterMax; got != want {
				t.Fatalf("row %d counter %d = %d, want %d", r, i, got, want)
			}
		}
	}
}

func TestSketchAging(t *testing.T) {
	const period = 100
	tests := []struct {
		name  string
		count uint32 // increments before aging
		now   int64  // time of the maybeHalve call (sketch created at 0)
		want  uint32
	}{
		{"before the period", 12, period - 1, 12},
		{"one period halves", 12, period, 6},
		{"odd counts round down", 7, period, 3},
		{"saturated halves", 40, period, 7},
		{"two periods quarter", 15, 2 * period, 3},
		{"three periods", 15, 3*period + 50, 1},
		{"four periods clear", 15, 4 * period, 0},
		{"many periods clear", 15, 1000 * period, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSketch(sketchMinWidth, period, 0)
			h := hashKey("k")
			for range tt.count {
				s.increment(h)
			}
			s.maybeHalve(tt.now)
			s.maybeHalve(tt.now) // the same period never halves twice
			if got := s.estimate(h); got != tt.want {
				t.Fatalf("estimate = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestSketchAgingKeepsPhase(t *testing.T) {
	s := newSketch(sketchMinWidth, 100, 0)
	s.maybeHalve(150) // due at 100; the next is due at 200, not 250
	if got := s.nextHalve.Load(); got != 200 {
		t.Fatalf("next halving at %d, want 200", got)
	}
}

func TestSketchBoundedMemory(t *testing.T) {
	tests := []struct {
		maxBytes int64
		want     uint32
	}{
		{MinMaxBytes, sketchMinWidth},
		{1 << 20, sketchMinWidth},
		{3 << 20, 8192}, // rounded down to a power of two
		{DefaultMaxBytes, sketchMaxWidth},
		{1 << 50, sketchMaxWidth},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("maxBytes=%d", tt.maxBytes), func(t *testing.T) {
			w := sketchWidth(tt.maxBytes)
			if w != tt.want {
				t.Fatalf("sketchWidth = %d, want %d", w, tt.want)
			}
			s := newSketch(w, 1, 0)
			before := s.bytes()
			if before != sketchRows*int(w)/2 || before > 32<<10 {
				t.Fatalf("sketch of width %d uses %d bytes", w, before)
			}
			for i := range 50_000 {
				s.increment(hashKey(fmt.Sprint(i)))
			}
			if s.bytes() != before {
				t.Fatalf("memory grew with keys: %d → %d bytes", before, s.bytes())
			}
		})
	}
}

func TestSketchConcurrent(t *testing.T) {
	s := newSketch(sketchMinWidth, 1_000, 0)
	const goroutines = 8
	shared := hashKey("shared")
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			own := hashKey(fmt.Sprint("own", g))
			for range 12 {
				s.increment(own)
			}
			s.increment(shared)
			for range 200 {
				s.increment(hashKey(fmt.Sprint(g, "noise", g)))
				_ = s.estimate(shared)
			}
		})
	}
	wg.Wait()
	if got := s.estimate(shared); got < goroutines {
		t.Fatalf("shared key: estimate %d after %d concurrent increments", got, goroutines)
	}
	for g := range goroutines {
		if got := s.estimate(hashKey(fmt.Sprint("own", g))); got < 12 {
			t.Fatalf("goroutine %d: estimate %d after 12 increments", g, got)
		}
	}
	// Halving racing with increments stays within counter bounds.
	for g := range goroutines {
		wg.Go(func() {
			for i := range 500 {
				if g == 0 {
					s.maybeHalve(int64(i) * 100)
				}
				s.increment(shared)
				if e := s.estimate(shared); e > counterMax {
					t.Errorf("estimate %d above %d", e, counterMax)
				}
			}
		})
	}
	wg.Wait()
}

func TestSketchNil(t *testing.T) {
	var s *sketch
	s.increment(1)
	s.maybeHalve(1 << 40)
	if s.estimate(1) != 0 || s.bytes() != 0 {
		t.Fatal("nil sketch is not empty")
	}
}

func TestKeyCarriesHash(t *testing.T) {
	a, b := mustKey(t, "SELECT ?", int64(1)), mustKey(t, "SELECT ?", int64(1))
	if a.hash != hashKey(a.canon) || a != b {
		t.Fatalf("equal keys differ or hash is not of the canonical key: %+v %+v", a, b)
	}
	if c := mustKey(t, "SELECT ?", int64(2)); c.hash == a.hash {
		t.Fatal("different keys share a hash (possible but not for these)")
	}
}
