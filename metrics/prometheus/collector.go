package tursoprom

import (
	"github.com/prometheus/client_golang/prometheus"
	tursopooled "github.com/turso-pooled/tursopooled"
)

// waitQuantiles are the quantiles of the acquire-wait summary.
var waitQuantiles = []float64{0.5, 0.95, 0.99}

// Collector is a prometheus.Collector for one turso-pooled connector. It
// takes one snapshot per Collect; it is safe for concurrent use.
type Collector struct {
	src   StatsSource
	descs []*prometheus.Desc // parallel to specs
	wait  *prometheus.Desc   // the acquire-wait summary
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector of src's counters; register it with
// prometheus.Register (or a registry of your own). An invalid namespace or
// label name is reported by Register, not here.
func NewCollector(src StatsSource, opts ...Option) *Collector {
	o := options{namespace: DefaultNamespace}
	for _, opt := range opts {
		opt(&o)
	}
	c := &Collector{src: src, descs: make([]*prometheus.Desc, len(specs))}
	for i, sp := range specs {
		c.descs[i] = prometheus.NewDesc(prometheus.BuildFQName(o.namespace, "", sp.name),
			sp.help, sp.labels, o.constLabels)
	}
	c.wait = prometheus.NewDesc(prometheus.BuildFQName(o.namespace, "", "pool_acquire_wait_seconds"),
		"Time spent in successful acquires, in seconds; quantiles over the last 1024 acquires.",
		nil, o.constLabels)
	return c
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
	ch <- c.wait
}

// Collect implements prometheus.Collector: it reads one snapshot of the
// source and sends every metric. A nil source sends nothing.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.src == nil {
		return
	}
	s := c.src.Stats()
	for i, sp := range specs {
		for _, smp := range sp.samples(&s) {
			m, err := prometheus.NewConstMetric(c.descs[i], sp.typ, smp.value, smp.labels...)
			if err != nil {
				m = prometheus.NewInvalidMetric(c.descs[i], err)
			}
			ch <- m
		}
	}
	ch <- c.waitSummary(&s)
}

func (c *Collector) waitSummary(s *tursopooled.Stats) prometheus.Metric {
	p := s.Pool
	values := []float64{p.WaitP50().Seconds(), p.WaitP95().Seconds(), p.WaitP99().Seconds()}
	q := make(map[float64]float64, len(waitQuantiles))
	for i, quantile := range waitQuantiles {
		q[quantile] = values[i]
	}
	count := uint64(max(p.AcquireCount(), 0))
	m, err := prometheus.NewConstSummary(c.wait, count, p.AcquireDuration().Seconds(), q)
	if err != nil {
		return prometheus.NewInvalidMetric(c.wait, err)
	}
	return m
}
