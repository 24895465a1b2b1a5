package relay

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/tursotest"
	"github.com/tursodatabase/libsql-client-go/libsql"
)

// selectOnes runs clients × perClient "SELECT 1" queries on db.
func selectOnes(t *testing.T, db *sql.DB, clients, perClient int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			for j := range perClient {
				var n int
				if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil || n != 1 {
					t.Errorf("client %d query %d: got %d, %v", i, j, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// openUpstream opens the upstream libsql driver on dbURL with opts and
// registers a Close that waits for the server's streams to close (the
// upstream closes them asynchronously).
func openUpstream(t *testing.T, srv *tursotest.Server, dbURL string, opts ...libsql.Option) *sql.DB {
	t.Helper()
	conn, err := libsql.NewConnector(dbURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() {
		db.Close()
		waitFor(t, "the server's streams to close", func() bool { return srv.Stats().ActiveStreams == 0 })
	})
	return db
}

// relayFor starts a relay in front of srv that trusts srv's CA explicitly.
func relayFor(t *testing.T, srv *tursotest.Server, maxConns int) *Relay {
	t.Helper()
	u, err := url.Parse(srv.HTTPURL())
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: srv.CertPool()} // nil pool = system roots
	r, err := New(Config{Target: u, Secret: NewSecret(), MaxConns: maxConns, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close relay: %v", err)
		}
	})
	return r
}

func TestEndToEndUpstreamDriver(t *testing.T) {
	const maxConns, clients = 8, 32
	perClient := 100
	if testing.Short() {
		perClient = 10
	}
	tests := []struct {
		name string
		opts []tursotest.Option
	}{
		{name: "Server=http1"},
		{name: "Server=https1", opts: []tursotest.Option{tursotest.WithTLS(), tursotest.WithHTTP2(false)}},
		{name: "Server=h2", opts: []tursotest.Option{tursotest.WithTLS()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			direct := tursotest.NewTestServer(t, tt.opts...)
			selectOnes(t, openUpstream(t, direct, direct.HTTPURL()), clients, perClient)

			srv := tursotest.NewTestServer(t, tt.opts...)
			r := relayFor(t, srv, maxConns)
			name, value := r.SecretHeader()
			db := openUpstream(t, srv, srv.HTTPURL(),
				libsql.WithProxy(r.URL()), libsql.WithRequestHeaders(map[string]string{name: value}))
			selectOnes(t, db, clients, perClient)

			st := srv.Stats()
			t.Logf("%d×%d SELECT 1: server accepted %d TCP connections (%d TLS handshakes, %d h2) via the relay (MaxConns=%d); %d without it",
				clients, perClient, st.TCPAccepted, st.TLSHandshakes, st.H2Conns, maxConns, direct.Stats().TCPAccepted)
			if st.TCPAccepted < 1 || st.TCPAccepted > maxConns {
				t.Errorf("server accepted %d connections via the relay; want 1..%d", st.TCPAccepted, maxConns)
			}
			if rs := r.Stats(); rs.Requests < int64(clients*perClient) || rs.Rejected != 0 || rs.Errors != 0 {
				t.Errorf("relay Stats = %+v; want ≥ %d requests, none rejected or failed", rs, clients*perClient)
			}
		})
	}
}

func TestEndToEndRelayErrorReachesDriver(t *testing.T) {
	srv := tursotest.NewTestServer(t)
	r := relayFor(t, srv, 2)
	tests := []struct {
		name, secret, want string
		recorded           bool // the relay records a Failure
	}{
		{name: "Secret=wrong", secret: NewSecret(), want: "turso-pooled relay: missing or wrong"},
		{name: "Target=down", secret: "$", want: "turso-pooled relay: dial tcp", recorded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.secret == "$" {
				if err := srv.Close(); err != nil {
					t.Fatal(err)
				}
				_, tt.secret = r.SecretHeader()
			}
			db := openUpstream(t, srv, srv.HTTPURL(),
				libsql.WithProxy(r.URL()), libsql.WithRequestHeaders(map[string]string{SecretHeaderName: tt.secret}))
			var n int
			err := db.QueryRow("SELECT 1").Scan(&n)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("query error %v; want one containing %q", err, tt.want)
			}
			t.Logf("upstream error: %q", err)
			f, ok := r.Failure(err)
			var op *net.OpError
			switch {
			case !tt.recorded:
				if ok {
					t.Errorf("Failure of a 403 = %+v; want no record", *f)
				}
			case !ok:
				t.Errorf("Failure(%q) found nothing", err)
			case f.Status != 0 || f.Written || !errors.As(f.Err, &op):
				t.Errorf("Failure = %+v; want Status 0, Written false, a *net.OpError", *f)
			}
		})
	}
}

func TestEndToEndFailureThroughDriver(t *testing.T) {
	srv := tursotest.NewTestServer(t)
	r := relayFor(t, srv, 2)
	name, value := r.SecretHeader()
	db := openUpstream(t, srv, srv.HTTPURL(),
		libsql.WithProxy(r.URL()), libsql.WithRequestHeaders(map[string]string{name: value}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A trigger's message that looks like an HTTP error, with a marker of
	// this relay's real tag: it arrives in a 200 answer and has no record.
	forged := "error code 400: quota exceeded " + mark(r.markPrefix, 99999)
	for _, q := range []string{
		"CREATE TABLE quota (n INTEGER)",
		"CREATE TRIGGER quota_full BEFORE INSERT ON quota BEGIN SELECT RAISE(FAIL, '" + forged + "'); END",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		run  func(t *testing.T) error
		want *Failure // nil: no record
	}{
		{name: "Answer=sql-error", run: func(t *testing.T) error {
			_, err := db.ExecContext(ctx, "INSERT INTO quota VALUES (1)")
			return err
		}},
		{name: "Answer=stream-expired", run: func(t *testing.T) error {
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var n int
			if err := conn.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
				t.Fatal(err)
			}
			srv.ExpireStreams()
			return conn.QueryRowContext(ctx, "SELECT 1").Scan(&n)
		}, want: &Failure{Status: 400, ContentType: "application/json", Code: "STREAM_EXPIRED",
			Message: "The stream has expired due to inactivity", Written: true}},
		{name: "Answer=503", run: func(t *testing.T) error {
			srv.FailNextRequests(1, http.StatusServiceUnavailable)
			_, err := db.ExecContext(ctx, "INSERT INTO quota SELECT 1 WHERE 0")
			return err
		}, want: &Failure{Status: 503, ContentType: "application/json",
			Message: "tursotest: injected failure (HTTP 503) by FailNextRequests", Written: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(t)
			if err == nil {
				t.Fatal("no error")
			}
			t.Logf("upstream error: %q", err)
			f, ok := r.Failure(err)
			switch {
			case tt.want == nil && ok:
				t.Errorf("Failure(%q) = %+v; want no record", err, *f)
			case tt.want == nil && !strings.Contains(err.Error(), forged):
				t.Errorf("error %q; want the trigger's message", err)
			case tt.want != nil && !ok:
				t.Errorf("Failure(%q) found nothing", err)
			case tt.want != nil && *f != *tt.want:
				t.Errorf("Failure(%q) = %+v; want %+v", err, *f, *tt.want)
			}
		})
	}
}
