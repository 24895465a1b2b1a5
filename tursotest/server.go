package tursotest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is an in-process Turso/sqld-compatible server backed by SQLite. It
// serves Hrana over HTTP (/v2/pipeline, /v3/pipeline, /v3/cursor, /v1/*)
// and Hrana over WebSocket (subprotocols hrana1, hrana2, hrana3; JSON only)
// on one address. All methods are safe for concurrent use.
type Server struct {
	opts   options
	log    *slog.Logger
	stats  counters
	faults faults
	lim    limiter
	conns  connSet
	eng    *engine
	reg    *streamRegistry
	certs  *certs
	tlsCfg *tls.Config
	addr   string

	expiryStop chan struct{}
	expiryDone chan struct{}

	mu     sync.Mutex // guards closed and fe
	closed bool
	fe     *frontend
}

// NewServer starts a server and returns once it is listening. Close it
// when done (NewTestServer does so for tests).
func NewServer(opts ...Option) (*Server, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	s := &Server{opts: o, log: o.logger}
	if o.tls {
		c, err := generateCerts()
		if err != nil {
			return nil, err
		}
		s.certs = c
		s.tlsCfg = serverTLSConfig(c, o.http2, &s.stats)
	}
	eng, err := openEngine(o.dbPath, &s.lim, &s.stats)
	if err != nil {
		return nil, err
	}
	s.eng = eng
	s.reg = newRegistry(eng, &s.stats, o.streamExpiry)
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		_ = eng.close()
		return nil, fmt.Errorf("tursotest: listen on %q: %w", o.addr, err)
	}
	s.addr = ln.Addr().String()
	s.fe = s.startFrontend(ln)
	s.expiryStop, s.expiryDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.expiryDone)
		s.reg.runExpiry(s.expiryStop)
	}()
	s.log.Debug("tursotest: listening", "addr", s.addr, "tls", o.tls)
	return s, nil
}

// Close stops the server: it closes the listener and every connection,
// waits for the server's goroutines to end, and closes every SQLite
// connection. Data in the default in-memory database is lost. Close is
// idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	fe := s.fe
	s.fe = nil
	s.mu.Unlock()
	fe.stop()
	close(s.expiryStop)
	<-s.expiryDone
	s.reg.closeAll()
	return s.eng.close()
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// HTTPURL returns "http://host:port", or "https://host:port" with WithTLS.
func (s *Server) HTTPURL() string {
	if s.opts.tls {
		return "https://" + s.addr
	}
	return "http://" + s.addr
}

// WSURL returns "ws://host:port", or "wss://host:port" with WithTLS.
func (s *Server) WSURL() string {
	if s.opts.tls {
		return "wss://" + s.addr
	}
	return "ws://" + s.addr
}

// LibsqlURL returns the libsql:// URL of the server for sql.Open("libsql",
// ...): "libsql://host:port" with WithTLS, else "libsql://host:port?tls=0"
// (upstream's libsql.NewConnector rejects the tls query parameter: use
// HTTPURL there, or libsql.WithTls(false)).
func (s *Server) LibsqlURL() string {
	if s.opts.tls {
		return "libsql://" + s.addr
	}
	return "libsql://" + s.addr + "?tls=0"
}

// CACertPEM returns the PEM-encoded certificate of the server's CA, or nil
// without WithTLS. A child process can trust it through a file named by the
// SSL_CERT_FILE environment variable.
func (s *Server) CACertPEM() []byte {
	if s.certs == nil {
		return nil
	}
	return append([]byte(nil), s.certs.caPEM...)
}

// CertPool returns a pool holding the server's CA, or nil without WithTLS.
func (s *Server) CertPool() *x509.CertPool {
	if s.certs == nil {
		return nil
	}
	return s.certs.pool.Clone()
}

