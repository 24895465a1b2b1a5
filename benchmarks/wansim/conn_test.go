package wansim

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

func TestByteCounters(t *testing.T) {
	// The server reads a request of reqLen bytes and answers respLen bytes,
	// so the two directions carry different amounts.
	tests := []struct {
		name            string
		reqLen, respLen int
	}{
		{name: "small", reqLen: 3, respLen: 11},
		{name: "response larger than a read", reqLen: 10, respLen: 200_000},
		{name: "request larger than a read", reqLen: 150_000, respLen: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, nil, func(c net.Conn) {
				if _, err := io.ReadFull(c, make([]byte, tt.reqLen)); err == nil {
					_, _ = c.Write(make([]byte, tt.respLen))
				}
				_, _ = io.Copy(io.Discard, c)
			})
			p := newProxy(t, Config{Target: srv.addr(), RTT: 2 * time.Millisecond})
			for round := range 2 {
				c := dial(t, p.Addr())
				if _, err := c.Write(make([]byte, tt.reqLen)); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, make([]byte, tt.respLen)); err != nil {
					t.Fatal(err)
				}
				want := Stats{Conns: 1, ActiveConns: 1, BytesUp: int64(tt.reqLen), BytesDown: int64(tt.respLen)}
				if got := p.Stats(); got != want {
					t.Fatalf("round %d: Stats = %+v, want %+v", round, got, want)
				}
				_ = c.Close()
				waitFor(t, "ActiveConns = 0", func() bool { return p.Stats().ActiveConns == 0 })
				p.ResetStats()
				if got := p.Stats(); got != (Stats{}) {
					t.Fatalf("after ResetStats: %+v, want zero", got)
				}
			}
		})
	}
}

func TestDropAll(t *testing.T) {
	srv := startEcho(t)
	p := newProxy(t, Config{Target: srv.addr(), RTT: 2 * time.Millisecond})
	conns := []net.Conn{dial(t, p.Addr()), dial(t, p.Addr())}
	for _, c := range conns {
		roundTrip(t, c, []byte("up"))
	}
	p.DropAll()
	for _, c := range conns {
		expectClosed(t, c)
	}
	waitFor(t, "ActiveConns = 0", func() bool { return p.Stats().ActiveConns == 0 })
	roundTrip(t, dial(t, p.Addr()), []byte("still accepting"))
	if got := p.Stats().Conns; got != 3 {
		t.Fatalf("Conns = %d, want 3", got)
	}
}

// firehose writes to c until it fails.
func firehose(c net.Conn) {
	buf := make([]byte, 16<<10)
	for {
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}

func TestClientDisconnectsMidStream(t *testing.T) {
	tests := []struct {
		name   string
		handle func(net.Conn)
		client func(t *testing.T, c net.Conn)
	}{
		{name: "while downloading", handle: firehose, client: func(t *testing.T, c net.Conn) {
			if _, err := io.ReadFull(c, make([]byte, 100_000)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "while uploading", handle: func(c net.Conn) { _, _ = io.Copy(io.Discard, c) }, client: func(t *testing.T, c net.Conn) {
			if _, err := c.Write(make([]byte, 1<<20)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "during echo", handle: echo, client: func(t *testing.T, c net.Conn) {
			if _, err := c.Write(make([]byte, 1<<20)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, nil, tt.handle)
			p := newProxy(t, Config{Target: srv.addr(), RTT: 10 * time.Millisecond})
			c := dial(t, p.Addr())
			tt.client(t, c)
			_ = c.Close()
			waitFor(t, "ActiveConns = 0", func() bool { return p.Stats().ActiveConns == 0 })
		})
	}
}

func TestHalfClose(t *testing.T) {
	srv := startEcho(t) // echoes until EOF, then half-closes back
	p := newProxy(t, Config{Target: srv.addr(), RTT: 20 * time.Millisecond})
	c := dial(t, p.Addr()).(*net.TCPConn)
	msg := bytes.Repeat([]byte("half-close "), 10_000)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c) // ends only if the server saw our FIN and its FIN came back
	if err != nil {
		t.Fatalf("read after CloseWrite: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("got %d bytes back, want %d", len(got), len(msg))
	}
	waitFor(t, "ActiveConns = 0", func() bool { return p.Stats().ActiveConns == 0 })
}

func TestServerCloseFlushesPendingData(t *testing.T) {
	payload := bytes.Repeat([]byte("bye "), 50_000)
	srv := startServer(t, nil, func(c net.Conn) { _, _ = c.Write(payload) })
	p := newProxy(t, Config{Target: srv.addr(), RTT: 40 * time.Millisecond})
	c := dial(t, p.Addr())
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("got %d bytes, err %v; want %d bytes then EOF", len(got), err, len(payload))
	}
	_ = c.Close()
	waitFor(t, "ActiveConns = 0", func() bool { return p.Stats().ActiveConns == 0 })
}

func TestTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := ln.Addr().String()
	_ = ln.Close()
	p := newProxy(t, Config{Target: target})
	expectClosed(t, dial(t, p.Addr()))
	waitFor(t, "ActiveConns = 0", func() bool { return p.Stats().ActiveConns == 0 })
	if got := p.Stats().Conns; got != 1 {
		t.Fatalf("Conns = %d, want 1", got)
	}
}

func TestCloseWithStuckConnections(t *testing.T) {
	stall := make(chan struct{})
	srv := startServer(t, nil, func(net.Conn) { <-stall }) // never reads
	defer close(stall)
	p, err := New(Config{Target: srv.addr(), RTT: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, p.Addr())
	go func() { _, _ = c.Write(make([]byte, 16<<20)) }() // fills every buffer, then blocks
	waitFor(t, "upload to back up", func() bool { return p.Stats().BytesUp > queueBudget })
	closed := make(chan error)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(ioTimeout):
		t.Fatal("Close hung")
	}
	expectClosed(t, c)
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("proxy still accepting after Close")
	}
}
