package faults

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/pool"
)

// Saturation test settings: 2 connections for 32 callers, a short wait
// bound, and a link slow enough that every call holds its connection for a
// while.
const (
	saturationMaxConns       = 2
	saturationConnectTimeout = 300 * time.Millisecond
	saturationRTT            = 20 * time.Millisecond
	saturationFor            = 2500 * time.Millisecond
)

// acquireTimeoutText is the shape of the pool's timeout error.
var acquireTimeoutText = regexp.MustCompile(`turso-pooled: pool: timed out after \d+ms waiting for a connection \(\d+ of \d+ in use, target \d+\)`)

// TestSaturation: with pool_max_conns=2 and 32 workers, callers that cannot
// get a connection within pool_connect_timeout get a clear timeout error
// naming the pool's state, nobody hangs, no connection leaks, and no write
// is lost or doubled.
func TestSaturation(t *testing.T) {
	for _, tr := range transports[:2] {
		t.Run(tr.name, func(t *testing.T) { runSaturation(t, tr) })
	}
	logSummary(t, "saturation")
}

func runSaturation(t *testing.T, tr transport) {
	f := newFixture(t, tr, saturationRTT)
	db := f.openPooled(t, "pool_max_conns=2&pool_connect_timeout="+saturationConnectTimeout.String())
	table := "t_saturation"
	createTable(t, db, table)

	r := run{name: "saturation", transport: tr.name, workers: 32}
	ld := startLoad(db, table, r.workers)
	r.faultStart = time.Now()
	time.Sleep(saturationFor) // the load saturates the pool for a while
	r.faultEnd = time.Now()
	r.recs = ld.wait()
	checkNoConnLeak(t, db)
	if err := db.Close(); err != nil {
		t.Errorf("db.Close: %v", redact(err.Error()))
	}
	openStreams := streamsLeftOpen(f)
	r.noRecovery = true
	r.finish(t, f, db, table)

	r.checkCommon(t)
	timeouts, slowest := r.acquireTimeouts(t)
	logf(t, "%d calls timed out waiting for a connection; the slowest took %v", timeouts, slowest.Round(time.Millisecond))
	if timeouts == 0 {
		t.Errorf("no caller timed out waiting for one of %d connections; the test did not saturate the pool", saturationMaxConns)
	}
	if limit := saturationConnectTimeout + callSlack; slowest > limit {
		t.Errorf("a caller waited %v for a connection, want ≤ %v (pool_connect_timeout plus %v)", slowest, limit, callSlack)
	}
	if openStreams > 0 {
		t.Errorf("%d streams still open on the server %v after db.Close", openStreams, streamCloseWait)
	}
}

// acquireTimeouts checks every pool timeout error's type and text and
// returns how many there were and the longest call among them.
func (r *run) acquireTimeouts(t *testing.T) (n int, slowest time.Duration) {
	t.Helper()
	for _, rec := range r.recs {
		var te *pool.AcquireTimeoutError
		if !errors.As(rec.err, &te) {
			continue
		}
		n++
		slowest = max(slowest, rec.duration())
		if te.Max != saturationMaxConns || !errors.Is(rec.err, context.DeadlineExceeded) {
			t.Errorf("timeout error with Max %d (want %d), errors.Is(DeadlineExceeded) %v", te.Max, saturationMaxConns,
				errors.Is(rec.err, context.DeadlineExceeded))
		}
		if msg := rec.err.Error(); !acquireTimeoutText.MatchString(msg) {
			t.Errorf("timeout error %q does not match %v", redact(msg), acquireTimeoutText)
		}
	}
	return n, slowest
}

// checkNoConnLeak checks that once every caller returned, every pool
// connection in use is one of database/sql's idle connections (which keep
// their lease), nobody waits, and the pool is within its ceiling.
func checkNoConnLeak(t *testing.T, db *sql.DB) {
	t.Helper()
	st, ok := tursopooled.StatsOf(db)
	if !ok {
		t.Fatal("StatsOf: not a turso-pooled DB")
	}
	p, ds := st.Pool, db.Stats()
	logf(t, "pool: total %d, in use %d (database/sql idle %d, in use %d), waiting %d, acquires %d, canceled acquires %d",
		p.TotalConns(), p.InUseConns(), ds.Idle, ds.InUse, p.WaitingAcquires(), p.AcquireCount(), p.CanceledAcquireCount())
	if ds.InUse != 0 || int(p.InUseConns()) != ds.Idle || p.WaitingAcquires() != 0 {
		t.Errorf("after the load: %d pool connections in use but database/sql holds %d idle and %d in use; %d acquires waiting",
			p.InUseConns(), ds.Idle, ds.InUse, p.WaitingAcquires())
	}
	if p.TotalConns() > saturationMaxConns {
		t.Errorf("the pool holds %d connections, more than pool_max_conns=%d", p.TotalConns(), saturationMaxConns)
	}
}

// streamCloseWait bounds the wait for the server to see a closed DB's
// streams closed.
const streamCloseWait = 3 * time.Second

// streamsLeftOpen waits (bounded) for the server to see every stream of the
// closed DB closed and returns how many are still open: a stream left open
// is a leak on the server.
func streamsLeftOpen(f *fixture) int64 {
	deadline := time.Now().Add(streamCloseWait)
	for f.srv.Stats().ActiveStreams > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // polling: the server offers no notification
	}
	return f.srv.Stats().ActiveStreams
}
