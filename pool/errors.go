package pool

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrClosed is returned by [Pool.Acquire] once [Pool.Close] has been called,
// including to callers that were waiting when it was.
var ErrClosed = errors.New("turso-pooled: pool is closed")

// ErrCircuitOpen matches (with errors.Is) every [CircuitOpenError].
var ErrCircuitOpen = errors.New("turso-pooled: pool: circuit breaker open")

// AcquireTimeoutError is returned by [Pool.Acquire] when its deadline (the
// caller's or ConnectTimeout, whichever is earlier) passed before a
// connection was available. It records what the caller was doing and the
// state of the pool at that moment.
type AcquireTimeoutError struct {
	Waited       time.Duration // time spent in Acquire
	InUse        int32         // connections held by callers
	Total        int32         // open connections, including those being dialed
	Max          int32         // MaxConns
	Target       int32         // current limit on connections in use (MaxConns unless adaptive)
	Constructing bool          // true: the time ran out while dialing a new connection
	Cause        error         // when Constructing, the latest dial error seen during the wait, if any
}

// Error describes the timeout, e.g. "turso-pooled: pool: timed out after 10s
// waiting for a connection (20 of 20 in use, target 20)".
func (e *AcquireTimeoutError) Error() string {
	waited := e.Waited.Round(time.Millisecond)
	if e.Constructing {
		if e.Cause != nil {
			return fmt.Sprintf("turso-pooled: pool: timed out after %s creating a connection: %v", waited, e.Cause)
		}
		return fmt.Sprintf("turso-pooled: pool: timed out after %s creating a connection (dial still in progress; %d of %d open)",
			waited, e.Total, e.Max)
	}
	return fmt.Sprintf("turso-pooled: pool: timed out after %s waiting for a connection (%d of %d in use, target %d)",
		waited, e.InUse, e.Total, e.Target)
}

// Unwrap returns context.DeadlineExceeded and, when known, the dial error,
// so that errors.Is matches either.
func (e *AcquireTimeoutError) Unwrap() []error {
	if e.Cause != nil {
		return []error{context.DeadlineExceeded, e.Cause}
	}
	return []error{context.DeadlineExceeded}
}

// CircuitOpenError is returned instead of dialing while the circuit breaker
// is open (after Failures dial failures in a row) or while its background
// probe is in flight. It matches [ErrCircuitOpen] with errors.Is and
// unwraps to the last dial error.
type CircuitOpenError struct {
	Failures int       // dial failures in a row, failed probes included, since the last success
	RetryAt  time.Time // when the pool's next background probe dial is due (past while one is in flight)
	LastErr  error     // the last dial error
}

// Error describes the open breaker and the last dial error.
func (e *CircuitOpenError) Error() string {
	return fmt.Sprintf("turso-pooled: pool: circuit breaker open after %d consecutive connection failures, next attempt at %s: %v",
		e.Failures, e.RetryAt.Format("15:04:05.000"), e.LastErr)
}

// Is reports whether target is [ErrCircuitOpen].
func (e *CircuitOpenError) Is(target error) bool { return target == ErrCircuitOpen }

// Unwrap returns the last dial error.
func (e *CircuitOpenError) Unwrap() error { return e.LastErr }
