package wansim

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy is a running WAN simulator: it accepts TCP connections on
// [Proxy.Addr] and forwards each to [Config.Target] through two delayed,
// optionally bandwidth-capped links. Create it with [New] and release it
// with [Proxy.Close]. All methods are safe for concurrent use.
type Proxy struct {
	cfg  Config
	ln   net.Listener
	done chan struct{} // closed by Close

	rttNanos  atomic.Int64 // current RTT
	bandwidth atomic.Int64 // current cap in bytes/s, 0 = unlimited

	conns, active, bytesUp, bytesDown atomic.Int64

	mu     sync.Mutex
	links  map[*link]struct{}
	closed bool

	wg        sync.WaitGroup // accept loop and every link
	closeOnce sync.Once
	closeErr  error
}

// New validates cfg, starts listening on cfg.Listen and serves connections
// in the background until [Proxy.Close]. cfg is copied; later changes to it
// have no effect.
func New(cfg Config) (*Proxy, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("wansim: listen on Config.Listen %q: %w", cfg.Listen, err)
	}
	p := &Proxy{cfg: cfg, ln: ln, done: make(chan struct{}), links: make(map[*link]struct{})}
	p.rttNanos.Store(int64(cfg.RTT))
	p.bandwidth.Store(cfg.Bandwidth)
	p.wg.Go(p.acceptLoop)
	return p, nil
}

// Addr returns the address clients dial instead of the target, such as
// "127.0.0.1:41234".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetRTT changes the round-trip time of every connection, open or future.
// It applies to chunks read after the call; chunks already in flight keep
// their delay and are never overtaken. A negative d is treated as 0. If d
// drops below [Config.Jitter], per-chunk delays are clamped at 0.
func (p *Proxy) SetRTT(d time.Duration) { p.rttNanos.Store(int64(max(d, 0))) }

// SetBandwidth changes the per-direction cap, in bytes per second, of every
// connection for chunks read after the call. 0 or a negative value means
// unlimited.
func (p *Proxy) SetBandwidth(bps int64) { p.bandwidth.Store(max(bps, 0)) }

// rtt is the current round-trip time.
func (p *Proxy) rtt() time.Duration { return time.Duration(p.rttNanos.Load()) }

// DropAll closes every proxied connection now, on both sides, discarding
// data in flight. The proxy keeps accepting new connections.
func (p *Proxy) DropAll() {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		l.abort()
	}
}

// Close stops listening, closes every proxied connection and waits for all
// of the proxy's goroutines to exit. It returns the listener's close error
// from the first call; later calls return the same value.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		close(p.done)
		p.closeErr = p.ln.Close()
		p.DropAll()
		p.wg.Wait()
	})
	return p.closeErr
}

// acceptLoop accepts connections until the listener is closed, backing off
// on transient errors such as running out of file descriptors.
func (p *Proxy) acceptLoop() {
	var backoff time.Duration
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
			case <-p.done:
				return
			}
			continue
		}
		backoff = 0
		p.serve(conn, time.Now())
	}
}

// serve registers and starts a link for an accepted connection.
func (p *Proxy) serve(conn net.Conn, accepted time.Time) {
	p.conns.Add(1)
	l := newLink(p, conn)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = conn.Close()
		return
	}
	p.links[l] = struct{}{}
	p.active.Add(1)
	p.mu.Unlock()
	p.wg.Go(func() {
		defer p.forget(l)
		l.run(accepted)
	})
}

// forget unregisters a finished link.
func (p *Proxy) forget(l *link) {
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
	p.active.Add(-1)
}
