package pool

import (
	"log/slog"
	"sync"
	"time"
)

// Breaker states, as reported by [Stat.BreakerState].
const (
	BreakerClosed   = "closed"
	BreakerOpen     = "open"
	BreakerHalfOpen = "half-open"
)

// breaker is a circuit breaker in front of the constructor.
//
// Closed: every dial is allowed, and failures of dials made in sequence are
// counted. Each dial takes a ticket holding the current epoch; every
// counted outcome (a success, or a failure that adds to the count) starts a
// new epoch. A dial whose epoch has passed by the time it fails started
// before the last outcome was recorded: it ran concurrently with that dial
// and tells nothing new about the server, so it does not count. N dials
// that fail together therefore count once, whatever N is. Failures of
// operations on connections already open never reach the breaker, but
// such a loss (see lost) starts a window of lossWindow: the callers that
// lost their connections to one restart dial again in quick waves, each
// wave after the previous one failed, and every failure in the window
// counts as one with the first, so that a restart of a few milliseconds
// does not open the breaker.
//
// Open: callers' dials fail fast with a [*CircuitOpenError], while the pool
// probes in the background (Pool.probe): one dial at a time, every
// probeInterval. Half-open is open with that probe in flight. A probe
// failure keeps it open; any successful dial (the probe's, or one that
// started before the breaker opened) closes it at once.
type breaker struct {
	disabled      bool
	threshold     int
	lossWindow    time.Duration
	probeInterval time.Duration
	now           func() time.Time
	log           *slog.Logger

	mu       sync.Mutex
	state    string
	epoch    uint64    // advanced by every counted outcome
	failures int       // failures of dials made in sequence since the last success
	firstAt  time.Time // when the first of them was counted
	// lossUntil ends the window after the latest loss of an open
	// connection; lossCounted: a failure in that window was counted.
	lossUntil   time.Time
	lossCounted bool
	openedAt    time.Time
	retryAt     time.Time // when the next background probe is due
	probing     bool      // the background probe's dial is in flight
	prober      bool      // the background prober is running
	probes      int64     // probe dials since the breaker opened
	lastErr     error
	opens       int64
}

// ticket is a dial's admission: the epoch it started in and whether it is
// the background probe.
type ticket struct {
	epoch uint64
	probe bool
}

func newBreaker(cfg BreakerConfig, now func() time.Time, log *slog.Logger) *breaker {
	return &breaker{
		disabled: cfg.Disabled, threshold: cfg.Failures, lossWindow: cfg.LossWindow, probeInterval: cfg.ProbeInterval,
		now: now, log: log, state: BreakerClosed,
	}
}

// allow admits a dial, which must report its outcome with done, or returns
// the fail-fast error. probe is true for the background prober's dial: it
// is admitted while open (once at a time), and is an ordinary dial if the
// breaker closed in the meantime.
func (b *breaker) allow(probe bool) (ticket, error) {
	if b.disabled {
		return ticket{}, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.state == BreakerClosed:
		return ticket{epoch: b.epoch}, nil
	case !probe || b.probing:
		return ticket{}, b.openErrorLocked()
	}
	b.state, b.probing = BreakerHalfOpen, true
	b.probes++
	return ticket{epoch: b.epoch, probe: true}, nil
}

// done records the outcome of a dial that allow admitted and reports
// whether the caller must start the background prober (the breaker has
// just opened and none is running). Errors caused by the pool closing are
// not the server's fault and are ignored.
func (b *breaker) done(t ticket, err error, closing bool) (startProber bool) {
	if b.disabled {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.probe {
		b.probing = false
		if b.state == BreakerHalfOpen {
			b.state = BreakerOpen
			b.retryAt = b.now().Add(b.probeInterval)
		}
	}
	switch {
	case closing:
		return false
	case err == nil:
		if b.state != BreakerClosed {
			b.log.Info("turso-pooled: pool: circuit breaker closed", slog.Int("failures", b.failures),
				slog.Duration("open_for", b.now().Sub(b.openedAt)), slog.Int64("probes", b.probes))
		}
		b.state, b.failures = BreakerClosed, 0
		b.epoch++
		return false
	}
	b.lastErr = err
	if t.epoch != b.epoch {
		return false // concurrent with an outcome already counted
	}
	now := b.now()
	if now.Before(b.lossUntil) {
		if b.lossCounted {
			return false // the same connection loss as a failure already counted
		}
		b.lossCounted = true
	}
	b.failures++
	b.epoch++
	if b.failures == 1 {
		b.firstAt = now
	}
	if b.state != BreakerClosed || b.failures < b.threshold {
		return false
	}
	b.state, b.openedAt, b.probes = BreakerOpen, now, 0
	b.retryAt = b.openedAt.Add(b.probeInterval)
	b.opens++
	b.log.Warn("turso-pooled: pool: circuit breaker open; probing in the background",
		slog.Int("failures", b.failures), slog.Duration("failing_for", now.Sub(b.firstAt)),
		slog.Duration("probe_interval", b.probeInterval), slog.Any("error", err))
	startProber = !b.prober
	b.prober = true
	return startProber
}

// lost records that an open connection was found broken (by its caller or
// a ping). Until lossWindow after the latest such loss, at most one dial
// failure counts.
func (b *breaker) lost() {
	if b.disabled {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !now.Before(b.lossUntil) {
		b.lossCounted = false // a new window
	}
	b.lossUntil = now.Add(b.lossWindow)
}

// keepProbing is asked by the prober before each probe: it reports whether
// the breaker is still open, and otherwise marks the prober stopped (under
// the same lock, so that an opening after this starts a new one).
func (b *breaker) keepProbing() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == BreakerClosed {
		b.prober = false
		return false
	}
	return true
}

// openErrorLocked builds the fail-fast error. WARNING: the caller must hold b.mu.
func (b *breaker) openErrorLocked() error {
	return &CircuitOpenError{Failures: b.failures, RetryAt: b.retryAt, LastErr: b.lastErr}
}

// snapshot returns the state name and the number of times it opened.
func (b *breaker) snapshot() (state string, opens int64) {
	if b.disabled {
		return BreakerClosed, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state, b.opens
}
