package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// hammer sends clients × perClient POSTs to base through c and fails the
// test on any non-200 answer.
func hammer(t *testing.T, c *http.Client, r *Relay, base string, clients, perClient int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			for j := range perClient {
				status, body := post(t, c, r, base, "/v2/pipeline", fmt.Sprintf(`{"c":%d,"r":%d}`, i, j))
				if status != http.StatusOK {
					t.Errorf("client %d request %d: status %d, body %q", i, j, status, body)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestRelayBoundsTargetConnections(t *testing.T) {
	const maxConns, clients = 4, 32
	perClient := 200
	if testing.Short() {
		perClient = 20
	}
	tests := []struct {
		name      string
		tls, h2   bool
		wantProto int
	}{
		{name: "Proto=http1", wantProto: 1},
		{name: "Proto=https1", tls: true, wantProto: 1},
		{name: "Proto=h2", tls: true, h2: true, wantProto: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			direct := newTarget(t, targetOpts{tls: tt.tls, h2: tt.h2})
			dc := defaultLikeClient(t)
			dc.Transport.(*http.Transport).TLSClientConfig = direct.trustingTransport().TLSClientConfig
			hammer(t, dc, nil, direct.srv.URL, clients, perClient)

			tg := newTarget(t, targetOpts{tls: tt.tls, h2: tt.h2})
			r := newTestRelay(t, tg, Config{MaxConns: maxConns})
			hammer(t, defaultLikeClient(t), r, r.URL(), clients, perClient)

			got := tg.newConns.Load()
			t.Logf("%d×%d POSTs: target saw %d TCP connections through the relay (MaxConns=%d), %d direct with a DefaultTransport clone",
				clients, perClient, got, maxConns, direct.newConns.Load())
			if got < 1 || got > maxConns {
				t.Errorf("target saw %d connections; want 1..%d", got, maxConns)
			}
			if s := r.Stats(); s.Dials != got || s.Requests != int64(clients*perClient) || s.Errors != 0 {
				t.Errorf("Stats = %+v; want Dials=%d Requests=%d Errors=0", s, got, clients*perClient)
			}
			if p := tg.lastSeen().Proto; p != tt.wantProto {
				t.Errorf("target saw HTTP/%d; want HTTP/%d", p, tt.wantProto)
			}
		})
	}
}

func TestRelaySecret(t *testing.T) {
	tests := []struct {
		name   string
		values []string // nil: no header; "$": the right secret
		want   int
	}{
		{name: "missing", want: http.StatusForbidden},
		{name: "empty", values: []string{""}, want: http.StatusForbidden},
		{name: "wrong", values: []string{NewSecret()}, want: http.StatusForbidden},
		{name: "prefix", values: []string{"$x"}, want: http.StatusForbidden},
		{name: "twice", values: []string{"$", "$"}, want: http.StatusForbidden},
		{name: "right", values: []string{"$"}, want: http.StatusOK},
	}
	tg := newTarget(t, targetOpts{})
	r := newTestRelay(t, tg, Config{})
	_, secret := r.SecretHeader()
	c := defaultLikeClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tg.hits.Load()
			req, err := http.NewRequest(http.MethodPost, r.URL()+"/v2/pipeline", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tt.values {
				req.Header.Add(SecretHeaderName, strings.ReplaceAll(v, "$", secret))
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, body %q; want %d", resp.StatusCode, body, tt.want)
			}
			forwarded := tg.hits.Load() - before
			if tt.want == http.StatusForbidden {
				if msg := relayError(t, string(body)); !strings.HasPrefix(msg, "turso-pooled relay: ") || strings.Contains(msg, secret) {
					t.Errorf("error %q: want a turso-pooled relay error without the secret", msg)
				}
				if forwarded != 0 {
					t.Errorf("rejected request was forwarded %d times", forwarded)
				}
			} else if forwarded != 1 {
				t.Errorf("accepted request was forwarded %d times; want 1", forwarded)
			}
		})
	}
	if s := r.Stats(); s.Rejected != 5 || s.Requests != 6 {
		t.Errorf("Stats = %+v; want Rejected=5 Requests=6", s)
	}
}

