package relay

import (
	"context"
	"crypto/tls"
	"database/sql"
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
	}{
		{name: "Secret=wrong", secret: NewSecret(), want: "turso-pooled relay: missing or wrong"},
		{name: "Target=down", secret: "$", want: "turso-pooled relay: dial tcp"},
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
		})
	}
}
