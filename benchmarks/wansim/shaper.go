package wansim

import (
	"math/rand/v2"
	"time"
)

// shaper computes when each chunk of one direction is released to the
// receiver. It is not safe for concurrent use: only the direction's reader
// goroutine calls it.
type shaper struct {
	// linkFree is the virtual-clock time at which the link finishes
	// transmitting the previous chunk; nothing starts before it.
	linkFree time.Time
	// lastRelease is the previous chunk's release time; releases never go
	// backwards, so chunks are never reordered.
	lastRelease time.Time
	// randN returns a uniform integer in [0, n); nil means math/rand/v2.
	randN func(n int64) int64
}

// newShaper returns a shaper whose link becomes usable at start.
func newShaper(start time.Time) *shaper {
	return &shaper{linkFree: start, lastRelease: start}
}

// release returns when a chunk of n bytes read at now must be delivered,
// given the current one-way delay, jitter and bandwidth (bytes per second,
// 0 = unlimited), and advances the virtual clock.
func (s *shaper) release(now time.Time, n int, oneWay, jitter time.Duration, bps int64) time.Time {
	start := now
	if s.linkFree.After(start) {
		start = s.linkFree
	}
	end := start.Add(transmitTime(n, bps))
	s.linkFree = end
	delay := max(oneWay+s.jitterSample(jitter), 0)
	due := end.Add(delay)
	if due.Before(s.lastRelease) {
		due = s.lastRelease
	}
	s.lastRelease = due
	return due
}

// jitterSample returns a uniform offset in [-jitter/2, +jitter/2].
func (s *shaper) jitterSample(jitter time.Duration) time.Duration {
	if jitter <= 0 {
		return 0
	}
	randN := s.randN
	if randN == nil {
		randN = rand.Int64N
	}
	return time.Duration(randN(int64(jitter)+1)) - jitter/2
}

// transmitTime is how long n bytes take to serialize at bps bytes per
// second; 0 when bps is 0 (unlimited).
func transmitTime(n int, bps int64) time.Duration {
	if bps <= 0 || n <= 0 {
		return 0
	}
	return time.Duration(int64(n) * int64(time.Second) / bps)
}