// TrustInProcess makes http.DefaultTransport (which the upstream libsql
// client's HTTP requests and WebSocket dials use) trust the server's CA, in
// addition to the roots it trusted before, and returns the function that
// stops trusting it. It changes process-global state and is meant for tests:
// the first call installs a verifying TLS configuration on
// http.DefaultTransport that stays for the life of the process (verifying
// against the same roots as before, plus the CAs trusted at the time), so
// that requests still in flight from one test never race with the next. It
// is safe to use from parallel tests with several servers. The server name
// is verified for DNS names; for IP-address URLs (which send no server name)
// only the chain is, so use it in tests, never in production code. Child processes
// should instead read CACertPEM from a file named by SSL_CERT_FILE. Without
// WithTLS it does nothing.
func (s *Server) TrustInProcess() (restore func()) {
	if s.certs == nil {
		return func() {}
	}
	return trustCA(s.certs.ca)
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// DropConnections closes every open TCP connection now: HTTP keep-alive
// connections and WebSockets (whose streams are closed). HTTP streams
// survive, as they would on sqld.
func (s *Server) DropConnections() {
	s.conns.closeAll()
}

// ExpireStreams expires every HTTP stream now (its next request gets
// STREAM_EXPIRED; a stream busy with a request expires when that request
// ends) and closes every WebSocket stream (the next request on it is a
// protocol error, which closes the WebSocket).
func (s *Server) ExpireStreams() {
	s.reg.expireIdle(time.Now(), true)
	s.mu.Lock()
	fe := s.fe
	s.mu.Unlock()
	if fe != nil {
		fe.closeWSStreams()
	}
}

// RefuseConnections makes the server close new TCP connections as soon as
// it accepts them, for d from now. Open connections are not affected.
func (s *Server) RefuseConnections(d time.Duration) {
	s.faults.refuseUntil.Store(time.Now().Add(d).UnixNano())
}

// SetRequestDelay adds d before the server handles each HTTP Hrana request
// and each WebSocket request message; 0 removes the delay.
func (s *Server) SetRequestDelay(d time.Duration) {
	s.faults.delay.Store(int64(max(d, 0)))
}

// FailNextRequests makes the next n Hrana HTTP requests (pipeline, cursor,
// v1; not pipelines that only close a stream, which the upstream client
// sends in the background) fail with the given HTTP status and a JSON {"error": "..."} body, and
// the next n WebSocket statement requests (execute, batch, sequence,
// describe) fail with response_error; both transports draw on the same n.
// WebSocket open_stream is never failed: the upstream client crashes on it.
func (s *Server) FailNextRequests(n int, status int) {
	if status < 400 || status > 599 {
		status = http.StatusServiceUnavailable
	}
	s.faults.failStatus.Store(int64(status))
	s.faults.failLeft.Store(int64(max(n, 0)))
}

// SetMaxConcurrency lets at most n statements execute at once, server-wide;
// the others wait in arrival order, so latency grows with concurrency like
// on an overloaded server. 0 (the default) means unlimited.
func (s *Server) SetMaxConcurrency(n int) {
	s.lim.setLimit(n)
}

// SetContention makes an overloaded server slower per statement, as real
// ones are (lock contention, context switches, cache misses): under
// SetMaxConcurrency, each statement admitted to a slot keeps it d longer
// for every statement still waiting for one. Throughput then falls as the
// queue grows, instead of staying at the limit's rate. 0 (the default)
// removes it; it has no effect without a concurrency limit.
func (s *Server) SetContention(d time.Duration) {
	s.lim.setContention(d)
}

// Restart stops listening, closes every connection and stream (old batons
// become invalid), and listens again on the same address. The database and
// its data are kept.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("tursotest: Restart on a closed server")
	}
	s.fe.stop()
	s.fe = nil
	s.reg.closeAll()
	ln, err := listenRetry(s.addr)
	if err != nil {
		return fmt.Errorf("tursotest: listen again on %s: %w", s.addr, err)
	}
	s.fe = s.startFrontend(ln)
	return nil
}

// listenRetry listens on addr, retrying briefly while the port is still
// being released.
func listenRetry(addr string) (net.Listener, error) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startFrontend serves HTTP on ln.
func (s *Server) startFrontend(ln net.Listener) *frontend {
	fe := &frontend{srv: s, serveDone: make(chan struct{}), sessions: map[*wsSession]struct{}{}}
	fe.ctx, fe.cancel = context.WithCancel(context.Background())
	var l net.Listener = &trackingListener{Listener: ln, stats: &s.stats, faults: &s.faults, conns: &s.conns}
	if s.tlsCfg != nil {
		l = tls.NewListener(l, s.tlsCfg)
	}
	fe.hs = &http.Server{
		Handler:           fe,
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return fe.ctx },
		ConnState:         fe.connState,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	if s.tlsCfg == nil {
		fe.hs.Protocols = new(http.Protocols)
		fe.hs.Protocols.SetHTTP1(true)
	}
	go func() {
		defer close(fe.serveDone)
		_ = fe.hs.Serve(l)
	}()
	return fe
}
