package tursopooled

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turso-pooled/tursopooled/internal/relay"
	"github.com/turso-pooled/tursopooled/pool"
	"github.com/turso-pooled/tursopooled/pool/adaptive"
)

// Connector is a driver.Connector for sql.OpenDB. It owns the keep-alive
// pool of upstream connections, the result cache and the compression codec;
// db.Close() calls its Close, which releases all of them. It is safe for
// concurrent use.
type Connector struct {
	cfg       *Config
	transport transport
	upstream  driver.Connector
	relay     *relay.Relay // keep-alive relay for Hrana over HTTP; nil otherwise
	pool      *pool.Pool[*upstreamConn]
	features  // cache and compression, see features.go
	logger    *slog.Logger
	closeOnce sync.Once

	// lastBroken is when (UnixNano) a connection was last found broken.
	// Idle connections last used before it are probed before reuse: the
	// failure that broke one (a dropped network, a server restart) has
	// usually broken its idle siblings too.
	lastBroken atomic.Int64
}

// upstreamConn is a pooled upstream connection and the one record of when
// it was last used, shared by the pool's lease, the conn it is on loan to
// and the decisions taken before its next use (readyForReuse).
type upstreamConn struct {
	driver.Conn
	lastUsed atomic.Int64 // UnixNano of the end of the last statement, release or dial
}

// touch records a use now.
func (uc *upstreamConn) touch() { uc.lastUsed.Store(time.Now().UnixNano()) }

var (
	_ driver.Connector = (*Connector)(nil)
	_ io.Closer        = (*Connector)(nil)
)

// NewConnector parses dsn (see [ParseDSN]), applies opts and returns a
// connector for sql.OpenDB. It does no network I/O: the pool's minimum
// connections are dialed in the background.
func NewConnector(dsn string, opts ...Option) (*Connector, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if err := cfg.apply(opts...); err != nil {
		return nil, err
	}
	return NewConnectorFromConfig(cfg)
}

// NewConnectorFromConfig is [NewConnector] for a Config built or changed in
// code (start from [NewConfig] or [ParseDSN]). cfg is cloned, never
// modified, and validated: an invalid field is a *[ConfigError].
func NewConnectorFromConfig(cfg *Config) (*Connector, error) {
	cfg = cfg.Clone()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	up, rl, err := newUpstreamConnector(cfg)
	if err != nil {
		return nil, err
	}
	c := &Connector{cfg: cfg, transport: transportOf(cfg), upstream: up, relay: rl, logger: cfg.Logger}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if err := c.features.init(cfg, c.logger); err != nil {
		c.features.close() // what init started before it failed (the cache)
		c.closeRelay()
		return nil, err
	}
	p, err := pool.New(c.poolConfig())
	if err != nil {
		c.features.close()
		c.closeRelay()
		return nil, err
	}
	c.pool = p
	return c, nil
}

func (c *Connector) poolConfig() pool.Config[*upstreamConn] {
	pc := pool.Config[*upstreamConn]{
		Constructor:       c.dial,
		Destructor:        func(uc *upstreamConn) { _ = uc.Close() },
		Ping:              c.ping,
		MinConns:          c.cfg.MinConns,
		MaxConns:          c.cfg.MaxConns,
		MaxConnIdleTime:   c.cfg.MaxConnIdleTime,
		MaxConnLifetime:   c.cfg.MaxConnLifetime,
		HealthCheckPeriod: c.cfg.HealthCheckPeriod,
		// The health check pings idle connections every period; one idle
		// for twice that has missed it (a process frozen and thawed) and is
		// pinged before it is handed out.
		KeepAlivePeriod: c.cfg.HealthCheckPeriod,
		ConnectTimeout:  c.cfg.ConnectTimeout,
		LeakThreshold:   c.cfg.LeakThreshold,
		Logger:          c.logger,
		Breaker: pool.BreakerConfig{
			Disabled: c.cfg.BreakerThreshold == 0,
			Failures: int(c.cfg.BreakerThreshold),
		},
	}
	if c.cfg.Adaptive {
		ac := adaptive.DefaultConfig(int(max(pc.MinConns, 1)), int(pc.MaxConns))
		pc.Adaptive = &ac
	}
	return pc
}

