package relay

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNewValidatesConfig(t *testing.T) {
	secret := NewSecret()
	mustURL := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tests := []struct {
		name string
		cfg  Config
		want string // "" means valid
	}{
		{name: "valid", cfg: Config{Target: mustURL("https://db.example:443"), Secret: secret}},
		{name: "valid-prefix", cfg: Config{Target: mustURL("http://127.0.0.1:8080/base"), Secret: secret, MaxConns: 1, IdleTimeout: time.Second}},
		{name: "nil-target", cfg: Config{Secret: secret}, want: "Target is nil"},
		{name: "scheme", cfg: Config{Target: mustURL("ws://db.example"), Secret: secret}, want: `scheme "ws"`},
		{name: "libsql-scheme", cfg: Config{Target: mustURL("libsql://db.example"), Secret: secret}, want: `scheme "libsql"`},
		{name: "no-host", cfg: Config{Target: mustURL("https:///path"), Secret: secret}, want: "has no host"},
		{name: "opaque", cfg: Config{Target: mustURL("https:db.example"), Secret: secret}, want: "has no host"},
		{name: "user-info", cfg: Config{Target: mustURL("https://u:hunter2@db.example"), Secret: secret}, want: "has user info"},
		{name: "query", cfg: Config{Target: mustURL("https://db.example?authToken=x"), Secret: secret}, want: "has a query"},
		{name: "fragment", cfg: Config{Target: mustURL("https://db.example#f"), Secret: secret}, want: "has a fragment"},
		{name: "max-conns", cfg: Config{Target: mustURL("https://db.example"), Secret: secret, MaxConns: -1}, want: "MaxConns is -1"},
		{name: "idle-timeout", cfg: Config{Target: mustURL("https://db.example"), Secret: secret, IdleTimeout: -time.Second}, want: "IdleTimeout is -1s"},
		{name: "no-secret", cfg: Config{Target: mustURL("https://db.example")}, want: "Secret has 0 characters"},
		{name: "short-secret", cfg: Config{Target: mustURL("https://db.example"), Secret: "abc"}, want: "Secret has 3 characters"},
		{name: "secret-space", cfg: Config{Target: mustURL("https://db.example"), Secret: secret + " x"}, want: "byte 0x20 at offset 32"},
		{name: "secret-newline", cfg: Config{Target: mustURL("https://db.example"), Secret: secret + "\n"}, want: "byte 0x0a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.cfg)
			if r != nil {
				defer r.Close()
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want == "":
				return
			case err == nil:
				t.Fatalf("New succeeded; want an error containing %q", tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "turso-pooled: relay: ") || !strings.Contains(msg, tt.want) || !strings.Contains(msg, "accepted:") {
				t.Errorf("error %q; want the relay prefix, %q and the accepted values", msg, tt.want)
			}
			if strings.Contains(msg, secret) || strings.Contains(msg, "hunter2") {
				t.Errorf("error %q reveals a secret", msg)
			}
		})
	}
}

func TestNewAppliesDefaultsWithoutTouchingInputs(t *testing.T) {
	base := &http.Transport{MaxConnsPerHost: 1000, IdleConnTimeout: time.Hour}
	u, _ := url.Parse("http://127.0.0.1:1/prefix")
	defaultMax := http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost
	tests := []struct {
		name      string
		cfg       Config
		wantConns int
		wantIdle  time.Duration
	}{
		{name: "defaults", cfg: Config{Target: u, Secret: NewSecret()}, wantConns: DefaultMaxConns, wantIdle: DefaultIdleTimeout},
		{name: "explicit", cfg: Config{Target: u, Secret: NewSecret(), MaxConns: 3, IdleTimeout: time.Minute, Transport: base}, wantConns: 3, wantIdle: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			tr := r.transport
			if tr.MaxConnsPerHost != tt.wantConns || tr.MaxIdleConnsPerHost != tt.wantConns || tr.MaxIdleConns != tt.wantConns ||
				tr.IdleConnTimeout != tt.wantIdle || !tr.ForceAttemptHTTP2 {
				t.Errorf("transport limits %d/%d/%d idle %v h2 %v; want %d and %v, h2 forced", tr.MaxConnsPerHost,
					tr.MaxIdleConnsPerHost, tr.MaxIdleConns, tr.IdleConnTimeout, tr.ForceAttemptHTTP2, tt.wantConns, tt.wantIdle)
			}
			if !strings.HasPrefix(r.URL(), "http://127.0.0.1:") {
				t.Errorf("URL() = %q; want http://127.0.0.1:<port>", r.URL())
			}
			if name, value := r.SecretHeader(); name != SecretHeaderName || value != tt.cfg.Secret {
				t.Errorf("SecretHeader() = %q, (len %d); want %q and the configured secret", name, len(value), SecretHeaderName)
			}
		})
	}
	if base.MaxConnsPerHost != 1000 || base.IdleConnTimeout != time.Hour || base.DialContext != nil {
		t.Errorf("caller's Transport was modified: %+v", base)
	}
	if dt := http.DefaultTransport.(*http.Transport); dt.MaxIdleConnsPerHost != defaultMax || dt.MaxConnsPerHost != 0 {
		t.Errorf("http.DefaultTransport was modified")
	}
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := NewSecret()
		if len(s) != 32 || strings.Trim(s, "0123456789abcdef") != "" || seen[s] {
			t.Fatalf("NewSecret() = %q; want 32 fresh lowercase hex characters", s)
		}
		seen[s] = true
		if err := validateSecret(s); err != nil {
			t.Fatal(err)
		}
	}
}
