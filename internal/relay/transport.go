package relay

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// Dialer settings used when the base transport has no DialContext; they
// match http.DefaultTransport's.
const (
	dialTimeout   = 30 * time.Second
	dialKeepAlive = 30 * time.Second
)

// dialFunc is the signature of http.Transport's DialContext.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// newTransport returns the relay's own transport: a clone of cfg.Transport
// (or of http.DefaultTransport) with the pool limits of cfg and dials
// counted in c. Neither base transport is modified.
func newTransport(cfg Config, c *counters) *http.Transport {
	var t *http.Transport
	switch dt, ok := http.DefaultTransport.(*http.Transport); {
	case cfg.Transport != nil:
		t = cfg.Transport.Clone()
	case ok:
		t = dt.Clone()
	default:
		t = &http.Transport{Proxy: http.ProxyFromEnvironment, TLSHandshakeTimeout: 10 * time.Second}
	}
	t.MaxIdleConns = cfg.MaxConns
	t.MaxIdleConnsPerHost = cfg.MaxConns
	t.MaxConnsPerHost = cfg.MaxConns
	t.IdleConnTimeout = cfg.IdleTimeout
	t.ForceAttemptHTTP2 = true
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: dialTimeout, KeepAlive: dialKeepAlive}).DialContext
	}
	t.DialContext = countDials(dial, c)
	if tlsDial := t.DialTLSContext; tlsDial != nil {
		// The transport needs the *tls.Conn itself to see the negotiated
		// protocol, so these connections are counted but not wrapped.
		t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := tlsDial(ctx, network, addr)
			if err == nil {
				c.dials.Add(1)
			}
			return conn, err
		}
	}
	return t
}

// countDials wraps dial so that each connection is counted in c.dials and,
// while open, in c.openConns.
func countDials(dial dialFunc, c *counters) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c.dials.Add(1)
		c.openConns.Add(1)
		return &countedConn{Conn: conn, c: c}, nil
	}
}

// countedConn decrements the open-connection count once when closed.
type countedConn struct {
	net.Conn
	c    *counters
	once sync.Once
}

// Close closes the connection and updates the count on the first call.
func (cc *countedConn) Close() error {
	err := cc.Conn.Close()
	cc.once.Do(func() { cc.c.openConns.Add(-1) })
	return err
}
