package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// Timeouts of the relay's loopback server.
const (
	// readHeaderTimeout bounds reading a request's headers from a client.
	readHeaderTimeout = 10 * time.Second
	// clientIdleTimeout closes idle client connections. It is well above
	// the 90s after which http.DefaultTransport drops idle connections, so
	// that the relay practically never closes a connection a client is
	// about to reuse (a POST on such a connection would fail, not retry).
	clientIdleTimeout = 5 * time.Minute
	// closeGrace is how long Close lets in-flight requests finish before
	// cancelling them, and then how long it waits for them to return.
	closeGrace = 5 * time.Second
)

// Relay is a loopback HTTP server that forwards authorized requests to one
// target over its own bounded connection pool. Create it with [New] and stop
// it with [Relay.Close]. Its methods are safe for concurrent use.
type Relay struct {
	target    *url.URL
	secret    string
	url       string
	transport *http.Transport
	proxy     *httputil.ReverseProxy
	srv       *http.Server
	stats     counters

	failures   *failureLog // answers other than the server's 200, for Failure
	markPrefix string      // tagPrefix + this relay's tag + "#"
	streams    streamTable // labelled streams, for Stream

	warmCancel context.CancelFunc // stops keepWarm
	warmDone   chan struct{}      // closed when keepWarm returns
	warmed     chan struct{}      // closed when the first warm round ended

	grace      time.Duration      // closeGrace; shorter in tests
	cancelBase context.CancelFunc // cancels every request's context
	serveDone  chan struct{}      // closed when Serve returns

	mu       sync.Mutex // guards closing and the Add calls of handlers
	closing  bool
	handlers sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// New validates cfg, applies defaults and starts a relay listening on a free
// port of 127.0.0.1, and the keep-alive requests of Config.MinConns in the
// background. Errors start with "turso-pooled: relay:".
func New(cfg Config) (*Relay, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("turso-pooled: relay: listen on 127.0.0.1: %w", err)
	}
	target := *cfg.Target
	r := &Relay{
		target:     &target,
		secret:     cfg.Secret,
		url:        "http://" + ln.Addr().String(),
		grace:      closeGrace,
		serveDone:  make(chan struct{}),
		failures:   newFailureLog(),
		markPrefix: tagPrefix + newTag() + "#",
	}
	r.transport = newTransport(cfg, &r.stats)
	r.proxy = r.newProxy()
	base, cancel := context.WithCancel(context.Background())
	r.cancelBase = cancel
	r.srv = &http.Server{
		Handler:           r,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       clientIdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(r.serveDone)
		_ = r.srv.Serve(ln) // returns ErrServerClosed after Shutdown or Close
	}()
	r.startWarm(cfg.MinConns, cfg.KeepAlivePeriod)
	return r, nil
}

// URL returns "http://127.0.0.1:<port>", the address to pass to
// libsql.WithProxy.
func (r *Relay) URL() string { return r.url }

// SecretHeader returns the header name and value every request must carry,
// for libsql.WithRequestHeaders.
func (r *Relay) SecretHeader() (name, value string) { return SecretHeaderName, r.secret }

// Stats returns a snapshot of the relay's counters.
func (r *Relay) Stats() Stats { return r.stats.snapshot() }

// Close stops the keep-alive requests of Config.MinConns, stops accepting
// connections, lets in-flight requests finish for up
// to 5 seconds, then cancels those still running and closes every client
// connection, waits up to 5 more seconds for their handlers to return, and
// closes the idle connections to the target. Later calls return the first
// call's result.
func (r *Relay) Close() error {
	r.closeOnce.Do(func() { r.closeErr = r.close() })
	return r.closeErr
}

// close implements Close.
func (r *Relay) close() error {
	r.stopWarm()
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), r.grace)
	err := r.srv.Shutdown(ctx)
	cancel()
	r.cancelBase()
	if err != nil {
		_ = r.srv.Close() // unblocks handlers writing to slow clients
	}
	<-r.serveDone
	done := make(chan struct{})
	go func() { r.handlers.Wait(); close(done) }()
	var result error
	select {
	case <-done:
	case <-time.After(r.grace):
		result = fmt.Errorf("turso-pooled: relay: close: %d requests still running after %v", r.stats.inFlight.Load(), 2*r.grace)
	}
	r.transport.CloseIdleConnections()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		result = errors.Join(result, fmt.Errorf("turso-pooled: relay: close: %w", err))
	}
	return result
}

// enter registers an in-flight request; it reports false once Close began.
func (r *Relay) enter() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return false
	}
	r.handlers.Add(1)
	r.stats.inFlight.Add(1)
	return true
}

// leave unregisters a request registered by enter.
func (r *Relay) leave() {
	r.stats.inFlight.Add(-1)
	r.handlers.Done()
}
