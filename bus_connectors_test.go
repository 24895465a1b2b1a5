package tursopooled_test

import (
	"database/sql"
	"testing"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/internal/redistest"
)

// TestBusWritePaths: each kind of write through one *sql.DB (keyed,
// table-level, DDL, inside a transaction until COMMIT) has its
// invalidation accepted by Redis before the write returns, and drops the
// other *sql.DB's cached read. (Separate connectors have separate caches;
// the tests with separate processes are TestBusReplicas and
// TestBusVisibility.)
func TestBusWritePaths(t *testing.T) {
	srv := redistest.Start(t)
	tg := target{name: "http", url: env.plain.HTTPURL(), token: testToken}
	params := "pool_min_conns=0&cache=on&cache_ttl=1m&cache_bus=" + srv.URL()
	a, b := openPooled(t, tg, params), openPooled(t, tg, params)
	for _, db := range []*sql.DB{a, b} {
		eventuallyBus(t, "subscribed", func() bool { return ckStats(t, db).Bus.Subscribed })
	}
	kv := tableName("bw")
	ckExec(t, a, "CREATE TABLE "+kv+" (k INTEGER PRIMARY KEY, v TEXT)")
	ckExec(t, a, "INSERT INTO "+kv+" (k, v) VALUES (1, 'a'), (2, 'a')")
	read := "SELECT v FROM " + kv + " WHERE k = ?"
	scan := "SELECT group_concat(v) FROM " + kv
	var applied uint64 // b's applied messages before the write's last invalidation

	tests := []struct {
		name  string
		write func(t *testing.T)
		query string
		args  []any
		want  string
	}{
		{"keyed update", func(t *testing.T) { ckExec(t, a, "UPDATE "+kv+" SET v = 'b' WHERE k = ?", 1) }, read, []any{1}, "b"},
		{"table-level update", func(t *testing.T) { ckExec(t, a, "UPDATE "+kv+" SET v = v || 'c'") }, scan, nil, "bc,ac"},
		{"DDL", func(t *testing.T) { ckExec(t, a, "CREATE INDEX "+kv+"_v ON "+kv+" (v)") }, read, []any{2}, "ac"},
		{"transaction, at COMMIT", func(t *testing.T) {
			tx, err := a.BeginTx(testCtx(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(testCtx(t), "UPDATE "+kv+" SET v = 'd' WHERE k = ?", 2); err != nil {
				t.Fatal(err)
			}
			eventuallyBus(t, "b applies the in-transaction invalidation", func() bool { return ckStats(t, b).Bus.Applied > applied })
			ckRead(t, b, "ac", read, 2) // b refills with the committed value meanwhile
			applied = ckStats(t, b).Bus.Applied
			published := ckStats(t, a).Bus.Published
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if ckStats(t, a).Bus.Published == published {
				t.Error("COMMIT returned before its invalidation was published")
			}
		}, read, []any{2}, "d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// a's earlier messages, in flight, would make b's fill stale at birth.
			eventuallyBus(t, "b applied every message of a", func() bool { return ckStats(t, b).Bus.Applied == ckStats(t, a).Bus.Published })
			var old string
			hits := ckStats(t, b).Cache.Hits
			for range 2 { // the second read is a hit
				if err := b.QueryRowContext(testCtx(t), tt.query, tt.args...).Scan(&old); err != nil {
					t.Fatal(err)
				}
			}
			if ckStats(t, b).Cache.Hits == hits {
				t.Fatal("the read before the write was not a hit: nothing would be tested")
			}
			published := ckStats(t, a).Bus.Published
			applied = ckStats(t, b).Bus.Applied
			tt.write(t)
			if ckStats(t, a).Bus.Published == published {
				t.Fatal("the write returned before its invalidation was published")
			}
			eventuallyBus(t, "b applies it", func() bool { return ckStats(t, b).Bus.Applied > applied })
			ckRead(t, b, tt.want, tt.query, tt.args...)
		})
	}
	if s, _ := tursopooled.StatsOf(a); s.Bus.Applied != 0 && s.Bus.Own == 0 {
		t.Errorf("a's bus %+v: its own messages must be skipped", s.Bus)
	}
}
