// Package soak holds a long-running leak check of turso-pooled: a read/write
// mix through the driver for SOAK_DURATION (e.g. 10m) while heap and
// goroutine counts are sampled. It is skipped unless SOAK_DURATION is set,
// so CI does not run it:
//
//	SOAK_DURATION=10m go test -run TestSoak -v -timeout 30m ./tests/soak/
package soak

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

type sample struct {
	at         time.Duration
	goroutines int
	heapBytes  uint64
	ops        int64
}

func takeSample(start time.Time, ops int64) sample {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return sample{at: time.Since(start).Round(time.Second), goroutines: runtime.NumGoroutine(), heapBytes: m.HeapAlloc, ops: ops}
}

func TestSoak(t *testing.T) {
	raw := os.Getenv("SOAK_DURATION")
	if raw == "" {
		t.Skip("set SOAK_DURATION (e.g. 10m) to run the soak test")
	}
	total, err := time.ParseDuration(raw)
	if err != nil {
		t.Fatalf("SOAK_DURATION: %v", err)
	}
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken("soak-token"))
	dbs := map[string]*sql.DB{}
	for name, url := range map[string]string{"http": srv.HTTPURL(), "ws": srv.WSURL()} {
		db, err := sql.Open(tursopooled.DriverName, url+"?authToken=soak-token&cache=on&compress=br&pool_max_conns=16")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE TABLE IF NOT EXISTS soak_" + name + " (k INTEGER PRIMARY KEY, v TEXT)"); err != nil {
			t.Fatal(err)
		}
		dbs[name] = db
	}
	ctx, cancel := context.WithTimeout(context.Background(), total)
	defer cancel()
	var ops, failures atomic.Int64
	var wg sync.WaitGroup
	for name, db := range dbs {
		for w := range 16 {
			wg.Go(func() { work(ctx, db, "soak_"+name, w, &ops, &failures) })
		}
	}
	start := time.Now()
	var samples []sample
	tick := time.NewTicker(total / 20)
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
			s := takeSample(start, ops.Load())
			samples = append(samples, s)
			t.Logf("t=%v goroutines=%d heap=%.1f MiB ops=%d", s.at, s.goroutines, float64(s.heapBytes)/(1<<20), s.ops)
		}
	}
	wg.Wait()
	if len(samples) < 4 {
		t.Fatalf("only %d samples", len(samples))
	}
	warm, last := samples[len(samples)/4], samples[len(samples)-1]
	t.Logf("summary: %d ops, %d failed; after warm-up (t=%v) goroutines %d → %d, heap %.1f → %.1f MiB",
		last.ops, failures.Load(), warm.at, warm.goroutines, last.goroutines,
		float64(warm.heapBytes)/(1<<20), float64(last.heapBytes)/(1<<20))
	if last.goroutines > warm.goroutines+10 {
		t.Errorf("goroutines grew from %d to %d", warm.goroutines, last.goroutines)
	}
	if last.heapBytes > warm.heapBytes*3/2+8<<20 {
		t.Errorf("heap grew from %d to %d bytes", warm.heapBytes, last.heapBytes)
	}
	if failures.Load() > 0 {
		t.Errorf("%d operations failed", failures.Load())
	}
}

// work runs a read-mostly mix with writes of ~2 KiB values on its own keys.
func work(ctx context.Context, db *sql.DB, table string, w int, ops, failures *atomic.Int64) {
	payload := fmt.Sprintf("%0512d", w) + fmt.Sprintf("%01536d", 0)
	for i := 0; ctx.Err() == nil; i++ {
		k := w*1_000_000 + i%500
		var err error
		if i%10 == 0 {
			_, err = db.ExecContext(ctx, "INSERT OR REPLACE INTO "+table+" (k, v) VALUES (?, ?)", k, payload)
		} else {
			var v sql.NullString
			err = db.QueryRowContext(ctx, "SELECT v FROM "+table+" WHERE k = ?", k).Scan(&v)
			if err == sql.ErrNoRows {
				err = nil
			}
		}
		if err != nil && ctx.Err() == nil {
			failures.Add(1)
		}
		ops.Add(1)
	}
}
