package tursoprom_test

import (
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	tursopooled "github.com/turso-pooled/tursopooled"
	tursoprom "github.com/turso-pooled/tursopooled/metrics/prometheus"
	"github.com/turso-pooled/tursopooled/tursotest"
	_ "github.com/tursodatabase/libsql-client-go/libsql" // registers "libsql"
)

const dsnParams = "cache=on&compress=br&compress_threshold=64&pool_min_conns=1"

// TestCollectorFollowsTheDB drives a real DB and checks that pool, cache and
// compression metrics move with it.
func TestCollectorFollowsTheDB(t *testing.T) {
	db := openDB(t, dsnParams)
	src, err := tursoprom.ForDB(db)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(tursoprom.NewCollector(src, tursoprom.WithConstLabels(prometheus.Labels{"db": "main"}))); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	before := scrape(t, reg)
	acquires0 := value(t, before, `turso_pooled_pool_acquires_total{db="main"}`)
	if got := value(t, before, `turso_pooled_cache_enabled{db="main"}`); got != 1 {
		t.Errorf("cache_enabled = %v, want 1", got)
	}
	if got := value(t, before, `turso_pooled_compression_enabled{db="main"}`); got != 1 {
		t.Errorf("compression_enabled = %v, want 1", got)
	}

	mustExec(t, db, "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT)")
	mustExec(t, db, "INSERT INTO docs (body) VALUES (?)", strings.Repeat("a compressible sentence. ", 100))
	var body string
	if err := db.QueryRowContext(ctx, "SELECT body FROM docs WHERE id = 1").Scan(&body); err != nil {
		t.Fatal(err)
	}
	// ristretto admits entries asynchronously: repeat the read until a hit.
	eventually(t, "a repeated SELECT is a cache hit", func() bool {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM docs").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return value(t, scrape(t, reg), `turso_pooled_cache_hits_total{db="main"}`) > 0
	})

	after := scrape(t, reg)
	if got := value(t, after, `turso_pooled_pool_acquires_total{db="main"}`); got <= acquires0 {
		t.Errorf("acquires_total = %v after queries, was %v", got, acquires0)
	}
	for _, key := range []string{
		`turso_pooled_pool_connections_created_total{db="main"}`,
		`turso_pooled_pool_max_connections{db="main"}`,
		`turso_pooled_cache_misses_total{db="main"}`,
		`turso_pooled_cache_entries{db="main"}`,
		`turso_pooled_cache_bytes{db="main"}`,
		`turso_pooled_compression_values_framed_total{db="main"}`,
		`turso_pooled_compression_values_decoded_total{db="main"}`,
	} {
		if got := value(t, after, key); got <= 0 {
			t.Errorf("%s = %v, want > 0", key, got)
		}
	}
	in := value(t, after, `turso_pooled_compression_bytes_in_total{db="main"}`)
	out := value(t, after, `turso_pooled_compression_bytes_out_total{db="main"}`)
	if in < 2500 || out <= 0 || out >= in {
		t.Errorf("compression bytes in = %v, out = %v: want in ≥ 2500 and 0 < out < in", in, out)
	}
	if got := value(t, after, `turso_pooled_cache_invalidations_total{db="main",scope="keys"}`) +
		value(t, after, `turso_pooled_cache_invalidations_total{db="main",scope="tables"}`) +
		value(t, after, `turso_pooled_cache_invalidations_total{db="main",scope="all"}`); got < 2 {
		t.Errorf("cache invalidations = %v after CREATE and INSERT, want ≥ 2", got)
	}
	checkSummaryMatchesCounters(t, after)
	checkOneBreakerState(t, after)
}

func checkSummaryMatchesCounters(t *testing.T, samples map[string]*dto.Metric) {
	t.Helper()
	m, ok := samples[`turso_pooled_pool_acquire_wait_seconds{db="main"}`]
	if !ok || m.GetSummary() == nil {
		t.Fatal("no acquire-wait summary")
	}
	s := m.GetSummary()
	if got, want := float64(s.GetSampleCount()), value(t, samples, `turso_pooled_pool_acquires_total{db="main"}`); got != want {
		t.Errorf("summary count = %v, acquires_total = %v", got, want)
	}
	if got, want := s.GetSampleSum(), value(t, samples, `turso_pooled_pool_acquire_wait_seconds_total{db="main"}`); got != want {
		t.Errorf("summary sum = %v, acquire_wait_seconds_total = %v", got, want)
	}
	if n := len(s.GetQuantile()); n != 3 {
		t.Errorf("summary has %d quantiles, want 3", n)
	}
}

func checkOneBreakerState(t *testing.T, samples map[string]*dto.Metric) {
	t.Helper()
	sum := 0.0
	for _, st := range []string{"closed", "open", "half-open"} {
		sum += value(t, samples, `turso_pooled_pool_breaker_state{db="main",state="`+st+`"}`)
	}
	if sum != 1 {
		t.Errorf("breaker states sum to %v, want exactly one state set", sum)
	}
	if v := value(t, samples, `turso_pooled_pool_breaker_state{db="main",state="closed"}`); v != 1 {
		t.Errorf("breaker closed = %v on a healthy server, want 1", v)
	}
}

