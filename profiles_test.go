package tursopooled_test

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// TestServerProfilesExpiredStream: against each real server's answer to
// an expired stream (sqld's 400, older sqld's 500, Turso Cloud's 404), an
// autocommit write on a kept stream is retried on a fresh stream and
// applied exactly once, with the relay and without; inside a transaction
// it fails with an error that keeps the server's message and says the
// transaction is gone, and nothing of the transaction is applied.
func TestServerProfilesExpiredStream(t *testing.T) {
	for _, prof := range []tursotest.Profile{tursotest.ProfileSqld, tursotest.ProfileSqldLegacy, tursotest.ProfileTursoCloud} {
		for _, relay := range []string{"on", "off"} {
			t.Run(fmt.Sprintf("%s/relay=%s", prof, relay), func(t *testing.T) {
				srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken), tursotest.WithProfile(prof))
				db := openPooled(t, target{url: srv.HTTPURL(), token: testToken}, "pool_min_conns=0&pool_max_conns=1&pool_http_relay="+relay)
				db.SetMaxOpenConns(1)
				ctx := testCtx(t)
				mustExec(t, db, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)")

				srv.ExpireStreams() // the kept stream's baton now gets the profile's expiry answer
				_, err := db.ExecContext(ctx, "INSERT INTO kv VALUES (1, 'a')")
				var maybe *tursopooled.MaybeAppliedError
				switch {
				case prof == tursotest.ProfileSqldLegacy && relay == "off":
					// The upstream reports this 500 as "error code 500: " with
					// its code lost: nothing says the write did not run, so
					// it is not retried, and the caller is told so.
					if !errors.As(err, &maybe) {
						t.Fatalf("error = %v, want a *MaybeAppliedError", err)
					}
					mustExec(t, db, "INSERT INTO kv VALUES (1, 'a')")
				case err != nil:
					t.Fatalf("autocommit INSERT after the stream expired: %v (it never ran: it must be retried)", err)
				}
				if n := countRows(t, db, "kv"); n != 1 {
					t.Fatalf("%d rows after one INSERT, want exactly 1", n)
				}

				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
					t.Fatal(err)
				}
				if _, err := conn.ExecContext(ctx, "INSERT INTO kv VALUES (2, 'b')"); err != nil {
					t.Fatal(err)
				}
				srv.ExpireStreams() // the server rolls the transaction back with the stream
				_, err = conn.ExecContext(ctx, "INSERT INTO kv VALUES (3, 'c')")
				switch {
				case err == nil:
					t.Fatal("a statement of an expired transaction succeeded")
				case relay == "on" && !strings.Contains(err.Error(), "transaction"):
					t.Errorf("error %q does not say what became of the transaction", err)
				}
				var se *tursopooled.ServerError
				if relay == "on" && (!errors.As(err, &se) || se.Message == "") {
					t.Errorf("error %q does not carry the server's answer as a *ServerError with its message", err)
				}
				conn.Close()
				if n := countRows(t, db, "kv"); n != 1 {
					t.Fatalf("%d rows after the expired transaction, want 1 (its writes are rolled back)", n)
				}
			})
		}
	}
}

// TestWrongTokenIsNotRetried: a refused token is a *ServerError (401)
// over HTTP, never driver.ErrBadConn, so database/sql does not retry it.
func TestWrongTokenIsNotRetried(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	db, err := sql.Open(tursopooled.DriverName, srv.HTTPURL()+"?authToken=wrong&pool_min_conns=0")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := srv.Stats().HTTPRequests
	_, err = db.ExecContext(testCtx(t), "SELECT 1")
	var se *tursopooled.ServerError
	if !errors.As(err, &se) || se.Status != 401 {
		t.Fatalf("error = %v, want a *ServerError with status 401", err)
	}
	if got := srv.Stats().HTTPRequests - before; got != 1 {
		t.Errorf("the server saw %d requests, want 1 (not retried)", got)
	}
}