// dial opens one upstream connection; the pool calls it under
// pool_connect_timeout, for its minimum connections (pre-warm) and on
// demand. With the cache on it also loads the schema dependency map unless
// it is loaded (see loadSchema). The upstream WebSocket dial ignores its
// context (it has a 120 s timeout of its own), so the dial runs apart and
// is abandoned when ctx ends; a connection it still opens is closed. A
// panic of the upstream's dial is a failed dial.
func (c *Connector) dial(ctx context.Context) (*upstreamConn, error) {
	type result struct {
		dc  driver.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			// The upstream WebSocket dial panics on some server answers
			// (an error answer to open_stream): a failed dial, not a crash.
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("turso-pooled: connecting: the upstream driver panicked: %v", p)}
			}
		}()
		dc, err := c.connectUpstream(ctx)
		if err == nil {
			c.waitRelayWarm(ctx)
			if err = c.loadSchema(ctx, dc); err != nil {
				_ = dc.Close()
				dc = nil
			}
		}
		done <- result{dc, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, r.err
		}
		uc := &upstreamConn{Conn: r.dc}
		uc.touch()
		return uc, nil
	case <-ctx.Done():
		go func() {
			if r := <-done; r.err == nil && r.dc != nil {
				_ = r.dc.Close()
			}
		}()
		return nil, fmt.Errorf("turso-pooled: connecting: %w", ctx.Err())
	}
}

// warmWaitLimit bounds how long a new connection waits for the relay's
// first warm-up round.
const warmWaitLimit = 2 * time.Second

// waitRelayWarm waits, for a dial the pool makes on its own (pre-warm,
// top-up) over HTTP with the relay, until the relay's first warm-up round
// has opened its server connections, so that a pre-warmed connection is one
// whose first request finds TCP and TLS open (and, over HTTP/2, does not
// dial a connection of its own beside the relay's first). A dial that a
// query waits for does not wait: its request dials as it would without
// pre-warm. A warm-up that fails or is slow does not fail the dial: after
// at most warmWaitLimit the connection is used as without pre-warm.
func (c *Connector) waitRelayWarm(ctx context.Context) {
	if c.relay == nil || !pool.BackgroundDial(ctx) {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, warmWaitLimit)
	defer cancel()
	_ = c.relay.WaitWarm(wctx)
}

// loadSchema loads, with the cache on, the schema dependency map on a new
// connection unless it is loaded, so that no query pays for it: the
// minimum connections, dialed in the background, load it before the first
// query. A failure that broke the connection fails the dial; any other
// leaves the load to the first cache fill, as without pre-warm.
// Compression loads the map again at its first framing (see
// schemaDeps.preload).
func (c *Connector) loadSchema(ctx context.Context, dc driver.Conn) error {
	if c.features.cache == nil {
		return nil
	}
	err := c.features.schema.preload(ctx, dc)
	if err != nil && classify(err, c.relay).broken {
		return err
	}
	return nil
}

// ping checks an idle connection for the pool's health check and for the
// probes after a failure. An HTTP connection then drops its server-side
// stream, so that an idle connection never holds a stream the server would
// expire.
func (c *Connector) ping(ctx context.Context, uc *upstreamConn) error {
	if err := pingUpstream(ctx, uc.Conn); err != nil {
		return err
	}
	if c.transport == transportHTTP {
		if r, ok := uc.Conn.(driver.SessionResetter); ok {
			return r.ResetSession(ctx)
		}
	}
	return nil
}

// pingUpstream runs a round trip on an upstream connection. The upstream
// libsql connections have PingContext(ctx) and Ping() methods, but not
// driver.Pinger's Ping(ctx), so database/sql never calls them: db.Ping
// through plain "libsql" does no I/O. turso-pooled's Ping does.
func pingUpstream(ctx context.Context, dc driver.Conn) error {
	switch p := dc.(type) {
	case driver.Pinger:
		return p.Ping(ctx)
	case interface{ PingContext(context.Context) error }:
		return p.PingContext(ctx)
	}
	q, ok := dc.(driver.QueryerContext)
	if !ok {
		return nil
	}
	rows, err := q.QueryContext(ctx, "SELECT 1", nil)
	if err != nil {
		return err
	}
	return rows.Close()
}

// Connect implements driver.Connector: it acquires a warm upstream
// connection from the pool (dialing one if needed, within
// pool_connect_timeout). The returned conn's Close gives it back.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	for {
		pc, err := c.pool.Acquire(ctx)
		if err != nil {
			if errors.Is(err, pool.ErrClosed) {
				return nil, ErrConnectorClosed
			}
			return nil, err
		}
		uc := pc.Value()
		// Every suspect is probed: each failed probe destroys one connection
		// (so the loop ends), and a connection dialed after the last failure
		// is never a suspect.
		if err := c.readyForReuse(ctx, uc); err != nil {
			pc.Destroy(pool.ReasonHealthCheck)
			continue
		}
		return newConn(c, uc, poolLease{c: c, pc: pc}), nil
	}
}

