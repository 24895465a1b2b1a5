package wansim

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestShaperRelease(t *testing.T) {
	ms := time.Millisecond
	type step struct {
		at     time.Duration // read time since t0
		n      int
		oneWay time.Duration
		bps    int64
		want   time.Duration // release since t0
	}
	tests := []struct {
		name  string
		start time.Duration // link usable from t0+start
		steps []step
	}{
		{name: "latency only pipelines", steps: []step{
			{at: 0, n: 10, oneWay: 10 * ms, want: 10 * ms},
			{at: 1 * ms, n: 10, oneWay: 10 * ms, want: 11 * ms},
			{at: 1 * ms, n: 10, oneWay: 10 * ms, want: 11 * ms},
		}},
		{name: "no delay", steps: []step{{at: 5 * ms, n: 1, want: 5 * ms}}},
		{name: "connect gate", start: 50 * ms, steps: []step{
			{at: 0, n: 1, oneWay: 10 * ms, want: 60 * ms},
			{at: 100 * ms, n: 1, oneWay: 10 * ms, want: 110 * ms},
		}},
		{name: "bandwidth serializes", steps: []step{
			{at: 0, n: 100, bps: 1000, oneWay: 5 * ms, want: 105 * ms},
			{at: 0, n: 100, bps: 1000, oneWay: 5 * ms, want: 205 * ms},
			{at: 150 * ms, n: 50, bps: 1000, oneWay: 5 * ms, want: 255 * ms},
		}},
		{name: "idle link restarts at read time", steps: []step{
			{at: 0, n: 100, bps: 1000, want: 100 * ms},
			{at: time.Second, n: 100, bps: 1000, want: 1100 * ms},
		}},
		{name: "shorter delay never reorders", steps: []step{
			{at: 0, n: 1, oneWay: 100 * ms, want: 100 * ms},
			{at: 1 * ms, n: 1, oneWay: 0, want: 100 * ms},
			{at: 200 * ms, n: 1, oneWay: 0, want: 200 * ms},
		}},
		{name: "end of stream costs latency only", steps: []step{
			{at: 0, n: 0, oneWay: 7 * ms, bps: 1, want: 7 * ms},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t0 := time.Unix(1000, 0)
			s := newShaper(t0.Add(tt.start))
			for i, st := range tt.steps {
				got := s.release(t0.Add(st.at), st.n, st.oneWay, 0, st.bps).Sub(t0)
				if got != st.want {
					t.Errorf("step %d: release at +%v, want +%v", i, got, st.want)
				}
			}
		})
	}
}

func TestShaperJitterBounds(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name string
		rand int64 // fixed draw; -1 means the largest
		want time.Duration
	}{
		{name: "lowest draw", rand: 0, want: 6 * time.Millisecond},
		{name: "highest draw", rand: -1, want: 14 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShaper(t0)
			s.randN = func(n int64) int64 {
				if tt.rand < 0 {
					return n - 1
				}
				return tt.rand
			}
			got := s.release(t0, 1, 10*time.Millisecond, 8*time.Millisecond, 0).Sub(t0)
			if got != tt.want {
				t.Fatalf("release at +%v, want +%v", got, tt.want)
			}
		})
	}
}

func TestShaperJitterNeverReorders(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := newShaper(t0)
	r := rand.New(rand.NewPCG(1, 2))
	s.randN = r.Int64N
	oneWay, jitter := 10*time.Millisecond, 10*time.Millisecond
	var prev time.Time
	for i := range 10000 {
		at := t0.Add(time.Duration(i) * 10 * time.Microsecond)
		got := s.release(at, 100, oneWay, jitter, 0)
		if got.Before(prev) {
			t.Fatalf("chunk %d released at %v before previous %v", i, got, prev)
		}
		if lo, hi := at.Add(oneWay-jitter/2), at.Add(oneWay+jitter/2); got.Before(lo) {
			t.Fatalf("chunk %d released %v before earliest %v", i, got, lo)
		} else if got.After(hi) && !got.Equal(prev) {
			t.Fatalf("chunk %d released %v after latest %v", i, got, hi)
		}
		prev = got
	}
}

func TestTransmitTime(t *testing.T) {
	tests := []struct {
		n    int
		bps  int64
		want time.Duration
	}{
		{n: 1 << 20, bps: 10_000_000 / 8, want: 838860800 * time.Nanosecond},
		{n: 1000, bps: 0, want: 0},
		{n: 0, bps: 1000, want: 0},
		{n: 1, bps: 2_000_000_000, want: 0},
		{n: 32 << 10, bps: 1, want: 32768 * time.Second},
	}
	for _, tt := range tests {
		if got := transmitTime(tt.n, tt.bps); got != tt.want {
			t.Errorf("transmitTime(%d, %d) = %v, want %v", tt.n, tt.bps, got, tt.want)
		}
	}
}
