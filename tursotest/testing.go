package tursotest

import "testing"

// NewTestServer starts a Server for a test or benchmark: it calls tb.Fatal
// if NewServer fails, and registers Close with tb.Cleanup. With WithTLS it
// also calls TrustInProcess and registers its restore, so the upstream
// client's https:// and wss:// connections trust the server.
func NewTestServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("tursotest: close server: %v", err)
		}
	})
	if s.opts.tls {
		tb.Cleanup(s.TrustInProcess())
	}
	return s
}
