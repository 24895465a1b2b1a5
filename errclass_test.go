package tursopooled

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
)

// The upstream forms are built here exactly as libsql-client-go builds
// them (hranaV2.go and ws/websockets.go of the pinned version), and each
// has a twin: a SQL error carrying the same words, which must classify as
// a plain database answer.
func TestClassifyUpstreamForms(t *testing.T) {
	sqlErr := func(msg string) error { // how the upstream reports a SQL error over HTTP
		return fmt.Errorf("failed to execute SQL:\n%w", errors.New(msg))
	}
	wsSQLErr := func(msg string) error { // and over WebSocket
		return fmt.Errorf("unable to execute INSERT INTO t VALUES (1): %s", msg)
	}
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name   string
		err    error
		broken bool
		notRun bool
	}{
		{"http stream closed", fmt.Errorf("failed to execute SQL:\n%w", fmt.Errorf("stream is closed: %w", driver.ErrBadConn)), true, true},
		{"ws write failed", fmt.Errorf("%w: %s", driver.ErrBadConn, "failed to write JSON message: failed to write msg: broken pipe"), true, true},
		{"ws read failed", fmt.Errorf("%w: %s", driver.ErrBadConn, "failed to read JSON message: failed to get reader: EOF"), true, false},
		{"http dial failed", fmt.Errorf("failed to execute SQL:\n%w", &url.Error{Op: "Post", URL: "http://h/v2/pipeline", Err: dial}), true, true},
		{"http reset after sending", fmt.Errorf("failed to execute SQL:\n%w", &url.Error{Op: "Post", URL: "http://h/v2/pipeline", Err: reset}), true, false},
		{"http body cut", fmt.Errorf("failed to execute SQL:\n%w", io.ErrUnexpectedEOF), true, false},
		{"canceled", fmt.Errorf("failed to execute SQL:\n%w", context.Canceled), true, false},
		{"other bad conn", driver.ErrBadConn, true, false},
		{"http non-200 without relay", sqlErr("error code 500: "), false, false},
	}
	for _, words := range []string{
		"error code 400: quota exceeded", "stream is closed", "stream is closed: driver: bad connection",
		"connection reset by peer", "broken pipe", "turso-pooled relay: dial tcp 127.0.0.1:1: connect: connection refused",
		"STREAM_EXPIRED", "failed to write", "WebSocket closed", "driver: bad connection",
		"driver: bad connection: failed to write JSON message: x",
	} {
		tests = append(tests,
			struct {
				name           string
				err            error
				broken, notRun bool
			}{"sql error " + words, sqlErr(words), false, false},
			struct {
				name           string
				err            error
				broken, notRun bool
			}{"ws sql error " + words, wsSQLErr(words), false, false})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := classify(tt.err, nil)
			if o.broken != tt.broken || o.notRun != tt.notRun {
				t.Errorf("classify(%q) = broken %v notRun %v, want %v %v", tt.err, o.broken, o.notRun, tt.broken, tt.notRun)
			}
		})
	}
}

func TestWithoutBadConn(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name string
		err  error
		text string
		op   bool // the *net.OpError stays findable
	}{
		{"ws form", fmt.Errorf("%w: %s", driver.ErrBadConn, "failed to read JSON message: EOF"), "failed to read JSON message: EOF", false},
		{"joined", fmt.Errorf("%w: %w", driver.ErrBadConn, reset), "driver: bad connection: " + reset.Error(), true},
		{"wrapped join", fmt.Errorf("ctx: %w", fmt.Errorf("%w: %w", driver.ErrBadConn, reset)), "ctx: driver: bad connection: " + reset.Error(), true},
		{"no bad conn", fmt.Errorf("x: %w", reset), "x: " + reset.Error(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := withoutBadConn(tt.err)
			if errors.Is(got, driver.ErrBadConn) {
				t.Errorf("driver.ErrBadConn still in the chain of %q", got)
			}
			if got.Error() != tt.text {
				t.Errorf("text %q, want %q", got.Error(), tt.text)
			}
			var op *net.OpError
			if errors.As(got, &op) != tt.op {
				t.Errorf("errors.As(*net.OpError) = %v, want %v", !tt.op, tt.op)
			}
			m := &MaybeAppliedError{Err: got}
			if errors.Is(m, driver.ErrBadConn) || errors.As(m, &op) != tt.op {
				t.Errorf("MaybeAppliedError chain: ErrBadConn %v, OpError %v", errors.Is(m, driver.ErrBadConn), errors.As(m, &op))
			}
		})
	}
}

func TestServerErrorRefusedWhole(t *testing.T) {
	tests := []struct {
		e       ServerError
		refused bool
		auth    bool
	}{
		{ServerError{Status: 500, Code: "STREAM_EXPIRED"}, true, false},
		{ServerError{Status: 410, Code: "STREAM_LOST"}, true, false},
		{ServerError{Status: 404, Code: "STREAM_NOT_FOUND"}, true, false},
		{ServerError{Status: 404}, true, false},
		{ServerError{Status: 400, Message: "invalid baton"}, true, false},
		{ServerError{Status: 401}, true, true},
		{ServerError{Status: 403}, true, true},
		{ServerError{Status: 429}, true, false},
		{ServerError{Status: 503}, true, false},
		{ServerError{Status: 500, Code: "INTERNAL"}, false, false},
		{ServerError{Status: 502}, false, false},
	}
	for _, tt := range tests {
		if got := tt.e.refusedWhole(); got != tt.refused {
			t.Errorf("%v: refusedWhole = %v, want %v", tt.e, got, tt.refused)
		}
		if got := tt.e.authFailed(); got != tt.auth {
			t.Errorf("%v: authFailed = %v, want %v", tt.e, got, tt.auth)
		}
	}
	e := &ServerError{Status: 500, Code: "STREAM_EXPIRED", Message: "The stream has expired due to inactivity"}
	if want := "turso-pooled: server answered HTTP 500 (STREAM_EXPIRED): The stream has expired due to inactivity"; e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

func TestUpstreamHTTPAnswer(t *testing.T) {
	tests := []struct {
		err    error
		status int
		msg    string
		ok     bool
	}{
		{fmt.Errorf("failed to execute SQL:\n%w", fmt.Errorf("error code %d: %s", 400, "Received an invalid baton")), 400, "Received an invalid baton", true},
		{fmt.Errorf("failed to execute SQL:\n%w", fmt.Errorf("error code %d: %s", 500, "")), 500, "", true},
		{errors.New("unable to execute INSERT: error code 400: x"), 0, "", false},          // WebSocket SQL error
		{errors.New("failed to execute SQL:\nerror code STREAM_EXPIRED: x"), 0, "", false}, // not a status
		{errors.New("failed to execute SQL:\nerror code 9999: x"), 0, "", false},
		{errors.New("failed to execute SQL: INSERT …\nerror code 400: x"), 0, "", false}, // the single-statement chunk form carries no HTTP answer there
	}
	for _, tt := range tests {
		status, msg, ok := upstreamHTTPAnswer(tt.err)
		if status != tt.status || msg != tt.msg || ok != tt.ok {
			t.Errorf("upstreamHTTPAnswer(%q) = %d %q %v, want %d %q %v", tt.err, status, msg, ok, tt.status, tt.msg, tt.ok)
		}
	}
}
