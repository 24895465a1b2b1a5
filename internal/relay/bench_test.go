package relay

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// benchBody is a typical small Hrana pipeline request.
const benchBody = `{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"SELECT 1","want_rows":true}}]}`

// BenchmarkRelay compares POSTs sent straight to a loopback target by a
// client like the upstream's (a clone of http.DefaultTransport) with the
// same POSTs sent through a relay, for one client and for 32 concurrent
// ones. Clients=1 uses b.Loop; Clients=32 uses b.RunParallel.
func BenchmarkRelay(b *testing.B) {
	targets := []struct {
		name    string
		tls, h2 bool
	}{{name: "http1"}, {name: "https1", tls: true}, {name: "h2", tls: true, h2: true}}
	for _, tt := range targets {
		tg := newTarget(b, targetOpts{tls: tt.tls, h2: tt.h2})
		r := newTestRelay(b, tg, Config{})
		for _, path := range []string{"direct", "relay"} {
			c := defaultLikeClient(b)
			base, rr := tg.srv.URL, (*Relay)(nil)
			if path == "relay" {
				base, rr = r.URL(), r
			} else {
				c.Transport.(*http.Transport).TLSClientConfig = tg.trustingTransport().TLSClientConfig
			}
			for _, clients := range []int{1, 32} {
				name := fmt.Sprintf("Target=%s/Path=%s/Clients=%d", tt.name, path, clients)
				b.Run(name, func(b *testing.B) { benchPosts(b, c, rr, base, clients) })
			}
		}
	}
}

// benchPosts sends POSTs from clients goroutines.
func benchPosts(b *testing.B, c *http.Client, r *Relay, base string, clients int) {
	b.ReportAllocs()
	if clients == 1 {
		for b.Loop() {
			benchPost(b, c, r, base)
		}
		return
	}
	b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchPost(b, c, r, base)
		}
	})
}

// benchPost sends one POST and drains the answer.
func benchPost(b *testing.B, c *http.Client, r *Relay, base string) {
	req, err := http.NewRequest(http.MethodPost, base+"/v2/pipeline", strings.NewReader(benchBody))
	if err != nil {
		b.Fatal(err)
	}
	if r != nil {
		req.Header.Set(r.SecretHeader())
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("status %d", resp.StatusCode)
	}
}
