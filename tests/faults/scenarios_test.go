package faults

import (
	"net/http"
	"testing"
	"time"
)

// Timing of a scenario and its bounds.
const (
	healthCheckPeriod = time.Second            // pool_health_check_period of every DSN
	recoverySlack     = time.Second            // allowed on top of one health-check period
	callSlack         = 500 * time.Millisecond // allowed on top of a call's deadline
	warmup            = 600 * time.Millisecond // load before the fault
	postFault         = 2500 * time.Millisecond
	baseRTT           = 5 * time.Millisecond
	spikeBaseRTT      = 20 * time.Millisecond
	spikeRTT          = 500 * time.Millisecond
	spikeFor          = 2 * time.Second
	failFor           = 1500 * time.Millisecond
)

// scenario is one fault injected under load.
type scenario struct {
	name string
	rtt  time.Duration // the proxy's round-trip time before (and after) the fault
	// hideReads: the driver must hide the fault from reads entirely (they
	// never reach the server or are safe to retry).
	hideReads bool
	// inject applies the fault and returns when it ends, with that time.
	inject func(t *testing.T, f *fixture) time.Time
}

// refuseFor is how long the refusing scenario lasts: 5 s as the issue
// asks, 2 s with -short.
func refuseFor() time.Duration {
	if testing.Short() {
		return 2 * time.Second
	}
	return 5 * time.Second
}

// scenarios returns the faults every transport goes through.
func scenarios() []scenario {
	return []scenario{
		{name: "restart", rtt: baseRTT, inject: func(t *testing.T, f *fixture) time.Time {
			if err := f.srv.Restart(); err != nil {
				t.Errorf("Restart: %v", err)
			}
			return time.Now()
		}},
		{name: "drop-server", rtt: baseRTT, hideReads: true, inject: func(_ *testing.T, f *fixture) time.Time {
			f.srv.DropConnections()
			return time.Now()
		}},
		{name: "drop-network", rtt: baseRTT, hideReads: true, inject: func(_ *testing.T, f *fixture) time.Time {
			f.proxy.DropAll()
			return time.Now()
		}},
		{name: "expire-streams", rtt: baseRTT, hideReads: true, inject: func(_ *testing.T, f *fixture) time.Time {
			f.srv.ExpireStreams()
			return time.Now()
		}},
		{name: "latency-spike", rtt: spikeBaseRTT, inject: func(_ *testing.T, f *fixture) time.Time {
			f.proxy.SetRTT(spikeRTT)
			time.Sleep(spikeFor) // the fault's duration
			f.proxy.SetRTT(spikeBaseRTT)
			return time.Now()
		}},
		{name: "refuse", rtt: baseRTT, inject: func(_ *testing.T, f *fixture) time.Time {
			d := refuseFor()
			start := time.Now()
			f.srv.RefuseConnections(d)
			f.srv.DropConnections() // open connections are not refused: drop them
			end := start.Add(d)
			time.Sleep(time.Until(end)) // the fault's duration
			return end
		}},
		{name: "http-5xx-429", rtt: baseRTT, inject: func(_ *testing.T, f *fixture) time.Time {
			f.srv.FailNextRequests(1<<30, http.StatusServiceUnavailable)
			time.Sleep(failFor / 2) // the fault's duration
			f.srv.FailNextRequests(1<<30, http.StatusTooManyRequests)
			time.Sleep(failFor / 2)
			f.srv.FailNextRequests(0, http.StatusServiceUnavailable)
			return time.Now()
		}},
	}
}

// workers is the number of concurrent callers: 32, as the issue asks, or
// 16 under the race detector, which makes every call several times more
// expensive on the shared 2-core machines.
func workers() int {
	if raceEnabled {
		return 16
	}
	return 32
}

// TestFaultScenarios runs every scenario on every transport and logs the
// summary table.
func TestFaultScenarios(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			for _, sc := range scenarios() {
				t.Run(sc.name, func(t *testing.T) { runScenario(t, tr, sc) })
			}
		})
	}
	logSummary(t, "")
}
