package tursopooled

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/turso-pooled/tursopooled/internal/relay"
)

// What a failed upstream call means is decided from structure, never from
// the words of a message: a SQL error (or an application's RAISE message)
// can say anything, including "error code 400" or "connection reset".
//
//   - Through the keep-alive relay (Hrana over HTTP, the default), every
//     answer other than the server's 200 is recorded by the relay, which
//     tags the body the upstream driver turns into its error text with an
//     identifier no SQL text can forge; [relay.Relay.Failure] returns the
//     record: the server's status, code and message, or the transport
//     error with its chain and whether the request may have been written.
//   - Without the relay, the upstream wraps transport errors (%w), so the
//     chain says whether a dial failed (nothing sent) or a later step did.
//     An upstream "error code NNN: ..." answer without the relay carries
//     nothing a SQL error could not also say, so it is returned as it is;
//     the upstream closed its stream, and the next call on the connection
//     fails with its "stream is closed" form, which is retried.
//   - The upstream's own failure forms that wrap [driver.ErrBadConn] are
//     matched exactly, anchored, in upstreamForms; each has a test.
//
// Everything else (no [driver.ErrBadConn], no transport error in the chain,
// no relay tag) is an answer of the database: the connection is fine.

// outcome is what a failed upstream call means.
type outcome struct {
	broken bool  // the upstream connection is unusable: destroy it
	notRun bool  // the server cannot have run the request: running it again applies nothing twice
	auth   bool  // the server refused the credentials: never retried
	err    error // the error to report; nil means the upstream error as it is
}

// report returns the error the outcome reports for the upstream error err.
func (o outcome) report(err error) error {
	if o.err != nil {
		return o.err
	}
	return err
}

// classify decides what the upstream error err means. rl is the
// connector's relay, or nil.
func classify(err error, rl *relay.Relay) outcome {
	switch {
	case err == nil:
		return outcome{}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// Interrupted midway: the stream's or socket's state is unknown.
		return outcome{broken: true}
	}
	if o, ok := relayFailure(err, rl); ok {
		return o
	}
	if form, ok := matchUpstreamForm(err); ok {
		return outcome{broken: true, notRun: form.notRun}
	}
	var opErr *net.OpError
	switch {
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return outcome{broken: true, notRun: true}
	case errors.As(err, new(net.Error)), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, driver.ErrBadConn):
		return outcome{broken: true}
	}
	return outcome{}
}

// relayFailure returns the outcome of err when it is the upstream's report
// of a request that the connector's relay rl saw fail (see errclass.go).
func relayFailure(err error, rl *relay.Relay) (outcome, bool) {
	if rl == nil {
		return outcome{}, false
	}
	f, ok := rl.Failure(err)
	if !ok {
		return outcome{}, false
	}
	return relayOutcome(f), true
}

// relayOutcome translates the relay's record of a request that did not get
// the server's 200. The upstream closed its stream after any such answer.
func relayOutcome(f *relay.Failure) outcome {
	if f.Status == 0 {
		return outcome{broken: true, notRun: !f.Written, err: &transportError{Written: f.Written, Err: f.Err}}
	}
	se := &ServerError{Status: f.Status, Code: f.Code, Message: f.Message}
	return outcome{broken: true, notRun: se.refusedWhole(), auth: se.authFailed(), err: se}
}

// upstreamForm is one failure form of the upstream driver that wraps
// driver.ErrBadConn: the error's text ends with suffix (HTTP forms, which
// the upstream wraps in "failed to execute SQL:\n") or starts with prefix
// (WebSocket forms, which it returns as they are).
type upstreamForm struct {
	name           string
	prefix, suffix string
	notRun         bool
}

// upstreamForms are the failure forms of libsql-client-go that name a
// broken connection. SQL errors never wrap driver.ErrBadConn, so a SQL
// message that contains the same words cannot match.
var upstreamForms = []upstreamForm{
	// HTTP: a request on a connection whose stream the upstream already
	// knows closed; it is refused before anything is sent.
	{name: "http stream closed", suffix: "stream is closed: driver: bad connection", notRun: true},
	// WebSocket: sending the request failed, so the server has no complete
	// message to run.
	{name: "ws write failed", prefix: "driver: bad connection: failed to write JSON message: ", notRun: true},
	// WebSocket: reading the answer failed after the request was sent.
	{name: "ws read failed", prefix: "driver: bad connection: failed to read JSON message: "},
}

// matchUpstreamForm returns the upstream form err has, if any.
func matchUpstreamForm(err error) (upstreamForm, bool) {
	if !errors.Is(err, driver.ErrBadConn) {
		return upstreamForm{}, false
	}
	msg := err.Error()
	for _, f := range upstreamForms {
		if (f.prefix != "" && strings.HasPrefix(msg, f.prefix)) || (f.suffix != "" && strings.HasSuffix(msg, f.suffix)) {
			return f, true
		}
	}
	return upstreamForm{}, false
}

