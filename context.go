package tursopooled

import (
	"context"
	"time"
)

type ctxKey int

const (
	ctxNoCache ctxKey = iota
	ctxCacheTTL
	ctxNoCompression
)

// WithoutCache returns a context whose queries neither read from nor fill the
// result cache. Writes made with it still invalidate cached results.
func WithoutCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, ctxNoCache, true)
}

// WithCacheTTL returns a context whose cacheable queries are cached for
// exactly d (instead of the access-scored TTL), capped at cache_max_ttl.
// A d ≤ 0 behaves like [WithoutCache].
func WithCacheTTL(ctx context.Context, d time.Duration) context.Context {
	if d <= 0 {
		return WithoutCache(ctx)
	}
	return context.WithValue(ctx, ctxCacheTTL, d)
}

// WithoutCompression returns a context whose statements send every argument
// as it is, even with compress=br. Reads still decode frames.
func WithoutCompression(ctx context.Context) context.Context {
	return context.WithValue(ctx, ctxNoCompression, true)
}

func cacheBypassed(ctx context.Context) bool {
	v, _ := ctx.Value(ctxNoCache).(bool)
	return v
}

func cacheTTLOverride(ctx context.Context) time.Duration {
	d, _ := ctx.Value(ctxCacheTTL).(time.Duration)
	return d
}

func compressionBypassed(ctx context.Context) bool {
	v, _ := ctx.Value(ctxNoCompression).(bool)
	return v
}
