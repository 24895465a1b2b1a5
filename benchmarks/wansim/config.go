package wansim

import (
	"fmt"
	"net"
	"time"
)

// DefaultListen is the address a [Proxy] listens on when [Config.Listen] is
// empty: an ephemeral port on the IPv4 loopback interface.
const DefaultListen = "127.0.0.1:0"

// MaxRTT is the largest accepted [Config.RTT] and [Config.Jitter]. Larger
// values are almost certainly a unit mistake.
const MaxRTT = time.Minute

// Config describes the simulated link. The zero value is not usable: Target
// is required. Use [DefaultConfig] to get ConnectRTT set.
type Config struct {
	// Target is the host:port every accepted connection is forwarded to.
	Target string
	// Listen is the host:port to listen on; empty means [DefaultListen].
	Listen string
	// RTT is the round-trip time. Each direction delays data by RTT/2.
	// Accepted: 0 to [MaxRTT].
	RTT time.Duration
	// Jitter adds a uniform random offset in [-Jitter/2, +Jitter/2] to each
	// chunk's one-way delay, without ever reordering chunks.
	// Accepted: 0 to RTT.
	Jitter time.Duration
	// Bandwidth caps each direction of each connection, in bytes per
	// second; 0 means unlimited. Accepted: >= 0.
	Bandwidth int64
	// ConnectRTT charges one RTT for TCP connection setup: no byte enters
	// either direction before one RTT after the connection was accepted.
	// [DefaultConfig] sets it.
	ConnectRTT bool
}

// DefaultConfig returns a Config forwarding to target, listening on
// [DefaultListen], with ConnectRTT set and no latency or bandwidth cap.
// Set RTT (and optionally Jitter and Bandwidth) before calling [New].
func DefaultConfig(target string) Config {
	return Config{Target: target, Listen: DefaultListen, ConnectRTT: true}
}

// withDefaults returns a copy of c with defaults applied; c is not mutated.
func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	return c
}

// validate checks every field and names the first bad one, its value and
// what is accepted.
func (c Config) validate() error {
	switch {
	case c.Target == "":
		return fmt.Errorf("wansim: Config.Target is empty; accepted: host:port of the server to forward to")
	case !isHostPort(c.Target):
		return fmt.Errorf("wansim: Config.Target %q is invalid; accepted: host:port", c.Target)
	case !isHostPort(c.Listen):
		return fmt.Errorf("wansim: Config.Listen %q is invalid; accepted: host:port (port 0 for any), or empty for %q", c.Listen, DefaultListen)
	case c.RTT < 0 || c.RTT > MaxRTT:
		return fmt.Errorf("wansim: Config.RTT %v is out of range; accepted: 0 to %v", c.RTT, MaxRTT)
	case c.Jitter < 0 || c.Jitter > c.RTT:
		return fmt.Errorf("wansim: Config.Jitter %v is out of range; accepted: 0 to Config.RTT (%v)", c.Jitter, c.RTT)
	case c.Bandwidth < 0:
		return fmt.Errorf("wansim: Config.Bandwidth %d is negative; accepted: bytes per second >= 0 (0 = unlimited)", c.Bandwidth)
	}
	return nil
}

// isHostPort reports whether s splits into a host and a non-empty port.
func isHostPort(s string) bool {
	_, port, err := net.SplitHostPort(s)
	return err == nil && port != ""
}
