package tursopooled_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/cachebus"
)

// busDSNCases are the cache_bus parameters' parse cases; TestBusDSN also
// round-trips each valid one through FormatDSN.
var busDSNCases = []struct {
	name string
	dsn  string
	want func(c *tursopooled.Config) // applied to NewConfig(); nil when an error is expected
	err  string
}{
	{name: "bus with defaults", dsn: "libsql://h?cache=on&cache_bus=redis://127.0.0.1:6379",
		want: func(c *tursopooled.Config) {
			c.URL, c.Cache, c.CacheBus = "libsql://h", true, "redis://127.0.0.1:6379"
		}},
	{name: "bus with password, db, channel and ttl fallback",
		dsn: "libsql://h?cache=on&cache_bus=rediss%3A%2F%2Fu%3Apw%40r.example%3A6380%2F2&cache_bus_channel=inval&cache_bus_fallback=ttl",
		want: func(c *tursopooled.Config) {
			c.URL, c.Cache, c.CacheBus = "libsql://h", true, "rediss://u:pw@r.example:6380/2"
			c.CacheBusChannel, c.CacheBusFallback = "inval", cachebus.FallbackTTL
		}},
	{name: "explicit off and auto", dsn: "libsql://h?cache_bus=off&cache_bus_channel=auto&cache_bus_fallback=bypass",
		want: func(c *tursopooled.Config) { c.URL = "libsql://h" }},
	{name: "bus without cache", dsn: "libsql://h?cache_bus=redis://r:6379", err: "invalid cache_bus=redis://r:6379: want cache=on"},
	{name: "bus scheme", dsn: "libsql://h?cache=on&cache_bus=http://r:6379", err: "invalid cache_bus=http://r:6379: want off, redis://"},
	{name: "bus without port", dsn: "libsql://h?cache=on&cache_bus=redis://r", err: "invalid cache_bus=redis://r"},
	{name: "bus with a query", dsn: "libsql://h?cache=on&cache_bus=redis://r:1%3Fx%3D1", err: "query parameters are not accepted"},
	{name: "bus db not a number", dsn: "libsql://h?cache=on&cache_bus=redis://r:1/x", err: "invalid cache_bus=redis://r:1/x"},
	{name: "empty channel", dsn: "libsql://h?cache_bus_channel=", err: "invalid cache_bus_channel="},
	{name: "bad fallback", dsn: "libsql://h?cache_bus_fallback=stale", err: `invalid cache_bus_fallback=stale: want "bypass" or "ttl"`},
}

func TestBusDSN(t *testing.T) {
	for _, c := range busDSNCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := tursopooled.ParseDSN(c.dsn)
			if c.want == nil {
				var ce *tursopooled.ConfigError
				if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParseDSN(%q) error = %v, want a ConfigError containing %q", c.dsn, err, c.err)
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
			again, err := tursopooled.ParseDSN(got.FormatDSN())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip via %q: %v\n got %+v\nwant %+v", got.FormatDSN(), err, again, got)
			}
		})
	}
}

// TestBusPasswordNeverPrinted: the password of cache_bus is absent from
// String(), from every error (parse, Validate, NewConnector), from Stats
// and from the logs, and present in FormatDSN().
func TestBusPasswordNeverPrinted(t *testing.T) {
	const secret = "Rp4-bus-secret-9x"
	bus := "redis://user:" + secret + "@127.0.0.1:1/0"
	cfg, err := tursopooled.ParseDSN("http://127.0.0.1:1?pool_min_conns=0&cache=on&cache_bus=" + bus)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cfg.String(), secret) {
		t.Errorf("String() = %q shows the password", cfg)
	}
	if !strings.Contains(cfg.FormatDSN(), secret) {
		t.Errorf("FormatDSN() = %q lost the password", cfg.FormatDSN())
	}
	for _, dsn := range []string{
		"libsql://h?cache_bus=" + bus,                                               // cache off
		"libsql://h?cache=on&cache_bus=redis://u:" + secret + "@h",                  // no port
		"libsql://h?cache=on&cache_bus=redis://u:" + secret + "@h:1/notadb",         // bad db
		"libsql://h?cache=on&cache_bus=redis://u:" + secret + "@h:1&pool_max=1",     // another error after it
		"libsql://h?cache=on&cache_bus=redis://u:" + secret + "@h:1&cache_bus=x",    // given twice
		"libsql://h?cache=on&cache_bus=redis://u:" + secret + "@h:99999",            // port range
		"libsql://h?cache=on&cache_bus=redis%3A%2F%2Fu%3A" + secret + "%40h%3A1%25", // unparsable
	} {
		_, err := tursopooled.ParseDSN(dsn)
		if err == nil {
			t.Errorf("ParseDSN(%q) succeeded", dsn)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the password: %v", err)
		}
	}
	bad := cfg.Clone()
	bad.CacheBus = "redis://u:" + secret + "@h" // set in code: Validate's error
	if err := bad.Validate(); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("Validate() = %v", err)
	}

	logs := &lockedBuffer{}
	c, err := tursopooled.NewConnector(cfg.FormatDSN(), tursopooled.WithLogger(newTextLogger(logs)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	eventuallyBus(t, "the unreachable server is reported", func() bool {
		return strings.Contains(logs.String(), "cannot subscribe")
	})
	if s := c.Stats(); !s.BusOn || s.Bus.Subscribed {
		t.Errorf("Stats().Bus = %+v, BusOn %v: want on and not subscribed", s.Bus, s.BusOn)
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("logs show the password:\n%s", logs.String())
	}
	if strings.Contains(fmtStats(c.Stats()), secret) {
		t.Error("Stats show the password")
	}
}
