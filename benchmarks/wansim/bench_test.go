package wansim

import (
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// sink counts what it reads until EOF, then answers the count (8 bytes).
func sink(c net.Conn) {
	n, err := io.Copy(io.Discard, c)
	if err == nil {
		_ = binary.Write(c, binary.BigEndian, n)
	}
}

// benchTarget returns the address to dial: the server itself, or a proxy
// with RTT 0 in front of it.
func benchTarget(b *testing.B, via string, handle func(net.Conn)) string {
	b.Helper()
	srv := startServer(b, nil, handle)
	if via == "direct" {
		return srv.addr()
	}
	return newProxy(b, Config{Target: srv.addr()}).Addr()
}

// benchDial dials addr without the tests' I/O deadline, which a long
// -benchtime would exceed.
func benchDial(b *testing.B, addr string) net.Conn {
	b.Helper()
	c := dial(b, addr)
	if err := c.SetDeadline(time.Time{}); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkThroughput streams chunks one way at RTT 0: the proxy's pure
// overhead against a direct connection. The tail still in flight when the
// loop ends (bounded by the 4 MiB queue plus socket buffers) is not timed.
func BenchmarkThroughput(b *testing.B) {
	for _, via := range []string{"direct", "proxy"} {
		for _, chunk := range []int{1 << 10, 32 << 10} {
			b.Run("Via="+via+"/Chunk="+strconv.Itoa(chunk>>10)+"KiB", func(b *testing.B) {
				c := benchDial(b, benchTarget(b, via, sink)).(*net.TCPConn)
				buf := make([]byte, chunk)
				b.SetBytes(int64(chunk))
				b.ReportAllocs()
				var sent int64
				for b.Loop() {
					if _, err := c.Write(buf); err != nil {
						b.Fatal(err)
					}
					sent += int64(chunk)
				}
				if err := c.CloseWrite(); err != nil {
					b.Fatal(err)
				}
				var got int64
				if err := binary.Read(c, binary.BigEndian, &got); err != nil || got != sent {
					b.Fatalf("server counted %d bytes (err %v), want %d", got, err, sent)
				}
			})
		}
	}
}

// BenchmarkRoundTrip measures one small request/response at RTT 0: the
// latency the proxy itself adds.
func BenchmarkRoundTrip(b *testing.B) {
	for _, via := range []string{"direct", "proxy"} {
		b.Run("Via="+via+"/Size=64", func(b *testing.B) {
			c := benchDial(b, benchTarget(b, via, echo))
			msg, got := make([]byte, 64), make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
