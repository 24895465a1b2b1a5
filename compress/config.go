package compress

import (
	"fmt"
	"math"
)

// Defaults applied by [New] to zero [Config] fields. doc.go explains how
// they were chosen.
const (
	// DefaultThreshold is the default [Config.Threshold] in bytes.
	DefaultThreshold = 1024
	// DefaultQuality is the default brotli [Config.Quality].
	DefaultQuality = 5
	// DefaultMaxDecodedBytes is the default [Config.MaxDecodedBytes] (32 MiB).
	DefaultMaxDecodedBytes = 32 << 20
)

// Accepted ranges of [Config] fields.
const (
	// MinQuality is the lowest selectable brotli quality (fastest); 0 in
	// [Config.Quality] means [DefaultQuality].
	MinQuality = 1
	// MaxQuality is the highest brotli quality (densest, slowest).
	MaxQuality = 11
)

// maxLimit is the largest Threshold and MaxDecodedBytes: what a frame can
// declare, and what an int can index on this platform.
const maxLimit = min(MaxOriginalLen, math.MaxInt)

// Config configures a [Codec]. The zero value means "all defaults". [New]
// copies it and never modifies the caller's value.
type Config struct {
	// Threshold is the length in bytes below which a value is never framed.
	// 0 means [DefaultThreshold]; accepted 0..[MaxOriginalLen]
	// (less on 32-bit platforms: math.MaxInt).
	Threshold int
	// Quality is the brotli quality, [MinQuality] (1, fastest) to
	// [MaxQuality] (11, densest); 0 means [DefaultQuality]. Brotli's own
	// quality 0 cannot be selected.
	Quality int
	// MaxDecodedBytes bounds, in bytes, the original length a frame may
	// declare and the number of bytes decoding may produce: a value declaring
	// more is not a frame ([Codec.Decode] returns it as not framed). Values
	// longer than this are also never framed, so a Codec can read what it
	// writes.
	// 0 means [DefaultMaxDecodedBytes]; accepted 0..[MaxOriginalLen]
	// (less on 32-bit platforms: math.MaxInt).
	MaxDecodedBytes int64
}

// withDefaults returns a copy of c with zero fields replaced by defaults,
// or an error (wrapping [ErrInvalidConfig]) naming the first invalid field.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Threshold < 0 || int64(c.Threshold) > maxLimit:
		return c, configError("Threshold", int64(c.Threshold), fmt.Sprintf("0 (default %d) to %d bytes", DefaultThreshold, uint64(maxLimit)))
	case c.Quality < 0 || c.Quality > MaxQuality:
		return c, configError("Quality", int64(c.Quality), fmt.Sprintf("0 (default %d) or %d to %d", DefaultQuality, MinQuality, MaxQuality))
	case c.MaxDecodedBytes < 0 || c.MaxDecodedBytes > maxLimit:
		return c, configError("MaxDecodedBytes", c.MaxDecodedBytes, fmt.Sprintf("0 (default %d) to %d bytes", DefaultMaxDecodedBytes, uint64(maxLimit)))
	}
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	if c.Quality == 0 {
		c.Quality = DefaultQuality
	}
	if c.MaxDecodedBytes == 0 {
		c.MaxDecodedBytes = DefaultMaxDecodedBytes
	}
	return c, nil
}

// configError builds the error for an invalid field.
func configError(field string, value int64, accepted string) error {
	return fmt.Errorf("%w: %s = %d, accepted %s", ErrInvalidConfig, field, value, accepted)
}
