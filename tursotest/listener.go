package tursotest

import (
	"net"
	"sync"
)

// connSet tracks open TCP connections so that they can be dropped.
type connSet struct {
	mu    sync.Mutex
	conns map[*countingConn]struct{}
}

func (s *connSet) add(c *countingConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[*countingConn]struct{}{}
	}
	s.conns[c] = struct{}{}
}

func (s *connSet) remove(c *countingConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// closeAll closes every tracked connection.
func (s *connSet) closeAll() {
	s.mu.Lock()
	conns := make([]*countingConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// trackingListener counts and tracks accepted connections, and closes them
// at once while the server refuses connections.
type trackingListener struct {
	net.Listener
	stats  *counters
	faults *faults
	conns  *connSet
}

// Accept implements net.Listener.
func (l *trackingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.stats.tcpAccepted.Add(1)
		if l.faults.refusing() {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // reset rather than a graceful close
			}
			_ = c.Close()
			continue
		}
		cc := &countingConn{Conn: c, stats: l.stats, set: l.conns}
		l.conns.add(cc)
		return cc, nil
	}
}

// countingConn counts the bytes of a connection and leaves its connSet
// when closed.
type countingConn struct {
	net.Conn
	stats *counters
	set   *connSet
	once  sync.Once
}

// Read implements net.Conn.
func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.stats.bytesIn.Add(int64(n))
	return n, err
}

// Write implements net.Conn.
func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.stats.bytesOut.Add(int64(n))
	return n, err
}

// Close implements net.Conn.
func (c *countingConn) Close() error {
	c.once.Do(func() { c.set.remove(c) })
	return c.Conn.Close()
}
