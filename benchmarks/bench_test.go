package main

import (
	"database/sql"
	"testing"

	"github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// TestWaitPrewarm checks that the wait for the pre-warm ends only once
// pool_min_conns connections are dialed and idle, and at once when there is
// nothing to pre-warm.
func TestWaitPrewarm(t *testing.T) {
	srv, err := tursotest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	for _, tc := range []struct {
		name   string
		params string
		want   int
	}{
		{"three", "?pool_min_conns=3&pool_max_conns=8", 3},
		{"none", "?pool_min_conns=0&pool_max_conns=8", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sql.Open("turso-pooled", srv.WSURL()+tc.params)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			idle, ok := waitPrewarm(t.Context(), db)
			if !ok || idle != tc.want {
				t.Fatalf("waitPrewarm = %d, %v; want %d, true", idle, ok, tc.want)
			}
			st, _ := tursopooled.StatsOf(db)
			if p := st.Pool; int(p.IdleConns()) < tc.want || p.ConstructingConns() != 0 {
				t.Errorf("after the wait: %d idle, %d dialing; want ≥ %d idle, none dialing", p.IdleConns(), p.ConstructingConns(), tc.want)
			}
		})
	}
	db, err := allConfigs[1].open(srv.WSURL(), "", poolSizes{Tuned: 2}) // libsql-tuned
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, ok := waitPrewarm(t.Context(), db); ok {
		t.Error("waitPrewarm on a libsql DB reported a finished pre-warm")
	}
}
