package cachebus

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Timing of the subscription's health checks and of reconnects.
const (
	// pingEvery is the period of the pings on the subscription connection.
	pingEvery = 250 * time.Millisecond
	// leaseFor is how long after a ping was sent its answer lets the
	// cache serve (with FallbackBypass): every message published before
	// Redis answered it has been applied by then.
	leaseFor = time.Second
	// deadAfter is how long the subscription connection may stay silent
	// (no message, no answer to the pings) before it is dropped and made
	// again.
	deadAfter = 3 * time.Second
	// publishTimeout bounds a write's wait for Redis to accept its
	// invalidation; past it, the message is retried in the background.
	publishTimeout = time.Second
	minBackoff     = 50 * time.Millisecond
	maxBackoff     = 5 * time.Second
	dialTimeout    = time.Second
)

// Bus publishes the invalidations of one process's cache and applies
// those of the other processes caching the same database (see the
// package documentation). Its methods are safe for concurrent use; a nil
// *Bus is a bus that is off.
type Bus struct {
	client   *redis.Client
	channel  string
	identity ID
	instance ID
	fallback Fallback
	target   Target
	logger   *slog.Logger
	where    string // redacted URL and channel, for logs

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	ps     *redis.PubSub // the current subscription; guarded by mu
	closed bool          // guarded by mu

	subscribed atomic.Bool
	failing    atomic.Bool // publishing fails: messages go to the retry queue
	queue      chan []byte
	overflow   atomic.Bool // the retry queue was full: send "everything" instead
	ctr        counters
}

// New starts a bus: it validates cfg (a malformed URL is an error that
// never shows the password), then subscribes in the background. An
// unreachable server is not an error: the bus keeps trying with backoff,
// reports it in Stats and logs, and the fallback applies meanwhile. With
// FallbackBypass the target serves nothing until the subscription is
// confirmed. Close stops every goroutine.
func New(cfg Config) (*Bus, error) {
	opts, err := parseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("cachebus: URL %s: %w", RedactURL(cfg.URL), err)
	}
	switch cfg.Fallback {
	case "":
		cfg.Fallback = FallbackBypass
	case FallbackBypass, FallbackTTL:
	default:
		return nil, fmt.Errorf("cachebus: fallback %q: want %q or %q", cfg.Fallback, FallbackBypass, FallbackTTL)
	}
	if cfg.Target == nil {
		return nil, errors.New("cachebus: nil Target")
	}
	if cfg.Channel == "" {
		cfg.Channel = DefaultChannel(cfg.Identity)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Protocol = 2 // RESP2: pub/sub replies and pings keep one shape on every server version
	opts.DisableIdentity = true
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	opts.DialTimeout = dialTimeout
	opts.DialerRetries = 1 // one dial per attempt: the bus backs off by itself
	opts.ReadTimeout = publishTimeout
	opts.WriteTimeout = publishTimeout
	opts.MaxRetries = -1 // the bus retries by itself, without holding up writes
	opts.ContextTimeoutEnabled = true
	b := &Bus{
		client:   redis.NewClient(opts),
		channel:  cfg.Channel,
		identity: identityID(cfg.Identity),
		fallback: cfg.Fallback,
		target:   cfg.Target,
		logger:   cfg.Logger,
		where:    RedactURL(cfg.URL) + " channel " + cfg.Channel,
		queue:    make(chan []byte, retryQueueLen),
	}
	if _, err := rand.Read(b.instance[:]); err != nil {
		return nil, fmt.Errorf("cachebus: instance id: %w", err)
	}
	if b.fallback == FallbackBypass {
		b.target.ServeUntil(time.Time{})
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.wg.Add(2)
	go b.subscribeLoop()
	go b.retryLoop()
	return b, nil
}

// Channel returns the pub/sub channel the bus uses.
func (b *Bus) Channel() string {
	if b == nil {
		return ""
	}
	return b.channel
}

// Close stops the bus's goroutines and closes its connections. Messages
// still waiting for a retry are dropped. Nil-safe and idempotent.
func (b *Bus) Close() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.cancel()
	if b.ps != nil {
		_ = b.ps.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
	return b.client.Close()
}

// sleep waits d or until the bus closes, and reports whether it is open.
func (b *Bus) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-b.ctx.Done():
		return false
	}
}
