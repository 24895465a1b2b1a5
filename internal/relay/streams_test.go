package relay

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestBodyScan(t *testing.T) {
	long := strings.Repeat(`{"a":[1,"}\"]",{"b":null}]},`, 50)
	tests := []struct {
		name    string
		body    string
		done    bool
		baton   batonSeen
		ttl     int64
		hasTTL  bool
		badJSON bool
	}{
		{name: "sqld", body: `{"baton":"abc","base_url":null,"results":[{"type":"ok"}]}`, done: true, baton: batonString},
		{name: "null baton", body: `{"baton":null,"base_url":null,"results":[]}`, done: true, baton: batonNull},
		{name: "ttl last", body: `{"baton":"b","base_url":null,"results":[` + long + `1],"stream_ttl_ms":7000}`, done: true, baton: batonString, ttl: 7000, hasTTL: true},
		{name: "ttl first, spaces", body: " {\n \"stream_ttl_ms\" : 250 , \"baton\" : \"x\\\"y\" }", done: true, baton: batonString, ttl: 250, hasTTL: true},
		{name: "ttl float", body: `{"stream_ttl_ms":1.5e3,"baton":"x"}`, done: true, baton: batonString, ttl: 1500, hasTTL: true},
		{name: "ttl negative", body: `{"stream_ttl_ms":-1,"baton":"x"}`, done: true, baton: batonString},
		{name: "ttl not a number", body: `{"stream_ttl_ms":"10","baton":"x"}`, done: true, baton: batonString},
		{name: "nested keys ignored", body: `{"results":[{"baton":null,"stream_ttl_ms":1}],"baton":"x"}`, done: true, baton: batonString},
		{name: "escaped key", body: `{"bat\u006fn":null}`, done: true},
		{name: "long key", body: `{"batonbatonbatonbaton":null}`, done: true},
		{name: "no baton", body: `{"results":[]}`, done: true},
		{name: "truncated", body: `{"baton":"x","results":[`, baton: batonString},
		{name: "array", body: `[{"baton":"x"}]`, badJSON: true},
		{name: "garbage", body: `{"baton" "x"}`, badJSON: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, chunk := range []int{1, 3, len(tc.body)} {
				var s bodyScan
				for b := []byte(tc.body); len(b) > 0; {
					n := min(chunk, len(b))
					s.feed(b[:n])
					b = b[n:]
				}
				if s.done != tc.done || s.bad != tc.badJSON || (!tc.badJSON && (s.baton != tc.baton || s.hasTTL != tc.hasTTL || s.ttlMs != tc.ttl)) {
					t.Errorf("chunks of %d: done=%v bad=%v baton=%v ttl=%d/%v; want done=%v bad=%v baton=%v ttl=%d/%v",
						chunk, s.done, s.bad, s.baton, s.ttlMs, s.hasTTL, tc.done, tc.badJSON, tc.baton, tc.ttl, tc.hasTTL)
				}
			}
		})
	}
}

