package pool

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/turso-pooled/tursopooled/pool/adaptive"
)

// Defaults applied by [New]. Fields for which zero is a meaningful setting
// (MinConns, MaxConnIdleTime, MaxConnLifetime, KeepAlivePeriod,
// LeakThreshold) are taken literally; the constants for them are what the
// driver's DSN layer uses when a parameter is absent.
const (
	DefaultMinConns             = 5                      // connections kept warm
	DefaultMaxConns             = 20                     // used when Config.MaxConns is 0
	DefaultMaxConnIdleTime      = 5 * time.Minute        // suggested idle timeout
	DefaultLifetimeJitter       = 0.2                    // used when Config.LifetimeJitter is 0
	DefaultHealthCheckPeriod    = 30 * time.Second       // used when Config.HealthCheckPeriod is 0
	DefaultConnectTimeout       = 10 * time.Second       // used when Config.ConnectTimeout is 0
	DefaultBreakerFailures      = 5                      // used when BreakerConfig.Failures is 0
	DefaultBreakerLossWindow    = 100 * time.Millisecond // used when BreakerConfig.LossWindow is 0
	DefaultBreakerProbeInterval = 10 * time.Millisecond  // used when BreakerConfig.ProbeInterval is 0
)

// Config configures a [Pool] of connections of type T. [New] copies it; the
// caller's value is never modified.
type Config[T any] struct {
	// Constructor dials a new connection. Its context carries the pool's
	// cancellation (Close) and ConnectTimeout, and the values of the Acquire
	// context that caused it, but not that caller's cancellation: a slow dial
	// still lands in the pool after its caller gave up. Required.
	Constructor func(ctx context.Context) (T, error)
	// Destructor closes a connection. It is called with no lock held, in a
	// goroutine that Close waits for, so it must return in bounded time.
	// Optional.
	Destructor func(T)
	// Ping checks the health of an idle connection. nil disables pings:
	// connections are then only recycled by age and idleness.
	Ping func(ctx context.Context, v T) error

	MinConns int32 // connections kept open and warm (0 = none); at most MaxConns
	MaxConns int32 // hard ceiling on open connections; 0 = DefaultMaxConns

	MaxConnIdleTime   time.Duration // idle connections above MinConns are closed after this; 0 = never
	MaxConnLifetime   time.Duration // connections are recycled after about this long; 0 = never
	LifetimeJitter    float64       // each lifetime is shortened by a random fraction in [0, LifetimeJitter); 0 = DefaultLifetimeJitter, negative = no jitter; must be < 1
	HealthCheckPeriod time.Duration // period of the background health check; 0 = DefaultHealthCheckPeriod
	KeepAlivePeriod   time.Duration // idle connections unused for this long are pinged; 0 = only at health checks
	ConnectTimeout    time.Duration // bound on Acquire (waiting plus dialing) and on each dial and ping; 0 = DefaultConnectTimeout
	LeakThreshold     time.Duration // a connection held longer than this is logged once with its acquirer's stack; 0 = off

	// Logger receives breaker transitions and leaks (Warn/Info) and resizes
	// and background failures (Debug). nil discards.
	Logger *slog.Logger
	// Breaker configures the circuit breaker in front of Constructor.
	Breaker BreakerConfig
	// Adaptive enables the adaptive target between MinConns (at least 1)
	// and MaxConns; its Min and Max are overwritten with those. nil keeps a
	// fixed limit of MaxConns.
	Adaptive *adaptive.Config
	// Now returns the current time; nil means time.Now. For tests.
	Now func() time.Time
}

