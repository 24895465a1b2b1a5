package tursopooled_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// dsnCases feeds TestParseDSN, TestFormatDSNRoundTrip and FuzzParseDSN's seeds.
var dsnCases = []struct {
	name string
	dsn  string
	want func(c *tursopooled.Config) // applied to NewConfig(); nil when an error is expected
	err  string                      // substring of the error
}{
	{name: "libsql plain", dsn: "libsql://db-org.turso.io",
		want: func(c *tursopooled.Config) { c.URL = "libsql://db-org.turso.io" }},
	{name: "token", dsn: "libsql://db-org.turso.io?authToken=abc.def",
		want: func(c *tursopooled.Config) { c.URL = "libsql://db-org.turso.io"; c.AuthToken = "abc.def" }},
	{name: "token alias auth_token", dsn: "https://h:8080?auth_token=x",
		want: func(c *tursopooled.Config) { c.URL = "https://h:8080"; c.AuthToken = "x" }},
	{name: "token alias jwt", dsn: "wss://h?jwt=x",
		want: func(c *tursopooled.Config) { c.URL = "wss://h"; c.AuthToken = "x" }},
	{name: "tls off", dsn: "libsql://127.0.0.1:8080?tls=0",
		want: func(c *tursopooled.Config) { c.URL = "libsql://127.0.0.1:8080"; c.TLS = tursopooled.TLSOff }},
	{name: "tls on", dsn: "libsql://h?tls=1",
		want: func(c *tursopooled.Config) { c.URL = "libsql://h"; c.TLS = tursopooled.TLSOn }},
	{name: "all pool params", dsn: "http://h:1?pool_min_conns=2&pool_max_conns=8&pool_max_conn_idle_time=1m&pool_max_conn_lifetime=30m&pool_health_check_period=10s&pool_connect_timeout=3s&pool_adaptive=off&pool_leak_threshold=1m&pool_breaker_threshold=0&pool_breaker_cooldown=5s",
		want: func(c *tursopooled.Config) {
			c.URL = "http://h:1"
			c.MinConns, c.MaxConns = 2, 8
			c.MaxConnIdleTime, c.MaxConnLifetime = time.Minute, 30*time.Minute
			c.HealthCheckPeriod, c.ConnectTimeout = 10*time.Second, 3*time.Second
			c.Adaptive, c.LeakThreshold = false, time.Minute
			c.BreakerThreshold, c.BreakerCooldown = 0, 5*time.Second
		}},
	{name: "cache and compression", dsn: "ws://h:1?cache=on&cache_ttl=2s&cache_max_ttl=5s&cache_max_bytes=16MiB&compress=br&compress_threshold=2KiB&compress_max_decoded_bytes=1MB",
		want: func(c *tursopooled.Config) {
			c.URL = "ws://h:1"
			c.Cache, c.CacheTTL, c.CacheMaxTTL, c.CacheMaxBytes = true, 2*time.Second, 5*time.Second, 16<<20
			c.Compress, c.CompressThreshold, c.CompressMaxDecodedBytes = tursopooled.CompressionBrotli, 2048, 1000000
		}},
	{name: "file passthrough", dsn: "file:app.db?_pragma=busy_timeout(5000)&cache=on&mode=rwc",
		want: func(c *tursopooled.Config) { c.URL = "file:app.db?_pragma=busy_timeout(5000)&mode=rwc"; c.Cache = true }},
	{name: "file abs", dsn: "file:///tmp/x.db",
		want: func(c *tursopooled.Config) { c.URL = "file:///tmp/x.db" }},

	{name: "unknown param", dsn: "libsql://h?pool_max=3", err: "invalid pool_max=3: want one of authToken"},
	{name: "bad duration", dsn: "libsql://h?pool_connect_timeout=10", err: `invalid pool_connect_timeout=10: want a Go duration`},
	{name: "bad int", dsn: "libsql://h?pool_max_conns=many", err: "invalid pool_max_conns=many: want an integer ≥ 1"},
	{name: "bad size", dsn: "libsql://h?cache_max_bytes=64XB", err: "invalid cache_max_bytes=64XB: want a byte size"},
	{name: "bad bool", dsn: "libsql://h?cache=maybe", err: "invalid cache=maybe: want on/off"},
	{name: "bad compress", dsn: "libsql://h?compress=gzip", err: `invalid compress=gzip: want "off" or "br"`},
	{name: "bad tls", dsn: "libsql://h?tls=yes", err: "invalid tls=yes: want 0 or 1"},
	{name: "conflicting aliases", dsn: "libsql://h?authToken=a&jwt=b", err: "want at most one of authToken, auth_token and jwt"},
	{name: "twice", dsn: "libsql://h?cache=on&cache=off", err: "each parameter at most once"},
	{name: "min above max", dsn: "libsql://h?pool_min_conns=30&pool_max_conns=10", err: "invalid pool_min_conns=30: want at most pool_max_conns (10)"},
	{name: "max ttl below ttl", dsn: "libsql://h?cache_ttl=10s&cache_max_ttl=5s", err: "invalid cache_max_ttl=5s"},
	{name: "zero max conns", dsn: "libsql://h?pool_max_conns=-1", err: "invalid pool_max_conns=-1"},
	{name: "negative idle", dsn: "libsql://h?pool_max_conn_idle_time=-1s", err: "invalid pool_max_conn_idle_time=-1s"},
	{name: "scheme", dsn: "postgres://h/db", err: `invalid url scheme="postgres": want libsql, https, http, wss, ws or file`},
	{name: "empty", dsn: "", err: `invalid url=""`},
	{name: "file double slash", dsn: "file://app.db", err: "not file://path"},
	{name: "no host", dsn: "https://", err: "want a URL with a host"},
}