func FuzzBodyScan(f *testing.F) {
	f.Add([]byte(`{"baton":"abc","results":[],"stream_ttl_ms":10}`))
	f.Add([]byte(`{"baton":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var whole, split bodyScan
		whole.feed(b)
		for i := range b {
			split.feed(b[i : i+1])
		}
		if whole != split {
			t.Fatalf("scan depends on chunking: %+v vs %+v", whole, split)
		}
	})
}

// TestRelayStreamLabels: the relay records, per label, the TTL and the
// time of the last labelled pipeline answer that kept its stream, removes
// the label header before forwarding, and ignores null batons, other paths
// and unlabelled requests.
func TestRelayStreamLabels(t *testing.T) {
	answer := `{"baton":"b1","base_url":null,"results":[],"stream_ttl_ms":1234}`
	tg := newTarget(t, targetOpts{handler: func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(StreamHeaderName) != "" {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(string(body), "close") {
			_, _ = io.WriteString(w, `{"baton":null,"base_url":null,"results":[]}`)
			return
		}
		_, _ = io.WriteString(w, answer)
	}})
	r := newTestRelay(t, tg, Config{})
	c := defaultLikeClient(t)
	send := func(path, label, body string) string {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, r.URL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(r.SecretHeader())
		if label != "" {
			req.Header.Set(StreamHeaderName, label)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s (the label header reached the server?)", resp.StatusCode, b)
		}
		return string(b)
	}
	before := time.Now()
	if got := send("/v2/pipeline", "a", "{}"); got != answer {
		t.Fatalf("answer changed by the relay: %q", got)
	}
	si, ok := r.Stream("a")
	if !ok || si.TTL != 1234*time.Millisecond || si.Sent.Before(before) || si.Sent.After(time.Now()) {
		t.Fatalf("Stream(a) = %+v, %v; want TTL 1.234s and Sent during the request", si, ok)
	}
	send("/v2/pipeline", "a", `{"requests":[{"type":"close"}]}`)
	if si2, _ := r.Stream("a"); si2 != si {
		t.Errorf("a null-baton answer changed Stream(a) to %+v", si2)
	}
	send("/v3/cursor", "b", "{}")
	send("/v2/pipeline", "", "{}")
	send("/v2/pipeline", "bad label", "{}")
	for _, l := range []string{"b", "", "bad label"} {
		if _, ok := r.Stream(l); ok {
			t.Errorf("Stream(%q) recorded", l)
		}
	}
	r.ForgetStream("a")
	if _, ok := r.Stream("a"); ok {
		t.Error("Stream(a) after ForgetStream")
	}
}

// TestRelayWarm: with MinConns, the relay opens that many connections to
// the target right after New (one over HTTP/2), keeps using them every
// KeepAlivePeriod without dialing more, and stops when closed.
func TestRelayWarm(t *testing.T) {
	tests := []struct {
		name      string
		o         targetOpts
		min       int
		wantConns int64
	}{
		{name: "http1", o: targetOpts{}, min: 3, wantConns: 3},
		{name: "https-h1", o: targetOpts{tls: true}, min: 4, wantConns: 4},
		{name: "https-h2", o: targetOpts{tls: true, h2: true}, min: 4, wantConns: 1},
		{name: "one", o: targetOpts{}, min: 1, wantConns: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTarget(t, tc.o)
			r := newTestRelay(t, tg, Config{MinConns: tc.min, MaxConns: 5, KeepAlivePeriod: 20 * time.Millisecond})
			waitFor(t, "three warm-up rounds", func() bool { return r.Stats().Warmups >= 3 })
			if got := tg.newConns.Load(); got != tc.wantConns {
				t.Errorf("target accepted %d connections, want %d", got, tc.wantConns)
			}
			if st := r.Stats(); st.OpenConns != tc.wantConns || st.Dials != tc.wantConns {
				t.Errorf("relay stats %+v, want %d open connections and dials", st, tc.wantConns)
			}
			if s := tg.lastSeen(); s.Method != http.MethodGet || s.Path != "/v2" {
				t.Errorf("keep-alive request %s %s, want GET /v2", s.Method, s.Path)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			hits := tg.hits.Load()
			time.Sleep(60 * time.Millisecond)
			if got := tg.hits.Load(); got != hits {
				t.Errorf("%d keep-alive requests after Close", got-hits)
			}
		})
	}
}

func TestConfigWarmBounds(t *testing.T) {
	tg := newTarget(t, targetOpts{})
	for _, cfg := range []Config{
		{MinConns: -1},
		{MinConns: 3, MaxConns: 2},
		{KeepAlivePeriod: -time.Second},
		{KeepAlivePeriod: time.Hour, IdleTimeout: time.Minute},
	} {
		cfg.Target, cfg.Secret = tg.url(t), NewSecret()
		if r, err := New(cfg); err == nil {
			_ = r.Close()
			t.Errorf("New(%+v) accepted", cfg)
		} else if !strings.HasPrefix(err.Error(), "turso-pooled: relay: ") {
			t.Errorf("error %q lacks the prefix", err)
		}
	}
}
