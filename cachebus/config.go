package cachebus

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/turso-pooled/tursopooled/cache"
)

// Fallback is what a subscriber does while its subscription is not
// confirmed (at start, after a disconnect, while Redis is down), when it
// cannot know which invalidations it missed.
type Fallback string

const (
	// FallbackBypass flushes the cache when the subscription is lost and
	// serves nothing from it until the subscription is confirmed again and
	// the first ping after it answered (the default).
	FallbackBypass Fallback = "bypass"
	// FallbackTTL keeps serving: results are then at most the cache's
	// MaxTTL old, as without a bus. The cache is flushed when the
	// subscription is confirmed again.
	FallbackTTL Fallback = "ttl"
)

// Target is the cache a [Bus] applies remote invalidations to; a
// *cache.Cache is one. Its methods must be safe for concurrent use.
type Target interface {
	InvalidateAll()
	Invalidate(tables []string)
	InvalidateKeys(w cache.KeyedWrite)
	ServeUntil(t time.Time)
}

// Config configures a [Bus].
type Config struct {
	// URL is the Redis server: redis://[user:password@]host:port[/db] or
	// rediss://… (TLS). The password is a secret: it appears in no error,
	// log line or Stats.
	URL string
	// Channel is the pub/sub channel; "" derives it from Identity
	// ([DefaultChannel]).
	Channel string
	// Identity names the database whose cache this is; only messages
	// published with the same identity are applied. It is sent hashed.
	Identity string
	// Fallback applies while the subscription is not confirmed; "" is
	// FallbackBypass.
	Fallback Fallback
	// Target receives the remote invalidations; required.
	Target Target
	// Logger receives every transition at Warn; nil discards.
	Logger *slog.Logger
}

// DefaultChannel is the channel of a database identity when none is
// configured: "turso-pooled:cache:" and 16 hex digits of its SHA-256. It
// holds nothing of the identity itself (no host, no token).
func DefaultChannel(identity string) string {
	id := identityID(identity)
	return "turso-pooled:cache:" + hex.EncodeToString(id[:8])
}

func identityID(identity string) ID {
	sum := sha256.Sum256([]byte("turso-pooled cache bus\x00" + identity))
	var id ID
	copy(id[:], sum[:])
	return id
}

// CheckURL reports whether raw is a Redis URL [New] accepts. Its error
// never contains the password.
func CheckURL(raw string) error {
	_, err := parseURL(raw)
	return err
}

// parseURL parses a redis:// or rediss:// URL into client options.
// go-redis's own errors are not returned: some quote the URL.
func parseURL(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("scheme %q is not redis or rediss", u.Scheme)
	}
	if u.Hostname() == "" || u.Port() == "" {
		return nil, errors.New("no host:port")
	}
	if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
		return nil, errors.New("port not in 1..65535")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("query parameters are not accepted")
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, errors.New("invalid Redis URL (database number?)")
	}
	return opts, nil
}

// RedactURL returns raw with its user information replaced by REDACTED,
// safe to log; "(unparsable URL)" when it does not parse.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	return u.String()
}
