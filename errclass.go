package tursopooled

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
)

// MaybeAppliedError is returned instead of driver.ErrBadConn when a statement
// that is not read-only lost its connection after it may have reached the
// server. database/sql retries statements that fail with driver.ErrBadConn;
// for a write that could apply it twice, so the driver reports this error and
// leaves the decision to the caller.
type MaybeAppliedError struct {
	Err error // the upstream error
}

// Error implements error.
func (e *MaybeAppliedError) Error() string {
	return "turso-pooled: connection lost after the statement was sent; it may or may not have been applied: " + e.Err.Error()
}

// Unwrap returns the upstream error with driver.ErrBadConn removed from its
// chain, so that database/sql does not retry the statement.
func (e *MaybeAppliedError) Unwrap() error { return errors.New(e.Err.Error()) }

// isConnBroken reports whether err leaves the upstream connection unusable:
// the upstream said so (driver.ErrBadConn), the network failed, or a call was
// interrupted midway by its context (the stream's state is then unknown).
func isConnBroken(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn),
		errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	msg := err.Error()
	for _, sign := range brokenSigns {
		if strings.Contains(msg, sign) {
			return true
		}
	}
	return false
}

// brokenSigns are the messages by which the upstream driver says that a
// connection is unusable without wrapping driver.ErrBadConn:
//   - "error code NNN: …" is how its HTTP connection reports any non-200
//     answer (a 5xx, a 429, the relay's 502), after which it has marked its
//     stream closed: every later call fails with "stream is closed";
//   - "turso-pooled relay:" is the relay's own failure to reach the server;
//   - the rest are network failures seen through the WebSocket library.
var brokenSigns = []string{
	"stream is closed", "error code ", "turso-pooled relay:",
	"WebSocket closed", "connection reset", "broken pipe",
}

// notSent reports whether an error from the upstream driver was raised
// before the statement could run on the server, so that retrying it cannot
// apply it twice. The upstream driver returns no typed distinction, so this
// matches the messages of the failure points that precede execution: an
// HTTP stream already known closed; an HTTP 400, which a Hrana server sends
// for a request it refused as a whole (an expired stream, an unknown baton)
// while statement errors come back inside a 200 answer; a stream refused as
// expired; a WebSocket write that failed; and the relay failing to dial.
func notSent(err error) bool {
	msg := err.Error()
	for _, sign := range notSentSigns {
		if strings.Contains(msg, sign) {
			return true
		}
	}
	return false
}

var notSentSigns = []string{
	"stream is closed", "error code 400:", "STREAM_EXPIRED", "failed to write", "turso-pooled relay: dial ",
}
