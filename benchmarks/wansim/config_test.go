package wansim

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig("127.0.0.1:1")
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string // substring; empty means valid
	}{
		{name: "default", mutate: func(*Config) {}},
		{name: "empty listen defaults", mutate: func(c *Config) { c.Listen = "" }},
		{name: "full", mutate: func(c *Config) { c.RTT, c.Jitter, c.Bandwidth = 20*time.Millisecond, 20*time.Millisecond, 1 }},
		{name: "max rtt", mutate: func(c *Config) { c.RTT = MaxRTT }},
		{name: "empty target", mutate: func(c *Config) { c.Target = "" }, wantErr: "Config.Target is empty"},
		{name: "target without port", mutate: func(c *Config) { c.Target = "localhost" }, wantErr: `Config.Target "localhost" is invalid; accepted: host:port`},
		{name: "target empty port", mutate: func(c *Config) { c.Target = "localhost:" }, wantErr: `Config.Target "localhost:"`},
		{name: "bad listen", mutate: func(c *Config) { c.Listen = "nope" }, wantErr: `Config.Listen "nope" is invalid`},
		{name: "negative rtt", mutate: func(c *Config) { c.RTT = -time.Millisecond }, wantErr: "Config.RTT -1ms is out of range; accepted: 0 to 1m0s"},
		{name: "huge rtt", mutate: func(c *Config) { c.RTT = time.Hour }, wantErr: "Config.RTT 1h0m0s is out of range"},
		{name: "negative jitter", mutate: func(c *Config) { c.Jitter = -1 }, wantErr: "Config.Jitter -1ns is out of range"},
		{name: "jitter above rtt", mutate: func(c *Config) { c.RTT, c.Jitter = time.Millisecond, 2*time.Millisecond }, wantErr: "Config.Jitter 2ms is out of range; accepted: 0 to Config.RTT (1ms)"},
		{name: "negative bandwidth", mutate: func(c *Config) { c.Bandwidth = -5 }, wantErr: "Config.Bandwidth -5 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mutate(&cfg)
			p, err := New(cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if err := p.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				return
			}
			if err == nil {
				_ = p.Close()
				t.Fatalf("New succeeded, want error containing %q", tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "wansim: ") || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q, want prefix %q and %q", err, "wansim: ", tt.wantErr)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	got := DefaultConfig("127.0.0.1:9")
	want := Config{Target: "127.0.0.1:9", Listen: DefaultListen, ConnectRTT: true}
	if got != want {
		t.Fatalf("DefaultConfig = %+v, want %+v", got, want)
	}
}

func TestNewListenInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := DefaultConfig("127.0.0.1:1")
	cfg.Listen = ln.Addr().String()
	if p, err := New(cfg); err == nil {
		_ = p.Close()
		t.Fatalf("New on a busy address succeeded")
	} else if !strings.HasPrefix(err.Error(), "wansim: listen on Config.Listen") {
		t.Fatalf("error %q, want listen error", err)
	}
}

func TestNewDoesNotMutateConfig(t *testing.T) {
	cfg := Config{Target: "127.0.0.1:1"}
	p := newProxy(t, cfg)
	if cfg.Listen != "" {
		t.Fatalf("caller's Config.Listen changed to %q", cfg.Listen)
	}
	if !strings.HasPrefix(p.Addr(), "127.0.0.1:") || strings.HasSuffix(p.Addr(), ":0") {
		t.Fatalf("Addr = %q, want 127.0.0.1:<port>", p.Addr())
	}
}
