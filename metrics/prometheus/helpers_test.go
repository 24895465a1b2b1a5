package tursoprom_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	_ "github.com/turso-pooled/tursopooled" // registers "turso-pooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// openDB starts an in-process server and opens a turso-pooled DB on it with
// the given DSN parameters; both close when the test ends.
func openDB(t *testing.T, params string) *sql.DB {
	t.Helper()
	srv := tursotest.NewTestServer(t)
	db, err := sql.Open("turso-pooled", srv.HTTPURL()+"?"+params)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("db.Close: %v", err)
		}
	})
	return db
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(testCtx(t), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// scrape gathers reg and indexes every sample by metric name and label set
// (rendered as name{k="v",…} in label-name order, const labels included).
func scrape(t *testing.T, reg *prometheus.Registry) map[string]*dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.Metric{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + "{"
			for i, lp := range m.GetLabel() {
				if i > 0 {
					key += ","
				}
				key += lp.GetName() + "=" + `"` + lp.GetValue() + `"`
			}
			out[key+"}"] = m
		}
	}
	return out
}

// value returns the value of a counter or gauge sample, failing the test
// when it is absent.
func value(t *testing.T, samples map[string]*dto.Metric, key string) float64 {
	t.Helper()
	m, ok := samples[key]
	if !ok {
		t.Fatalf("no sample %s", key)
	}
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	t.Fatalf("sample %s is neither a counter nor a gauge", key)
	return 0
}

// eventually polls cond every 10ms until it holds or 10s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