// TestCollectorLintAndCount: the metric names pass promlint, and every
// Collect sends the same number of metrics as Describe announces families.
func TestCollectorLintAndCount(t *testing.T) {
	db := openDB(t, "pool_min_conns=0")
	src, err := tursoprom.ForDB(db)
	if err != nil {
		t.Fatal(err)
	}
	c := tursoprom.NewCollector(src)
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	// 70 counters and gauges (one per label value) plus the summary.
	if n := testutil.CollectAndCount(c); n != 71 {
		t.Errorf("CollectAndCount = %d, want 71", n)
	}
	if n := testutil.CollectAndCount(c, "turso_pooled_pool_connections_destroyed_total"); n != 8 {
		t.Errorf("destroyed_total has %d series, want one per reason (8)", n)
	}
	if got := testutil.ToFloat64(onlyMetric(c, "turso_pooled_cache_enabled")); got != 0 {
		t.Errorf("cache_enabled = %v with cache off, want 0", got)
	}
}

// onlyMetric wraps c so that it collects the one metric named name.
func onlyMetric(c prometheus.Collector, name string) prometheus.Collector {
	return filtered{c, name}
}

type filtered struct {
	prometheus.Collector
	name string
}

func (f filtered) Collect(ch chan<- prometheus.Metric) {
	all := make(chan prometheus.Metric)
	go func() { f.Collector.Collect(all); close(all) }()
	for m := range all {
		if strings.Contains(m.Desc().String(), `fqName: "`+f.name+`"`) {
			ch <- m
		}
	}
}

func (f filtered) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(f, ch) }

// TestCollectorOptions: namespaces and constant labels shape the names, and a
// bad name is reported by Register rather than by a panic.
func TestCollectorOptions(t *testing.T) {
	db := openDB(t, "pool_min_conns=0")
	src, err := tursoprom.ForDB(db)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    []tursoprom.Option
		key     string // a sample that must exist
		wantErr bool
	}{
		{name: "default", key: `turso_pooled_pool_acquires_total{}`},
		{name: "namespace", opts: []tursoprom.Option{tursoprom.WithNamespace("app_db")}, key: `app_db_pool_acquires_total{}`},
		{name: "no namespace", opts: []tursoprom.Option{tursoprom.WithNamespace("")}, key: `pool_acquires_total{}`},
		{name: "labels merge", opts: []tursoprom.Option{
			tursoprom.WithConstLabels(prometheus.Labels{"db": "main"}),
			tursoprom.WithConstLabels(prometheus.Labels{"region": "eu"}),
		}, key: `turso_pooled_cache_hits_total{db="main",region="eu"}`},
		{name: "namespace not UTF-8", opts: []tursoprom.Option{tursoprom.WithNamespace("bad\xff")}, wantErr: true},
		{name: "label clashes with a variable label", opts: []tursoprom.Option{
			tursoprom.WithConstLabels(prometheus.Labels{"state": "x"})}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			err := reg.Register(tursoprom.NewCollector(src, tt.opts...))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Register error = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if _, ok := scrape(t, reg)[tt.key]; !ok {
				t.Errorf("no sample %s", tt.key)
			}
		})
	}
}

// TestForDB: only a DB of the turso-pooled driver has a connector to read.
func TestForDB(t *testing.T) {
	srv := tursotest.NewTestServer(t)
	libsqlDB, err := sql.Open("libsql", srv.HTTPURL())
	if err != nil {
		t.Fatal(err)
	}
	defer libsqlDB.Close()
	pooled := openDB(t, "pool_min_conns=0")
	c, err := tursopooled.NewConnector(srv.HTTPURL() + "?pool_min_conns=0")
	if err != nil {
		t.Fatal(err)
	}
	viaConnector := sql.OpenDB(c)
	defer viaConnector.Close()
	tests := []struct {
		name    string
		db      *sql.DB
		wantErr error
	}{
		{"sql.Open turso-pooled", pooled, nil},
		{"sql.OpenDB connector", viaConnector, nil},
		{"plain libsql", libsqlDB, tursoprom.ErrNotTursoPooled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := tursoprom.ForDB(tt.db)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ForDB error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && src == nil {
				t.Fatal("ForDB returned a nil source without error")
			}
		})
	}
	if _, err := tursoprom.ForDB(nil); err == nil || !strings.HasPrefix(err.Error(), "tursoprom:") {
		t.Errorf("ForDB(nil) error = %v, want a tursoprom: error", err)
	}
}

// TestCollectConcurrentWithQueries scrapes while queries run, for -race.
func TestCollectConcurrentWithQueries(t *testing.T) {
	db := openDB(t, dsnParams)
	src, err := tursoprom.ForDB(db)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(tursoprom.NewCollector(src))
	ctx := testCtx(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n int
				if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 50 {
		if _, err := reg.Gather(); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
}
