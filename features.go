package tursopooled

import (
	"context"
	"database/sql/driver"
	"fmt"
	"log/slog"

	"github.com/turso-pooled/tursopooled/cache"
	"github.com/turso-pooled/tursopooled/compress"
)

// features holds what sits between database/sql and the upstream driver:
// the result cache (nil when off) and the compression codec (always present,
// because reads decode frames even when writes do not make them).
type features struct {
	identity       string
	cache          *cache.Cache
	codec          *compress.Codec
	compressWrites bool
	maxEntryBytes  int64 // largest result the cache stores
	schema         schemaDeps
	storm          stormDetector
}

func (f *features) init(cfg *Config, logger *slog.Logger) error {
	f.identity = databaseIdentity(cfg)
	f.compressWrites = cfg.Compress == CompressionBrotli
	codec, err := compress.New(compress.Config{
		Threshold:       int(min(cfg.CompressThreshold, 1<<31-1)),
		MaxDecodedBytes: cfg.CompressMaxDecodedBytes,
	})
	if err != nil {
		return fmt.Errorf("turso-pooled: compression: %w", err)
	}
	f.codec = codec
	if !cfg.Cache {
		return nil
	}
	f.maxEntryBytes = cfg.CacheMaxBytes / 64
	f.cache, err = cache.New(cache.Config{
		MaxBytes:      cfg.CacheMaxBytes,
		TTL:           cfg.CacheTTL,
		MaxTTL:        cfg.EffectiveCacheMaxTTL(),
		MaxEntryBytes: f.maxEntryBytes,
	})
	if err != nil {
		return fmt.Errorf("turso-pooled: cache: %w", err)
	}
	f.schema.logger = logger
	f.storm.logger = logger
	return nil
}

func (f *features) close() {
	f.cache.Close()
}

// encodeArgs frames the large text and blob arguments of a statement that
// stores them (INSERT, REPLACE, UPDATE) when compress=br. The caller's slice
// is not modified.
func (f *features) encodeArgs(ctx context.Context, st *statement, args []driver.NamedValue) ([]driver.NamedValue, error) {
	if !f.compressWrites || len(args) == 0 || compressionBypassed(ctx) || !st.storesValues() {
		return args, nil
	}
	var out []driver.NamedValue
	for i, a := range args {
		var (
			frame []byte
			ok    bool
		)
		switch v := a.Value.(type) {
		case string:
			frame, ok = f.codec.EncodeString(v)
		case []byte:
			frame, ok = f.codec.EncodeBytes(v)
		}
		if !ok {
			continue
		}
		if out == nil {
			out = append([]driver.NamedValue(nil), args...)
		}
		out[i].Value = frame
	}
	if out == nil {
		return args, nil
	}
	return out, nil
}

// decodeRow replaces every compression frame in dest by the value it holds.
// A blob that is not a valid frame is left untouched; a frame that fails its
// safety checks is an error naming the column.
func (f *features) decodeRow(cols []string, dest []driver.Value) error {
	for i, v := range dest {
		b, ok := v.([]byte)
		if !ok || !compress.LooksFramed(b) {
			continue
		}
		decoded, framed, err := f.codec.Decode(b)
		if err != nil {
			name := fmt.Sprint(i)
			if i < len(cols) {
				name = fmt.Sprintf("%q", cols[i])
			}
			return fmt.Errorf("turso-pooled: column %s: %w", name, err)
		}
		if framed {
			dest[i] = decoded
		}
	}
	return nil
}