func TestParseDSN(t *testing.T) {
	for _, c := range dsnCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := tursopooled.ParseDSN(c.dsn)
			if c.want == nil {
				var ce *tursopooled.ConfigError
				if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParseDSN(%q) error = %v, want a ConfigError containing %q", c.dsn, err, c.err)
				}
				if !strings.HasPrefix(err.Error(), "turso-pooled: ") {
					t.Errorf("error %q lacks the turso-pooled: prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDSN(%q): %v", c.dsn, err)
			}
			want := tursopooled.NewConfig()
			c.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("ParseDSN(%q)\n got %+v\nwant %+v", c.dsn, got, want)
			}
		})
	}
}

func TestFormatDSNRoundTrip(t *testing.T) {
	for _, c := range dsnCases {
		if c.want == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			cfg, err := tursopooled.ParseDSN(c.dsn)
			if err != nil {
				t.Fatal(err)
			}
			again, err := tursopooled.ParseDSN(cfg.FormatDSN())
			if err != nil {
				t.Fatalf("ParseDSN(FormatDSN()) = %v for %q", err, cfg.FormatDSN())
			}
			if !reflect.DeepEqual(again, cfg) {
				t.Fatalf("round trip of %q via %q\n got %+v\nwant %+v", c.dsn, cfg.FormatDSN(), again, cfg)
			}
		})
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	const secret = "s3cr3t-token-value"
	cfg, err := tursopooled.ParseDSN("libsql://h?authToken=" + secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cfg.String(), secret) {
		t.Errorf("String() shows the token: %s", cfg)
	}
	if !strings.Contains(cfg.FormatDSN(), secret) {
		t.Errorf("FormatDSN() must carry the token: %s", cfg.FormatDSN())
	}
	for _, dsn := range []string{
		"libsql://h?authToken=" + secret + "&jwt=" + secret,
		"libsql://h?authtoken=" + secret, // misspelled key
		"libsql://h?auth_token=" + secret + "&pool_max_conns=x",
		"https://user:" + secret + "@h?x=1",
		"libsql://h?authToken=" + secret + "&authToken=" + secret,
	} {
		_, err := tursopooled.ParseDSN(dsn)
		if err == nil {
			t.Errorf("ParseDSN(%q) succeeded", dsn)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the secret: %v", err)
		}
	}
	_, err = tursopooled.NewConnector("libsql://h?authToken="+secret, tursopooled.WithPoolMaxConns(-5))
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("NewConnector error = %v", err)
	}
}

func TestOptionsOverrideDSN(t *testing.T) {
	c, err := tursopooled.NewConnector("http://127.0.0.1:1?pool_max_conns=4&pool_min_conns=0",
		tursopooled.WithPoolMaxConns(9), tursopooled.WithCache(true), tursopooled.WithAuthToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := c.Config()
	if cfg.MaxConns != 9 || !cfg.Cache || cfg.AuthToken != "t" {
		t.Fatalf("options not applied: %+v", cfg)
	}
}

func TestNewConnectorDoesNotMutateConfig(t *testing.T) {
	cfg := tursopooled.NewConfig()
	cfg.URL = "http://127.0.0.1:1"
	cfg.MinConns = 0
	before := *cfg
	c, err := tursopooled.NewConnectorFromConfig(cfg, tursopooled.WithPoolMaxConns(3))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !reflect.DeepEqual(*cfg, before) {
		t.Fatalf("caller's Config changed: %+v", *cfg)
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"4096", 4096, true}, {"1KiB", 1024, true}, {"64MiB", 64 << 20, true},
		{"1GiB", 1 << 30, true}, {"1KB", 1000, true}, {"2mb", 2000000, true}, {"10B", 10, true},
		{"", 0, false}, {"-1", 0, false}, {"1.5MiB", 0, false}, {"9999999999GiB", 0, false}, {"MiB", 0, false},
	}
	for _, c := range cases {
		got, err := tursopooled.ParseSize(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", c.in, got, err, c.want, c.ok)
		}
		if c.ok {
			if back, err := tursopooled.ParseSize(tursopooled.FormatSize(got)); err != nil || back != got {
				t.Errorf("FormatSize round trip of %d: %q → %d, %v", got, tursopooled.FormatSize(got), back, err)
			}
		}
	}
}