// readyForReuse prepares uc for its next user, whether it comes from the
// pool (Connect) or from database/sql's idle list (ResetSession); an error
// means it must be destroyed. A connection last used before another one
// was found broken is a suspect and is probed first: whatever broke that
// one (a dropped network, a server restart) has usually broken this one
// too, and it is cheaper to find out now than in the next query. Over HTTP
// a stream idle long enough that the server may expire it is replaced.
func (c *Connector) readyForReuse(ctx context.Context, uc *upstreamConn) error {
	last := uc.lastUsed.Load()
	if last < c.lastBroken.Load() {
		uc.touch()
		if err := c.ping(ctx, uc); err != nil {
			return err
		}
	}
	if c.transport == transportHTTP {
		return c.refreshStream(ctx, uc.Conn, last)
	}
	return nil
}

// streamRefreshAfter is how long an HTTP connection may sit unused before
// its server-side stream is replaced when the server did not say how long
// it keeps streams: half of sqld's 10 s stream expiry.
const streamRefreshAfter = 5 * time.Second

// refreshStream prepares an HTTP connection for reuse after it was last used
// at lastUsed (UnixNano). The upstream driver drops the server-side stream at
// every reuse, which costs one extra request (the stream's close) per
// statement. turso-pooled keeps a recently used stream, as the upstream's
// WebSocket connections keep theirs, and replaces only one idle long enough
// that the server may expire it before the next request: for half of the
// stream_ttl_ms of the server's last answer on the stream, counted from its
// request, when the relay saw one (the upstream driver ignores the field),
// else for streamRefreshAfter.
func (c *Connector) refreshStream(ctx context.Context, dc driver.Conn, lastUsed int64) error {
	idle, limit := time.Since(time.Unix(0, lastUsed)), streamRefreshAfter
	if hc, ok := dc.(*httpConn); ok {
		if si, ok := hc.streamInfo(); ok && si.TTL > 0 {
			idle, limit = time.Since(si.Sent), si.TTL/2
		}
	}
	if idle < limit {
		return nil
	}
	if r, ok := dc.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// Driver implements driver.Connector.
func (c *Connector) Driver() driver.Driver { return &Driver{connector: c} }

// Close implements io.Closer; db.Close() calls it. It closes every pooled
// connection, stops the background goroutines and drops the cache. Later
// Connect calls fail with [ErrConnectorClosed].
//
// Connections still in use (a *sql.Rows or *sql.Conn the application never
// closed) are closed when they are released. Close waits for them for at
// most pool_connect_timeout (capped at 5 s), then logs a warning and returns
// rather than hang db.Close(); the pool's shutdown completes in the
// background when the last one is released.
func (c *Connector) Close() error {
	c.closeOnce.Do(func() {
		done := make(chan struct{})
		go func() {
			c.pool.Close()
			c.features.close()
			c.closeRelay()
			close(done)
		}()
		wait := min(c.cfg.ConnectTimeout, 5*time.Second)
		select {
		case <-done:
		case <-time.After(wait):
			c.logger.Warn("turso-pooled: connector closed with connections still in use; they close when released",
				slog.Int("in_use", int(c.pool.Stat().InUseConns())))
		}
	})
	return nil
}

// closeRelay stops the HTTP relay. The upstream HTTP connections close their
// server-side streams with fire-and-forget requests sent just after their
// Close, so the relay first lets those through: it waits (at most 1 s) until
// no request is in flight and none arrived for 50 ms. Without this the
// server would keep the streams until it expires them.
func (c *Connector) closeRelay() {
	if c.relay == nil {
		return
	}
	deadline := time.Now().Add(time.Second)
	last := c.relay.Stats().Requests
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		st := c.relay.Stats()
		if st.Requests == last && st.InFlight == 0 {
			break
		}
		last = st.Requests
	}
	_ = c.relay.Close()
}

// Config returns a copy of the connector's configuration.
func (c *Connector) Config() *Config { return c.cfg.Clone() }

// poolLease adapts a pool handle to the conn's lease.
type poolLease struct {
	c  *Connector
	pc *pool.Conn[*upstreamConn]
}

func (l poolLease) release() {
	l.pc.Value().touch()
	l.pc.Release()
}

func (l poolLease) destroy(r destroyReason) {
	reason := pool.ReasonInTx
	if r == destroyBroken {
		reason = pool.ReasonBroken
		l.c.lastBroken.Store(time.Now().UnixNano())
	}
	l.pc.Destroy(reason)
}

func (l poolLease) observe(d time.Duration, err error) { l.pc.ObserveOperation(d, err) }
