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

// breaker is a circuit breaker in front of the constructor. Closed: every
// dial is allowed and consecutive failures are counted. Open: dials fail
// fast until retryAt. Half-open: one probe dial at a time; its success
// closes the breaker, its failure re-opens it for twice as long (capped).
type breaker struct {
	disabled  bool
	threshold int
	baseOpen  time.Duration
	now       func() time.Time
	log       *slog.Logger

	mu       sync.Mutex
	state    string
	failures int           // consecutive failures
	openFor  time.Duration // current open period
	retryAt  time.Time
	probing  bool
	lastErr  error
	opens    int64
}

func newBreaker(cfg BreakerConfig, now func() time.Time, log *slog.Logger) *breaker {
	return &breaker{
		disabled: cfg.Disabled, threshold: cfg.Failures, baseOpen: cfg.OpenFor,
		openFor: cfg.OpenFor, now: now, log: log, state: BreakerClosed,
	}
}

// allow reports whether a dial may start. A nil error in the open state
// (after retryAt) makes the caller the half-open probe, which must report
// its outcome with done.
func (b *breaker) allow() error {
	if b.disabled {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case BreakerClosed:
		return nil
	case BreakerOpen:
		if b.now().Before(b.retryAt) {
			return b.openErrorLocked()
		}
		b.state = BreakerHalfOpen
		b.probing = true
		b.log.Info("turso-pooled: pool: circuit breaker half-open, probing", slog.Int("failures", b.failures))
		return nil
	default: // half-open
		if b.probing {
			return b.openErrorLocked()
		}
		b.probing = true
		return nil
	}
}

// done records the outcome of a dial that allow let through. Errors caused
// by the pool closing are not the server's fault and are ignored.
func (b *breaker) done(err error, closing bool) {
	if b.disabled {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	probe := b.state == BreakerHalfOpen && b.probing
	if probe {
		b.probing = false
	}
	switch {
	case closing:
		return
	case err == nil:
		if b.state != BreakerClosed {
			b.log.Info("turso-pooled: pool: circuit breaker closed", slog.Int("failures", b.failures))
		}
		b.state, b.failures, b.openFor = BreakerClosed, 0, b.baseOpen
	case probe:
		b.failures++
		b.openFor = min(2*b.openFor, max(MaxBreakerOpenFor, b.baseOpen))
		b.openLocked(err)
	default:
		b.failures++
		b.lastErr = err
		if b.state == BreakerClosed && b.failures >= b.threshold {
			b.openLocked(err)
		}
	}
}

// openLocked moves to the open state. WARNING: the caller must hold b.mu.
func (b *breaker) openLocked(err error) {
	b.state = BreakerOpen
	b.lastErr = err
	b.retryAt = b.now().Add(b.openFor)
	b.opens++
	b.log.Warn("turso-pooled: pool: circuit breaker open",
		slog.Int("failures", b.failures), slog.Duration("open_for", b.openFor), slog.Any("error", err))
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
