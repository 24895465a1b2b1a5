package tursopooled_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/tursotest"
)

// streamServer is a server setting of the stream-lifetime tests.
type streamServer struct {
	name string
	opts []tursotest.Option
}

// statelessServers close every stateless stream after its answer (null
// baton), as Turso Cloud may.
var statelessServers = []streamServer{
	{name: "sqld+stateless", opts: []tursotest.Option{tursotest.WithStatelessClose(true)}},
	{name: "turso-cloud", opts: []tursotest.Option{tursotest.WithProfile(tursotest.ProfileTursoCloud),
		tursotest.WithStatelessClose(true), tursotest.WithStreamTTLField(true)}},
}

// TestNullBatonIsAClosedStream: when the server closes a stateless stream
// after an answer (a null baton), the connection opens a new stream for
// its next statement instead of failing it. The statements run on one
// *sql.Conn, which database/sql never retries: before streams followed
// the server's lifetime, the second statement failed with "stream is
// closed". Each write is applied exactly once; transactions and prepared
// statements work across the closed streams.
func TestNullBatonIsAClosedStream(t *testing.T) {
	for _, sv := range statelessServers {
		for _, relay := range []string{"on", "off"} {
			t.Run(fmt.Sprintf("%s/relay=%s", sv.name, relay), func(t *testing.T) {
				srv := tursotest.NewTestServer(t, append([]tursotest.Option{tursotest.WithAuthToken(testToken)}, sv.opts...)...)
				db := openPooled(t, target{url: srv.HTTPURL(), token: testToken}, "pool_min_conns=0&pool_max_conns=2&pool_http_relay="+relay)
				ctx := testCtx(t)
				tbl := tableName("nullbaton")
				mustExec(t, db, "CREATE TABLE "+tbl+" (k INTEGER PRIMARY KEY, v TEXT)")
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				opened := srv.Stats().StreamsOpened
				for i := range 4 {
					if _, err := conn.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (?, 'a')", i); err != nil {
						t.Fatalf("autocommit INSERT %d on one conn: %v", i, err)
					}
				}
				if got := srv.Stats().StreamsOpened - opened; got < 4 {
					t.Errorf("the server opened %d streams for 4 statements, want 4 (it closed each one)", got)
				}
				stmt, err := conn.PrepareContext(ctx, "INSERT INTO "+tbl+" VALUES (?, 'p')")
				if err != nil {
					t.Fatal(err)
				}
				for i := 10; i < 12; i++ {
					if _, err := stmt.ExecContext(ctx, i); err != nil {
						t.Fatalf("prepared INSERT %d: %v", i, err)
					}
				}
				_ = stmt.Close()
				tx, err := conn.BeginTx(ctx, nil)
				if err != nil {
					t.Fatalf("BeginTx after a closed stream: %v", err)
				}
				for i := 20; i < 22; i++ {
					if _, err := tx.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (?, 't')", i); err != nil {
						t.Fatalf("INSERT %d in the transaction: %v", i, err)
					}
				}
				if err := tx.Commit(); err != nil {
					t.Fatalf("Commit: %v", err)
				}
				var n int
				if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+tbl).Scan(&n); err != nil {
					t.Fatalf("count on one conn: %v", err)
				}
				if n != 8 {
					t.Fatalf("%d rows, want 8 (each write applied exactly once)", n)
				}
			})
		}
	}
}

// TestStreamTTLHonoured: a server that announces stream_ttl_ms shorter
// than the 5 s after which a kept stream is otherwise replaced gets no
// request on an expired stream: the connection replaces its stream once
// half the announced lifetime has passed. The connection is reused
// through db.Conn, on which database/sql retries nothing, so a request on
// the expired stream would fail the caller. The upstream driver ignores
// the field, so only the relay can read it.
func TestStreamTTLHonoured(t *testing.T) {
	const expiry = 400 * time.Millisecond
	servers := []streamServer{
		{name: "sqld+ttl", opts: []tursotest.Option{tursotest.WithStreamTTLField(true)}},
		{name: "turso-cloud", opts: []tursotest.Option{tursotest.WithProfile(tursotest.ProfileTursoCloud), tursotest.WithStreamTTLField(true)}},
	}
	for _, sv := range servers {
		t.Run(sv.name, func(t *testing.T) {
			opts := append([]tursotest.Option{tursotest.WithAuthToken(testToken), tursotest.WithStreamExpiry(expiry)}, sv.opts...)
			srv := tursotest.NewTestServer(t, opts...)
			db := openPooled(t, target{url: srv.HTTPURL(), token: testToken}, "pool_min_conns=0&pool_max_conns=1")
			db.SetMaxOpenConns(1)
			ctx := testCtx(t)
			tbl := tableName("ttl")
			mustExec(t, db, "CREATE TABLE "+tbl+" (k INTEGER PRIMARY KEY)")
			steps := []struct {
				name string
				run  func(ctx context.Context, c *sql.Conn, i int) error
			}{
				{"autocommit INSERT", func(ctx context.Context, c *sql.Conn, i int) error {
					_, err := c.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (?)", i)
					return err
				}},
				{"transaction", func(ctx context.Context, c *sql.Conn, i int) error {
					tx, err := c.BeginTx(ctx, nil)
					if err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (?)", i); err != nil {
						_ = tx.Rollback()
						return err
					}
					return tx.Commit()
				}},
			}
			for i, st := range steps {
				time.Sleep(2 * expiry) // past the server's expiry, well within the 5 s default
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				err = st.run(ctx, conn, i)
				_ = conn.Close()
				if err != nil {
					t.Fatalf("%s after %v idle on a server announcing stream_ttl_ms=%d: %v", st.name, 2*expiry, expiry.Milliseconds(), err)
				}
			}
			if n := countRows(t, db, tbl); n != len(steps) {
				t.Fatalf("%d rows, want %d", n, len(steps))
			}
		})
	}
}