// upstreamHTTPAnswer reads the upstream's report of an HTTP answer other
// than 200, "failed to execute SQL:\nerror code NNN: message" (hranaV2.go,
// sendPipelineRequest), anchored at the start. A SQL error can read the
// same, so a match is only a candidate (see conn.answerWithoutRelay).
func upstreamHTTPAnswer(err error) (status int, msg string, ok bool) {
	rest, found := strings.CutPrefix(err.Error(), "failed to execute SQL:\nerror code ")
	if !found {
		return 0, "", false
	}
	code, msg, found := strings.Cut(rest, ": ")
	status, convErr := strconv.Atoi(code)
	if !found || convErr != nil || status < 100 || status > 599 {
		return 0, "", false
	}
	return status, msg, true
}

// ServerError is an HTTP answer other than 200 from the server to a Hrana
// request: the request was refused or failed as a whole. SQL errors arrive
// inside a 200 answer and are returned as the upstream driver reports them.
type ServerError struct {
	Status  int    // the HTTP status, e.g. 500
	Code    string // the Hrana error code, e.g. "STREAM_EXPIRED"; "" when the server sent none
	Message string // the server's message
}

// Error implements error.
func (e *ServerError) Error() string {
	msg := "turso-pooled: server answered HTTP " + strconv.Itoa(e.Status)
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// refusedWhole reports whether the answer says the server ran nothing of
// the request: the stream was unknown, expired or lost, the request was
// malformed or unauthorized, or the server asked the client to come back
// later (the statuses Hrana servers send before executing anything).
func (e *ServerError) refusedWhole() bool {
	if e.streamGone() || e.Code == "STREAM_NOT_FOUND" {
		return true
	}
	switch e.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusRequestTimeout, http.StatusGone, http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	}
	return false
}

// streamGone reports whether the server says it closed the stream (it
// expired or was lost), which rolled back any transaction it held.
func (e *ServerError) streamGone() bool {
	return e.Code == "STREAM_EXPIRED" || e.Code == "STREAM_LOST"
}

// authFailed reports whether the server refused the credentials.
func (e *ServerError) authFailed() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// transportError is a request to the server that failed in the network (no
// answer came back): Err is the transport error, with its chain
// (errors.As finds the *net.OpError).
type transportError struct {
	Written bool  // whether the request may have reached the server
	Err     error // the transport error
}

// Error implements error.
func (e *transportError) Error() string {
	return "turso-pooled: request to the server failed: " + e.Err.Error()
}

// Unwrap returns the transport error.
func (e *transportError) Unwrap() error { return e.Err }

// MaybeAppliedError is returned instead of driver.ErrBadConn when a statement
// that is not read-only lost its connection after it may have reached the
// server. database/sql retries statements that fail with driver.ErrBadConn;
// for a write that could apply it twice, so the driver reports this error and
// leaves the decision to the caller.
type MaybeAppliedError struct {
	Err error // the cause, without driver.ErrBadConn in its chain
}

// Error implements error.
func (e *MaybeAppliedError) Error() string {
	return "turso-pooled: connection lost after the statement was sent; it may or may not have been applied: " + e.Err.Error()
}

// Unwrap returns the cause. driver.ErrBadConn is not in its chain, so that
// database/sql does not retry the statement.
func (e *MaybeAppliedError) Unwrap() error { return e.Err }

// withoutBadConn returns err with driver.ErrBadConn taken out of its
// chain: the upstream's WebSocket forms wrap only driver.ErrBadConn and
// carry the rest as text, which is what remains.
func withoutBadConn(err error) error {
	if !errors.Is(err, driver.ErrBadConn) {
		return err
	}
	if errors.Unwrap(err) == driver.ErrBadConn {
		return &strippedError{msg: strings.TrimPrefix(err.Error(), driver.ErrBadConn.Error()+": ")}
	}
	if m, ok := err.(interface{ Unwrap() []error }); ok {
		var rest []error
		for _, e := range m.Unwrap() {
			if e != driver.ErrBadConn {
				rest = append(rest, withoutBadConn(e))
			}
		}
		return &strippedError{msg: err.Error(), causes: rest}
	}
	if u := errors.Unwrap(err); u != nil {
		return &strippedError{msg: err.Error(), causes: []error{withoutBadConn(u)}}
	}
	return &strippedError{msg: err.Error()}
}

// strippedError keeps an error's text and its causes other than
// driver.ErrBadConn.
type strippedError struct {
	msg    string
	causes []error
}

func (e *strippedError) Error() string   { return e.msg }
func (e *strippedError) Unwrap() []error { return e.causes }

// retryable marks err so that database/sql runs the statement again on
// another connection: it wraps driver.ErrBadConn and err.
func retryable(err error) error {
	if errors.Is(err, driver.ErrBadConn) {
		return err
	}
	return &retryableError{err: err}
}

// retryableError is an error database/sql retries (it wraps
// driver.ErrBadConn) that reads as its cause.
type retryableError struct{ err error }

func (e *retryableError) Error() string   { return e.err.Error() }
func (e *retryableError) Unwrap() []error { return []error{driver.ErrBadConn, e.err} }
