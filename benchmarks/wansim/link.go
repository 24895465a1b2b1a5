package wansim

import (
	"context"
	"net"
	"sync"
	"time"
)

// dialTimeout bounds the proxy's dial to the target.
const dialTimeout = 10 * time.Second

// link is one proxied connection: the accepted client connection, the
// connection dialled to the target and the two directions between them.
// Safe for concurrent use.
type link struct {
	p      *Proxy
	client net.Conn
	ctx    context.Context // cancelled by abort; ends dials and waits
	cancel context.CancelFunc

	mu      sync.Mutex
	server  net.Conn // nil until dialled
	aborted bool
}

// newLink returns a link for an accepted client connection.
func newLink(p *Proxy, client net.Conn) *link {
	ctx, cancel := context.WithCancel(context.Background())
	return &link{p: p, client: client, ctx: ctx, cancel: cancel}
}

// abort closes both connections at once, discarding queued data, and ends
// every wait of the link's goroutines. It is idempotent.
func (l *link) abort() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.aborted {
		return
	}
	l.aborted = true
	l.cancel()
	_ = l.client.Close()
	if l.server != nil {
		_ = l.server.Close()
	}
}

// setServer records the dialled connection. It returns false, closing
// server, if the link was aborted meanwhile.
func (l *link) setServer(server net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.aborted {
		_ = server.Close()
		return false
	}
	l.server = server
	return true
}

// run dials the target, pumps both directions until both have ended, then
// closes both connections. accepted is when the client was accepted.
func (l *link) run(accepted time.Time) {
	defer l.abort()
	dialCtx, cancel := context.WithTimeout(l.ctx, dialTimeout)
	var d net.Dialer
	server, err := d.DialContext(dialCtx, "tcp", l.p.cfg.Target)
	cancel()
	if err != nil || !l.setServer(server) {
		return
	}
	start := accepted
	if l.p.cfg.ConnectRTT {
		start = accepted.Add(l.p.rtt())
	}
	up := newDirection(l, l.client, server, &l.p.bytesUp, start)
	down := newDirection(l, server, l.client, &l.p.bytesDown, start)
	var wg sync.WaitGroup
	for _, dir := range []*direction{up, down} {
		wg.Go(dir.readLoop)
		wg.Go(dir.writeLoop)
	}
	wg.Wait()
}
