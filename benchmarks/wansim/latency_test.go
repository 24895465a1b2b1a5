package wansim

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"
)

// Timing checks in this file are functional checks that the delay is
// applied at all. Lower bounds are exact (timers never fire early); upper
// bounds are generous because the machine is shared.
const slack = 30 * time.Millisecond

func TestRoundTripCostsRTT(t *testing.T) {
	const rtt = 40 * time.Millisecond
	srv := startEcho(t)
	p := newProxy(t, Config{Target: srv.addr(), RTT: rtt})
	c := dial(t, p.Addr())
	var ds []time.Duration
	for range 5 {
		ds = append(ds, roundTrip(t, c, []byte("ping")))
	}
	checkWithin(t, "median round trip", median(ds), rtt, rtt+slack)
	for i, d := range ds {
		if d < rtt {
			t.Errorf("round trip %d took %v, less than RTT %v", i, d, rtt)
		}
	}
}

func TestConnectCost(t *testing.T) {
	const rtt = 40 * time.Millisecond
	tests := []struct {
		connectRTT bool
		want       time.Duration // dial plus first round trip
	}{
		{connectRTT: true, want: 2 * rtt},
		{connectRTT: false, want: rtt},
	}
	srv := startEcho(t)
	for _, tt := range tests {
		p := newProxy(t, Config{Target: srv.addr(), RTT: rtt, ConnectRTT: tt.connectRTT})
		var ds []time.Duration
		for range 3 {
			start := time.Now()
			roundTrip(t, dial(t, p.Addr()), []byte("hi"))
			ds = append(ds, time.Since(start))
		}
		checkWithin(t, "dial and first round trip", median(ds), tt.want, tt.want+slack)
	}
}

func TestPipelining(t *testing.T) {
	const rtt, writes = 50 * time.Millisecond, 100
	srv := startEcho(t)
	p := newProxy(t, Config{Target: srv.addr(), RTT: rtt})
	c := dial(t, p.Addr())
	msg := []byte("0123456789")
	start := time.Now()
	for range writes {
		if _, err := c.Write(msg); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	got := make([]byte, writes*len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	// Sequential per-chunk sleeps would take writes*RTT = 5s.
	checkWithin(t, "100 pipelined round trips", time.Since(start), rtt, 2*rtt)
	if !bytes.Equal(got, bytes.Repeat(msg, writes)) {
		t.Fatal("echoed bytes differ")
	}
}

// transfer streams n bytes through the echo behind addr while reading the
// echo concurrently, and returns the elapsed time.
func transfer(t testing.TB, addr string, n int) time.Duration {
	t.Helper()
	c := dial(t, addr)
	payload := bytes.Repeat([]byte("wansim!"), n/7+1)[:n]
	start := time.Now()
	var wg sync.WaitGroup
	var werr error
	wg.Go(func() { _, werr = c.Write(payload) })
	got := make([]byte, n)
	_, rerr := io.ReadFull(c, got)
	wg.Wait()
	elapsed := time.Since(start)
	if werr != nil || rerr != nil {
		t.Fatalf("transfer: write %v, read %v", werr, rerr)
	}
	if !bytes.Equal(got, payload) {
		t.Fatal("echoed bytes differ")
	}
	return elapsed
}

func TestBandwidthCap(t *testing.T) {
	const size = 1 << 20
	const bps = 10_000_000 / 8       // 10 Mbit/s
	ideal := transmitTime(size, bps) // 0.839s
	srv := startEcho(t)
	capped := newProxy(t, Config{Target: srv.addr(), Bandwidth: bps})
	checkWithin(t, "1 MiB at 10 Mbit/s", transfer(t, capped.Addr(), size), ideal, ideal*3/2)

	unlimited := newProxy(t, Config{Target: srv.addr()})
	checkWithin(t, "1 MiB unlimited", transfer(t, unlimited.Addr(), size), 0, ideal/4)

	unlimited.SetBandwidth(bps)
	checkWithin(t, "1 MiB after SetBandwidth", transfer(t, unlimited.Addr(), size), ideal, ideal*3/2)
}

func TestSetRTTLive(t *testing.T) {
	const rtt = 80 * time.Millisecond
	srv := startEcho(t)
	p := newProxy(t, Config{Target: srv.addr()})
	c := dial(t, p.Addr())
	steps := []struct {
		rtt    time.Duration
		lo, hi time.Duration
	}{
		{rtt: 0, lo: 0, hi: rtt},
		{rtt: rtt, lo: rtt, hi: rtt + slack},
		{rtt: 0, lo: 0, hi: rtt},
		{rtt: -time.Second, lo: 0, hi: rtt}, // negative means 0
	}
	for _, st := range steps {
		p.SetRTT(st.rtt)
		checkWithin(t, "round trip after SetRTT("+st.rtt.String()+")", roundTrip(t, c, []byte("x")), st.lo, st.hi)
	}
}

func TestJitterKeepsOrder(t *testing.T) {
	srv := startEcho(t)
	p := newProxy(t, Config{Target: srv.addr(), RTT: 10 * time.Millisecond, Jitter: 10 * time.Millisecond})
	c := dial(t, p.Addr())
	var want []byte
	for i := range 200 {
		msg := []byte{byte(i)}
		want = append(want, msg...)
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if i%20 == 0 {
			time.Sleep(time.Millisecond) // spread reads over time so jitter draws differ
		}
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("bytes reordered: %v", got)
	}
}