// BreakerConfig configures the circuit breaker that stops callers' dials
// after consecutive dial failures, and probes in the background until the
// server answers again. The zero value enables it with defaults.
type BreakerConfig struct {
	Disabled bool // true: every Acquire that needs a new connection dials
	// Failures is how many dials in a row must fail to open the breaker; a
	// dial that started before the previous failure (or success) was
	// recorded ran concurrently with it and does not count.
	// 0 = DefaultBreakerFailures.
	Failures int
	// LossWindow: after an open connection is found broken (by its caller,
	// [ReasonBroken], or a ping, [ReasonHealthCheck]), dial failures until
	// LossWindow after the latest such loss count as one. The callers that
	// one server restart disconnects dial again within milliseconds, in
	// waves that each start after the previous one failed, and that must
	// not open the breaker. 0 = DefaultBreakerLossWindow.
	LossWindow time.Duration
	// ProbeInterval is the pause between the end of one background probe
	// dial and the start of the next while the breaker is open, which
	// bounds how long callers are failed fast after the server answers
	// again. It is also the first wait before the pool retries a failed
	// top-up dial (to MinConns); each later retry, until a top-up dial
	// succeeds, waits twice as long, up to HealthCheckPeriod.
	// 0 = DefaultBreakerProbeInterval.
	ProbeInterval time.Duration
}

// normalize returns a copy of cfg with defaults applied, or an error naming
// the first invalid field, its value and what is accepted.
func normalize[T any](cfg Config[T]) (Config[T], error) {
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.LifetimeJitter == 0 {
		cfg.LifetimeJitter = DefaultLifetimeJitter
	} else if cfg.LifetimeJitter < 0 {
		cfg.LifetimeJitter = 0
	}
	if cfg.HealthCheckPeriod == 0 {
		cfg.HealthCheckPeriod = DefaultHealthCheckPeriod
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.Breaker.Failures == 0 {
		cfg.Breaker.Failures = DefaultBreakerFailures
	}
	if cfg.Breaker.LossWindow == 0 {
		cfg.Breaker.LossWindow = DefaultBreakerLossWindow
	}
	if cfg.Breaker.ProbeInterval == 0 {
		cfg.Breaker.ProbeInterval = DefaultBreakerProbeInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, validate(&cfg)
}

// validate checks a normalized config.
func validate[T any](c *Config[T]) error {
	switch {
	case c.Constructor == nil:
		return configError("Constructor", "nil", "a non-nil function")
	case c.MaxConns < 0:
		return configError("MaxConns", c.MaxConns, "an integer ≥ 1 (0 means 20)")
	case c.MinConns < 0 || c.MinConns > c.MaxConns:
		return configError("MinConns", c.MinConns, fmt.Sprintf("an integer from 0 to MaxConns (%d)", c.MaxConns))
	case c.MaxConnIdleTime < 0:
		return configError("MaxConnIdleTime", c.MaxConnIdleTime, "a duration ≥ 0 (0 = never)")
	case c.MaxConnLifetime < 0:
		return configError("MaxConnLifetime", c.MaxConnLifetime, "a duration ≥ 0 (0 = never)")
	case c.LifetimeJitter >= 1:
		return configError("LifetimeJitter", c.LifetimeJitter, "a fraction below 1 (0 means 0.2, negative disables)")
	case c.HealthCheckPeriod < 0:
		return configError("HealthCheckPeriod", c.HealthCheckPeriod, "a duration > 0")
	case c.KeepAlivePeriod < 0:
		return configError("KeepAlivePeriod", c.KeepAlivePeriod, "a duration ≥ 0 (0 = only at health checks)")
	case c.ConnectTimeout < 0:
		return configError("ConnectTimeout", c.ConnectTimeout, "a duration > 0")
	case c.LeakThreshold < 0:
		return configError("LeakThreshold", c.LeakThreshold, "a duration ≥ 0 (0 = off)")
	case c.Breaker.Failures < 0:
		return configError("Breaker.Failures", c.Breaker.Failures, "an integer ≥ 1 (0 means 5)")
	case c.Breaker.LossWindow < 0:
		return configError("Breaker.LossWindow", c.Breaker.LossWindow, fmt.Sprintf("a duration > 0 (0 means %v)", DefaultBreakerLossWindow))
	case c.Breaker.ProbeInterval < 0:
		return configError("Breaker.ProbeInterval", c.Breaker.ProbeInterval, fmt.Sprintf("a duration > 0 (0 means %v)", DefaultBreakerProbeInterval))
	}
	return nil
}

func configError(field string, value any, accepted string) error {
	return fmt.Errorf("turso-pooled: pool: invalid %s %v: accepted %s", field, value, accepted)
}
