package tursopooled

import (
	"net/url"
	"strings"
	"time"

	"github.com/turso-pooled/tursopooled/internal/relay"
)

// The upstream driver sends every Hrana-over-HTTP request with
// http.DefaultClient, whose transport keeps 2 idle connections per host: with
// HTTP/1.1 under concurrency it closes connections and handshakes TCP and TLS
// again for most requests, whatever the pool does. turso-pooled does not
// touch http.DefaultTransport (the host application owns it). Instead each
// connector runs a keep-alive relay on 127.0.0.1: the upstream driver is
// pointed at it with its own WithProxy option, and the relay forwards each
// request to the server over its own transport, which keeps up to
// pool_max_conns connections (HTTP/2 when the server offers it) with TLS
// verified as usual. The loopback hop costs microseconds; a request without
// the connector's random secret header is refused, so other local processes
// cannot use the relay. pool_http_relay=off sends requests directly, as the
// upstream does; so does a user-supplied WithProxy.
//
// Pre-warming includes the network: the relay opens pool_min_conns
// connections to the server (one over HTTP/2) in the background when the
// connector is built, and keeps them in use at the health-check period,
// so the first queries pay for neither TCP nor TLS. It also labels each
// pooled connection's requests, so that the connector learns the
// stream_ttl_ms the server announces for its stream (see httpConn).

// relayTarget is the server base URL the relay forwards to, as the upstream
// would compute it: libsql:// is https:// unless tls=0. The path stays in the
// upstream's request URL, so the target has none.
func relayTarget(cfg *Config) *url.URL {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil
	}
	if u.Scheme == "libsql" {
		u.Scheme = "https"
		if cfg.TLS == TLSOff {
			u.Scheme = "http"
		}
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}
}

// relayKeepAlive is the period at which the relay uses its pool_min_conns
// connections to the server: the pool's health-check period, at which the
// pool keeps its idle connections alive too.
func relayKeepAlive(cfg *Config) time.Duration { return cfg.HealthCheckPeriod }

// relayIdleTimeout is how long the relay keeps an idle connection to the
// server: relay.DefaultIdleTimeout, or three keep-alive periods when that
// is longer, so that the keep-alive requests find the minimum connections
// open.
func relayIdleTimeout(cfg *Config) time.Duration {
	return max(relay.DefaultIdleTimeout, 3*relayKeepAlive(cfg))
}

// startRelay starts the connector's relay for HTTP URLs, or returns nil when
// none is wanted.
func startRelay(cfg *Config) (*relay.Relay, error) {
	if !cfg.HTTPRelay || cfg.Proxy != "" || transportOf(cfg) != transportHTTP {
		return nil, nil
	}
	target := relayTarget(cfg)
	if target == nil || !strings.HasPrefix(target.Scheme, "http") {
		return nil, nil
	}
	rl, err := relay.New(relay.Config{
		Target:          target,
		MaxConns:        int(cfg.MaxConns),
		MinConns:        int(cfg.MinConns),
		KeepAlivePeriod: relayKeepAlive(cfg),
		IdleTimeout:     relayIdleTimeout(cfg),
		Secret:          relay.NewSecret(),
	})
	if err != nil {
		return nil, err
	}
	return rl, nil
}
