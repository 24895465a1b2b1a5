package faults

import (
	"testing"

	"go.uber.org/goleak"
)

// authToken is the token every test server requires. It is distinctive so
// that the suite can scan every error and log line for it.
const authToken = "faults-tok-7c41e9d2-must-never-appear"

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, leakOptions()...)
}

// leakOptions ignores only the goroutines of http.DefaultTransport's idle
// keep-alive connections (HTTP/1.1 and HTTP/2), which the upstream driver
// shares with the whole process. Anything else left running is a leak;
// goleak retries for a while, so the upstream's fire-and-forget stream
// close requests get time to finish.
func leakOptions() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*http2ClientConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*http2clientConnReadLoop).run"),
		goleak.IgnoreAnyFunction("net/http.(*http2ClientConn).idleTimerFunc"),
	}
}
