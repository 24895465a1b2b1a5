package tursoprom

import (
	"maps"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultNamespace is the prefix of every metric name unless [WithNamespace]
// changes it.
const DefaultNamespace = "turso_pooled"

// Option configures a [Collector]; pass options to [NewCollector].
type Option func(*options)

type options struct {
	namespace   string
	constLabels prometheus.Labels
}

// WithNamespace sets the prefix of every metric name (default
// [DefaultNamespace]). An empty namespace means no prefix. A namespace that
// is not a valid Prometheus name makes registering the collector fail.
func WithNamespace(ns string) Option {
	return func(o *options) { o.namespace = ns }
}

// WithConstLabels adds labels with fixed values to every metric, for
// instance {"db": "main"} to tell several databases apart in one registry.
// The map is copied. Calling it again adds to the labels given before.
func WithConstLabels(labels prometheus.Labels) Option {
	return func(o *options) {
		if o.constLabels == nil {
			o.constLabels = prometheus.Labels{}
		}
		maps.Copy(o.constLabels, labels)
	}
}