func TestRelayForwardsRequest(t *testing.T) {
	big := strings.Repeat("x", replayLimit+1)
	tests := []struct {
		name    string
		body    string
		chunked bool
	}{
		{name: "Body=small", body: `{"requests":[]}`},
		{name: "Body=empty"},
		{name: "Body=large", body: big},
		{name: "Body=chunked", body: `{"requests":[1]}`, chunked: true},
	}
	tg := newTarget(t, targetOpts{})
	u := tg.url(t)
	u.Path = "/prefix"
	r := newTestRelay(t, tg, Config{Target: u})
	c := defaultLikeClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // unknown length: sent chunked
			}
			req, err := http.NewRequest(http.MethodPost, r.URL()+"/v2/pipeline?a=1&b=2", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "db.example.turso.io"
			req.Header.Set(r.SecretHeader())
			for k, v := range map[string]string{
				"Authorization": "Bearer tok", "X-Libsql-Client-Version": "libsql-remote-go-x",
				"X-Turso-Encryption-Key": "k", "X-Custom": "c", "Connection": "X-Hop",
				"X-Hop": "h", "Proxy-Authorization": "p", "Keep-Alive": "timeout=5",
			} {
				req.Header.Set(k, v)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			got := tg.lastSeen()
			if resp.StatusCode != http.StatusOK || got.Method != http.MethodPost || got.Path != "/prefix/v2/pipeline" ||
				got.Query != "a=1&b=2" || got.Host != u.Host || got.Body != tt.body {
				t.Errorf("status %d, target saw %s %s?%s Host=%s body %d bytes; want POST /prefix/v2/pipeline?a=1&b=2 Host=%s body %d bytes",
					resp.StatusCode, got.Method, got.Path, got.Query, got.Host, len(got.Body), u.Host, len(tt.body))
			}
			for _, k := range []string{"Authorization", "X-Libsql-Client-Version", "X-Turso-Encryption-Key", "X-Custom"} {
				if got.Header.Get(k) != req.Header.Get(k) {
					t.Errorf("header %s = %q; want %q", k, got.Header.Get(k), req.Header.Get(k))
				}
			}
			for _, k := range []string{SecretHeaderName, "X-Hop", "Proxy-Authorization", "Keep-Alive", "X-Forwarded-For"} {
				if v, ok := got.Header[k]; ok {
					t.Errorf("header %s = %q reached the target; want it stripped", k, v)
				}
			}
		})
	}
	if s := r.Stats(); s.BytesIn != int64(len(big)+31) || s.BytesOut != 4*int64(len(`{"ok":true}`)) {
		t.Errorf("Stats = %+v; want BytesIn=%d BytesOut=%d", s, len(big)+31, 4*len(`{"ok":true}`))
	}
}

func TestRelayUpstreamErrors(t *testing.T) {
	untrusted := newTarget(t, targetOpts{tls: true})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		name, target, want string
	}{
		{name: "Target=down", target: downURL, want: "connection refused"},
		{name: "Target=untrusted", target: untrusted.srv.URL, want: "certificate"},
	}
	c := defaultLikeClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := untrusted.url(t)
			u.Scheme, u.Host = strings.Split(tt.target, "://")[0], strings.Split(tt.target, "://")[1]
			r, err := New(Config{Target: u, Secret: NewSecret()}) // default transport: system roots only
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			status, body := post(t, c, r, r.URL(), "/v2/pipeline", "{}")
			msg := relayError(t, body)
			if status != http.StatusBadGateway || !strings.HasPrefix(msg, "turso-pooled relay: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("status %d, error %q; want 502 and a turso-pooled relay error mentioning %q", status, msg, tt.want)
			}
			if s := r.Stats(); s.Errors != 1 {
				t.Errorf("Stats.Errors = %d; want 1", s.Errors)
			}
		})
	}
	if n := untrusted.hits.Load(); n != 0 {
		t.Errorf("untrusted target served %d requests; want 0", n)
	}
}

// blockingTarget returns a target whose handler signals entered and then
// blocks until its request is cancelled, then signals cancelled. It reads
// the body first: only then does net/http watch for the client going away.
func blockingTarget(t *testing.T) (tg *target, entered, cancelled chan struct{}) {
	entered, cancelled = make(chan struct{}, 1), make(chan struct{}, 1)
	tg = newTarget(t, targetOpts{handler: func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		entered <- struct{}{}
		<-r.Context().Done()
		cancelled <- struct{}{}
	}})
	return tg, entered, cancelled
}

// waitChan waits for ch or fails after a deadline.
func waitChan(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestRelayClientCancelPropagates(t *testing.T) {
	tg, entered, cancelled := blockingTarget(t)
	r := newTestRelay(t, tg, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL()+"/v2/pipeline", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(r.SecretHeader())
	errc := make(chan error, 1)
	c := defaultLikeClient(t)
	go func() {
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	waitChan(t, entered, "the target to get the request")
	cancel()
	waitChan(t, cancelled, "the target's request context to be cancelled")
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client error %v; want context.Canceled", err)
	}
	waitFor(t, "InFlight to drop to 0", func() bool { return r.Stats().InFlight == 0 })
}

func TestRelayCloseCancelsInFlight(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	tg, entered, cancelled := blockingTarget(t)
	r, err := New(Config{Target: tg.url(t), Secret: NewSecret()})
	if err != nil {
		t.Fatal(err)
	}
	r.grace = 50 * time.Millisecond
	c := defaultLikeClient(t)
	req, err := http.NewRequest(http.MethodPost, r.URL()+"/v2/pipeline", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(r.SecretHeader())
	statusc := make(chan int, 1)
	go func() {
		resp, err := c.Do(req)
		if err != nil {
			statusc <- 0
			return
		}
		resp.Body.Close()
		statusc <- resp.StatusCode
	}()
	waitChan(t, entered, "the target to get the request")
	start := time.Now()
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	t.Logf("Close with one blocked request took %v", time.Since(start))
	waitChan(t, cancelled, "the in-flight request to be cancelled")
	if status := <-statusc; status != http.StatusBadGateway && status != 0 {
		t.Errorf("in-flight request got status %d; want 502 or a transport error", status)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.Post(r.URL()+"/v2/pipeline", "application/json", strings.NewReader("{}")); err == nil {
		t.Error("request after Close succeeded; want a connection error")
	}
	if s := r.Stats(); s.InFlight != 0 {
		t.Errorf("Stats after Close = %+v; want InFlight=0", s)
	}
	waitFor(t, "OpenConns to drop to 0", func() bool { return r.Stats().OpenConns == 0 })
	c.CloseIdleConnections()
	tg.srv.Close()
}
