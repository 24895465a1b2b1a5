package otelmetrics

import "go.opentelemetry.io/otel/attribute"

// DefaultPrefix starts every instrument name unless [WithPrefix] changes it.
const DefaultPrefix = "turso_pooled"

// Option configures [Register].
type Option func(*options)

type options struct {
	prefix string
	attrs  []attribute.KeyValue
}

// WithPrefix sets the first part of every instrument name (default
// [DefaultPrefix]); "" means none, so names start with "pool.", "cache." and
// "compression.". A prefix that makes an invalid instrument name (one that
// does not start with a letter, say) makes Register fail with an SDK that
// checks names.
func WithPrefix(prefix string) Option {
	return func(o *options) { o.prefix = prefix }
}

// WithAttributes adds attributes to every measurement, for instance
// attribute.String("db.namespace", "main") to tell several databases apart.
// Calling it again adds to the attributes given before.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(o *options) { o.attrs = append(o.attrs, attrs...) }
}