func FuzzParseDSN(f *testing.F) {
	for _, c := range dsnCases {
		f.Add(c.dsn)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		cfg, err := tursopooled.ParseDSN(dsn)
		if err != nil {
			return
		}
		again, err := tursopooled.ParseDSN(cfg.FormatDSN())
		if err != nil {
			t.Fatalf("FormatDSN of %q gives unparsable %q: %v", dsn, cfg.FormatDSN(), err)
		}
		if !reflect.DeepEqual(again, cfg) {
			t.Fatalf("round trip of %q differs:\n%+v\n%+v", dsn, again, cfg)
		}
		// String's token must be the placeholder. (Checking that the token's
		// text is absent would be wrong: the URL itself may contain it.)
		if cfg.AuthToken != "" {
			redacted, err := tursopooled.ParseDSN(cfg.String())
			if err != nil || redacted.AuthToken != "REDACTED" {
				t.Fatalf("String() of %q = %q does not redact the token (parsed: %v)", dsn, cfg.String(), err)
			}
		}
	})
}

// TestSchemeCaseInsensitive: URL schemes are case-insensitive, and the
// transport decisions follow the scheme whatever its case.
func TestSchemeCaseInsensitive(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	url := "WS://" + strings.TrimPrefix(srv.WSURL(), "ws://")
	db := openPooled(t, target{url: url, token: testToken}, "")
	if err := db.PingContext(testCtx(t)); err != nil {
		t.Fatalf("ping through %s: %v", url, err)
	}
}

// TestEveryParameterHasAnOption: each DSN parameter has a typed Option that
// sets exactly that parameter.
func TestEveryParameterHasAnOption(t *testing.T) {
	options := map[string]tursopooled.Option{
		"authToken":                  tursopooled.WithAuthToken("t"),
		"tls":                        tursopooled.WithTLS(false),
		"pool_min_conns":             tursopooled.WithPoolMinConns(2),
		"pool_max_conns":             tursopooled.WithPoolMaxConns(9),
		"pool_max_conn_idle_time":    tursopooled.WithPoolMaxConnIdleTime(time.Minute),
		"pool_max_conn_lifetime":     tursopooled.WithPoolMaxConnLifetime(time.Minute),
		"pool_health_check_period":   tursopooled.WithPoolHealthCheckPeriod(time.Minute),
		"pool_connect_timeout":       tursopooled.WithPoolConnectTimeout(time.Second),
		"pool_adaptive":              tursopooled.WithPoolAdaptive(false),
		"pool_leak_threshold":        tursopooled.WithPoolLeakThreshold(time.Minute),
		"pool_breaker_threshold":     tursopooled.WithPoolBreakerThreshold(3),
		"pool_breaker_cooldown":      tursopooled.WithPoolBreakerCooldown(time.Second),
		"pool_http_relay":            tursopooled.WithPoolHTTPRelay(false),
		"cache":                      tursopooled.WithCache(true),
		"cache_ttl":                  tursopooled.WithCacheDefaultTTL(time.Second),
		"cache_max_ttl":              tursopooled.WithCacheMaxTTL(time.Minute),
		"cache_max_bytes":            tursopooled.WithCacheMaxBytes(1 << 20),
		"compress":                   tursopooled.WithCompression(tursopooled.CompressionBrotli),
		"compress_threshold":         tursopooled.WithCompressThreshold(2048),
		"compress_max_decoded_bytes": tursopooled.WithCompressMaxDecodedBytes(1 << 20),
	}
	base := tursopooled.NewConfig()
	base.URL = "libsql://h:8080"
	for _, p := range tursopooled.DocumentedParams() {
		opt, ok := options[p.Key]
		if !ok {
			t.Errorf("no typed Option for %s", p.Key)
			continue
		}
		cfg := base.Clone()
		if err := cfg.Apply(opt); err != nil {
			t.Fatalf("%s: %v", p.Key, err)
		}
		dsn := cfg.FormatDSN()
		if !strings.Contains(dsn, p.Key+"=") {
			t.Errorf("the Option for %s does not set it: %s", p.Key, dsn)
		}
		if n := strings.Count(dsn, "="); n != 1 {
			t.Errorf("the Option for %s sets %d parameters: %s", p.Key, n, dsn)
		}
	}
}
