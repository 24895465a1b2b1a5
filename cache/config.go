package cache

import (
	"fmt"
	"time"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	// DefaultMaxBytes is the default memory bound: 64 MiB.
	DefaultMaxBytes int64 = 64 << 20
	// DefaultTTL is the default base TTL. Writes made through this process
	// invalidate entries at once, so the TTL only bounds how long a result
	// can miss a write made by another client: 5 s keeps that bound (times
	// MaxTTLFactor, 12.5 s) in the range users accept from a read replica,
	// while a query repeated more than about once a second is served from
	// the cache almost always.
	DefaultTTL = 5 * time.Second
	// MaxTTLFactor is the default ratio MaxTTL / TTL (2.5, per the design).
	MaxTTLFactor = 2.5
	// DefaultEntryFraction is the default MaxEntryBytes as a fraction of
	// MaxBytes (1/64): at least 64 maximal results always fit, so one large
	// scan cannot flush the working set of small hot results.
	DefaultEntryFraction = 64
	// MinMaxBytes is the smallest accepted MaxBytes: 4 KiB.
	MinMaxBytes int64 = 4 << 10
)

// Config configures a [Cache]. The zero value selects every default.
type Config struct {
	// MaxBytes bounds the estimated memory of stored results, keys and
	// per-entry overhead, in bytes (ristretto's MaxCost). 0 means
	// DefaultMaxBytes; otherwise at least MinMaxBytes.
	MaxBytes int64
	// TTL is the base lifetime of an entry that is not hit. 0 means
	// DefaultTTL.
	TTL time.Duration
	// MaxTTL is the lifetime of the hottest entries and the hard bound on any
	// entry's age: no result is served more than MaxTTL after the query that
	// produced it was sent. 0 means MaxTTLFactor × TTL; otherwise ≥ TTL.
	MaxTTL time.Duration
	// MaxEntryBytes is the largest result (by [Result.Size]) that is cached,
	// in bytes. 0 means MaxBytes / DefaultEntryFraction; otherwise at most
	// MaxBytes.
	MaxEntryBytes int64
	// Now returns the current time; nil means time.Now. Tests use a fake clock.
	Now func() time.Time
}

// withDefaults returns a copy of cfg with defaults applied and validated.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxTTL == 0 && cfg.TTL > 0 {
		cfg.MaxTTL = time.Duration(float64(cfg.TTL) * MaxTTLFactor)
	}
	if cfg.MaxEntryBytes == 0 {
		cfg.MaxEntryBytes = cfg.MaxBytes / DefaultEntryFraction
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	switch {
	case cfg.MaxBytes < MinMaxBytes:
		return cfg, fmt.Errorf("cache: MaxBytes %d is too small: accepted 0 (default %d) or ≥ %d", cfg.MaxBytes, DefaultMaxBytes, MinMaxBytes)
	case cfg.TTL < 0:
		return cfg, fmt.Errorf("cache: TTL %v is negative: accepted 0 (default %v) or a positive duration", cfg.TTL, DefaultTTL)
	case cfg.MaxTTL < cfg.TTL:
		return cfg, fmt.Errorf("cache: MaxTTL %v is below TTL %v: accepted 0 (default %.1f × TTL) or a duration ≥ TTL", cfg.MaxTTL, cfg.TTL, MaxTTLFactor)
	case cfg.MaxEntryBytes < 0 || cfg.MaxEntryBytes > cfg.MaxBytes:
		return cfg, fmt.Errorf("cache: MaxEntryBytes %d is out of range: accepted 0 (default MaxBytes/%d) or 1..MaxBytes (%d)", cfg.MaxEntryBytes, DefaultEntryFraction, cfg.MaxBytes)
	}
	return cfg, nil
}
