package main

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/benchmarks/wansim"

	"github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

func TestZZScratch(t *testing.T) {
	srv, err := tursotest.NewServer(tursotest.WithTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	defer srv.TrustInProcess()()
	px, err := wansim.New(wansim.Config{Target: srv.Addr(), RTT: 20 * time.Millisecond, ConnectRTT: true})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	db, err := sql.Open("turso-pooled", "wss://"+px.Addr()+"?cache=on&compress=br")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	tb := tablesFor("x_")
	if err := createSchema(ctx, db, tb); err != nil {
		t.Fatal(err)
	}
	q := newEpisodeSQL(tb)
	docs := newDocPool(8, 2<<10, 8<<10, 1)
	fn := episode(db, q, docs)
	for k := range 4 {
		st0, _ := tursopooled.StatsOf(db)
		r := drive(ctx, 1, 300*time.Millisecond, uint64(k), fn)
		st, _ := tursopooled.StatsOf(db)
		fmt.Printf("units=%d hits=%d misses=%d sets=%d stale=%d getsStale=%d expired=%d inval=%d rej=%d drop=%d\n", len(r.units), st.Cache.Hits-st0.Cache.Hits, st.Cache.Misses-st0.Cache.Misses,
			st.Cache.Sets-st0.Cache.Sets, st.Cache.SetsStale-st0.Cache.SetsStale, st.Cache.GetsStale-st0.Cache.GetsStale, st.Cache.ExpiredByScore-st0.Cache.ExpiredByScore,
			st.Cache.Invalidations-st0.Cache.Invalidations, st.Cache.SetsRejected-st0.Cache.SetsRejected, st.Cache.SetsDropped-st0.Cache.SetsDropped)
	}
}
