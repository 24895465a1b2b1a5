package relay

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// seen is what the target received in one request.
type seen struct {
	Method, Path, Query, Host, Body string
	Proto                           int
	Header                          http.Header
}

// target is an httptest server that counts TCP connections and records the
// last request.
type target struct {
	srv      *httptest.Server
	newConns atomic.Int64
	hits     atomic.Int64
	mu       sync.Mutex
	last     seen
}

// targetOpts selects the target's protocol.
type targetOpts struct {
	tls, h2 bool
	handler http.HandlerFunc // nil: record and echo "ok"
}

// newTarget starts a target server and registers its Close.
func newTarget(t testing.TB, o targetOpts) *target {
	t.Helper()
	tg := &target{}
	h := o.handler
	if h == nil {
		h = tg.record
	}
	tg.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		h(w, r)
	}))
	tg.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tg.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			tg.newConns.Add(1)
		}
	}
	switch {
	case o.tls:
		tg.srv.EnableHTTP2 = o.h2
		tg.srv.StartTLS()
	default:
		tg.srv.Start()
	}
	t.Cleanup(tg.srv.Close)
	return tg
}

// record stores the request and answers "ok".
func (tg *target) record(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	tg.mu.Lock()
	tg.last = seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host,
		Body: string(body), Proto: r.ProtoMajor, Header: r.Header.Clone()}
	tg.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

// lastSeen returns the last recorded request.
func (tg *target) lastSeen() seen {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.last
}

// url returns the target's base URL.
func (tg *target) url(t testing.TB) *url.URL {
	t.Helper()
	u, err := url.Parse(tg.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// trustingTransport returns a clone of http.DefaultTransport that trusts the
// target's certificate and nothing else.
func (tg *target) trustingTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cert := tg.srv.Certificate(); cert != nil {
		pool := x509.NewCertPool()
		pool.AddCert(cert)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	return tr
}

// newTestRelay starts a relay in front of tg and registers its Close.
func newTestRelay(t testing.TB, tg *target, cfg Config) *Relay {
	t.Helper()
	if cfg.Target == nil {
		cfg.Target = tg.url(t)
	}
	if cfg.Secret == "" {
		cfg.Secret = NewSecret()
	}
	if cfg.Transport == nil && tg.srv.TLS != nil {
		cfg.Transport = tg.trustingTransport()
	}
	r, err := New(cfg)
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

// defaultLikeClient returns a client whose transport is a clone of
// http.DefaultTransport (two idle connections per host), like the upstream
// libsql client's, and registers the closing of its idle connections.
func defaultLikeClient(t testing.TB) *http.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// post sends body to base+path with the relay's secret header (if r is not
// nil) and returns the status and response body.
func post(t testing.TB, c *http.Client, r *Relay, base, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if r != nil {
		req.Header.Set(r.SecretHeader())
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	return resp.StatusCode, string(b)
}

// relayError decodes a {"error": ...} body.
func relayError(t testing.TB, body string) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("body %q is not a JSON error: %v", body, err)
	}
	return e.Error
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
