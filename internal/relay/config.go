package relay

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Defaults applied by [New] to zero Config fields.
const (
	// DefaultMaxConns is the default Config.MaxConns.
	DefaultMaxConns = 20
	// DefaultIdleTimeout is the default Config.IdleTimeout.
	DefaultIdleTimeout = 90 * time.Second
	// MinSecretLen is the shortest accepted Config.Secret, in bytes.
	MinSecretLen = 16
)

// Config configures a [Relay]. New copies it; the caller may reuse it.
type Config struct {
	// Target is the server's base URL: scheme http or https, a host with an
	// optional port and an optional path prefix, to which each request's
	// path is appended. It must not hold user info, a query or a fragment.
	// Required.
	Target *url.URL
	// Transport, if not nil, supplies the dialer, TLS, proxy and timeout
	// settings for connections to Target (for example a clone of
	// http.DefaultTransport with TLSClientConfig.RootCAs set). New clones
	// it and never modifies it. The clone's connection limits always come
	// from MaxConns and IdleTimeout, and ForceAttemptHTTP2 is set (use
	// Transport.Protocols to restrict protocols). Nil means a clone of
	// http.DefaultTransport's settings taken when New runs.
	Transport *http.Transport
	// MaxConns bounds the TCP connections to Target, open and idle alike.
	// 0 means DefaultMaxConns.
	MaxConns int
	// IdleTimeout is how long an idle connection to Target is kept open.
	// 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MinConns is how many connections to Target the relay opens in the
	// background as soon as New returns and keeps open: every
	// KeepAlivePeriod it sends GET requests for Target's /v2 (the Hrana
	// version check, which needs no credentials) that use one connection
	// each, MinConns at once over HTTP/1.1 and one over HTTP/2 (where one
	// connection carries every request), so that neither side closes them
	// as idle and a dropped one is dialed again before a client needs it.
	// 0 means none; at most MaxConns.
	MinConns int
	// KeepAlivePeriod is the period of those requests. 0 means a third of
	// IdleTimeout; at most IdleTimeout.
	KeepAlivePeriod time.Duration
	// Secret is the value clients must send in the [SecretHeaderName]
	// header: at least MinSecretLen visible ASCII characters, normally from
	// [NewSecret]. Required. It never appears in errors.
	Secret string
}

// withDefaults returns a copy of c with zero fields defaulted.
func (c Config) withDefaults() Config {
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.KeepAlivePeriod == 0 {
		c.KeepAlivePeriod = c.IdleTimeout / 3
	}
	return c
}

// validate reports the first invalid field of a defaulted Config.
func (c Config) validate() error {
	if err := validateTarget(c.Target); err != nil {
		return err
	}
	switch {
	case c.MaxConns < 0:
		return fmt.Errorf("turso-pooled: relay: MaxConns is %d; accepted: 0 (default %d) or a positive count", c.MaxConns, DefaultMaxConns)
	case c.IdleTimeout < 0:
		return fmt.Errorf("turso-pooled: relay: IdleTimeout is %v; accepted: 0 (default %v) or a positive duration", c.IdleTimeout, DefaultIdleTimeout)
	case c.MinConns < 0 || c.MinConns > c.MaxConns:
		return fmt.Errorf("turso-pooled: relay: MinConns is %d; accepted: 0 to MaxConns (%d)", c.MinConns, c.MaxConns)
	case c.KeepAlivePeriod < 0 || c.KeepAlivePeriod > c.IdleTimeout:
		return fmt.Errorf("turso-pooled: relay: KeepAlivePeriod is %v; accepted: 0 (a third of IdleTimeout) or a positive duration up to IdleTimeout (%v)", c.KeepAlivePeriod, c.IdleTimeout)
	}
	return validateSecret(c.Secret)
}

// validateTarget checks Config.Target.
func validateTarget(u *url.URL) error {
	const accepted = "accepted: http:// or https:// URL with a host, an optional port and path, no user info, query or fragment"
	if u == nil {
		return errors.New("turso-pooled: relay: Target is nil; " + accepted)
	}
	t := u.Redacted()
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("turso-pooled: relay: Target %q has scheme %q; %s", t, u.Scheme, accepted)
	case u.Opaque != "" || u.Host == "":
		return fmt.Errorf("turso-pooled: relay: Target %q has no host; %s", t, accepted)
	case u.User != nil:
		return fmt.Errorf("turso-pooled: relay: Target %q has user info; %s", t, accepted)
	case u.RawQuery != "" || u.ForceQuery:
		return fmt.Errorf("turso-pooled: relay: Target %q has a query; %s", t, accepted)
	case u.Fragment != "":
		return fmt.Errorf("turso-pooled: relay: Target %q has a fragment; %s", t, accepted)
	}
	return nil
}

// validateSecret checks Config.Secret without revealing it.
func validateSecret(s string) error {
	const accepted = "accepted: at least 16 visible ASCII characters (see NewSecret)"
	if len(s) < MinSecretLen {
		return fmt.Errorf("turso-pooled: relay: Secret has %d characters; %s", len(s), accepted)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return fmt.Errorf("turso-pooled: relay: Secret has a byte 0x%02x at offset %d; %s", s[i], i, accepted)
		}
	}
	return nil
}
