package faults

import (
	"errors"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/pool"
)

// Circuit breaker test settings.
const (
	breakerRefuseFor      = 2 * time.Second
	breakerConnectTimeout = 2 * time.Second
	breakerFastFail       = breakerConnectTimeout / 4 // "well under pool_connect_timeout"
	breakerFastShare      = 0.9                       // share of failures that must be that fast
	breakerPostFault      = 1500 * time.Millisecond   // load after the fault; the breaker closes at the first probe that succeeds
)

// TestCircuitBreakerUnderLoad: while the server refuses connections (after
// dropping the open ones), the breaker opens after 3 dials in a row failed
// (over at least its 100ms minimum span) and callers fail fast with a
// clear error instead of each waiting for a dial; once the server accepts
// again the pool serves everyone again. The
// transport is WebSocket, where a connection is a dial (over HTTP a pooled
// connection is a stream and dialing does no I/O, so the breaker has
// nothing to count).
func TestCircuitBreakerUnderLoad(t *testing.T) {
	f := newFixture(t, transport{name: "ws", scheme: "ws"}, baseRTT)
	db := f.openPooled(t, "pool_min_conns=0&pool_breaker_threshold=3&pool_connect_timeout="+breakerConnectTimeout.String())
	table := "t_breaker"
	createTable(t, db, table)

	r := run{name: "breaker", transport: "ws", workers: workers()}
	ld := startLoad(db, table, r.workers)
	time.Sleep(warmup) // the load runs undisturbed for a while
	r.faultStart = time.Now()
	f.srv.RefuseConnections(breakerRefuseFor)
	f.srv.DropConnections()
	r.faultEnd = r.faultStart.Add(breakerRefuseFor)
	time.Sleep(time.Until(r.faultEnd.Add(breakerPostFault))) // the fault, then the load runs on
	r.recs = ld.wait()
	st, _ := tursopooled.StatsOf(db)
	r.finish(t, f, db, table)

	r.checkCommon(t)
	if st.Pool.BreakerOpens() == 0 {
		t.Errorf("the circuit breaker never opened (state %s)", st.Pool.BreakerState())
	}
	fast, failed, open := r.failuresDuring(breakerFastFail)
	logf(t, "%d calls failed during the fault, %d within %v, %d with the breaker open", failed, fast, breakerFastFail, open)
	if failed == 0 || open == 0 {
		t.Fatalf("%d failures during the fault, %d of them with the breaker open; want both > 0", failed, open)
	}
	if share := float64(fast) / float64(failed); share < breakerFastShare {
		t.Errorf("only %.0f%% of the failures returned within %v, want ≥ %.0f%% (pool_connect_timeout %v)",
			100*share, breakerFastFail, 100*breakerFastShare, breakerConnectTimeout)
	}
	if !r.out.recovered {
		t.Errorf("service did not return within %v after the fault ended", breakerPostFault)
	}
	logSummary(t, "breaker")
}

// failuresDuring counts the calls that started after the fault's start and
// failed: how many, how many within fast, and how many with a
// CircuitOpenError.
func (r *run) failuresDuring(fast time.Duration) (nFast, nFailed, nOpen int) {
	for _, rec := range r.recs {
		if rec.err == nil || rec.start.Before(r.faultStart) {
			continue
		}
		nFailed++
		if rec.duration() <= fast {
			nFast++
		}
		if errors.Is(rec.err, pool.ErrCircuitOpen) {
			nOpen++
		}
	}
	return nFast, nFailed, nOpen
}
