package otelmetrics

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	tursopooled "github.com/turso-pooled/tursopooled"
)

// observation is a created instrument with its series and the precomputed
// attribute option of each.
type observation struct {
	def  *def
	i    metric.Int64Observable   // set when !def.float
	f    metric.Float64Observable // set when def.float
	opts []metric.ObserveOption   // parallel to def.series
}

// Register creates the package's observable instruments on meter and one
// callback that reads src once per collection. Call Unregister on the
// result when src is closed; the instruments themselves stay in the meter
// (the OpenTelemetry API cannot remove them) and report nothing afterwards.
// Register may be called for several sources on one meter when each has
// distinguishing attributes ([WithAttributes]).
func Register(meter metric.Meter, src StatsSource, opts ...Option) (metric.Registration, error) {
	if meter == nil {
		return nil, errors.New("otelmetrics: Register: nil meter")
	}
	if src == nil {
		return nil, errors.New("otelmetrics: Register: nil StatsSource")
	}
	o := options{prefix: DefaultPrefix}
	for _, opt := range opts {
		opt(&o)
	}
	obs := make([]observation, len(defs))
	instruments := make([]metric.Observable, 0, len(defs))
	for i := range defs {
		ob, err := create(meter, &defs[i], &o)
		if err != nil {
			return nil, err
		}
		obs[i] = ob
		if ob.i != nil {
			instruments = append(instruments, ob.i)
		} else {
			instruments = append(instruments, ob.f)
		}
	}
	reg, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := src.Stats()
		for _, ob := range obs {
			ob.observe(o, &s)
		}
		return nil
	}, instruments...)
	if err != nil {
		return nil, fmt.Errorf("otelmetrics: register callback: %w", err)
	}
	return reg, nil
}

func (ob *observation) observe(o metric.Observer, s *tursopooled.Stats) {
	for j, sr := range ob.def.series {
		if ob.i != nil {
			o.ObserveInt64(ob.i, sr.i(s), ob.opts[j])
		} else {
			o.ObserveFloat64(ob.f, sr.f(s), ob.opts[j])
		}
	}
}

// create makes d's instrument on meter and precomputes its attribute sets.
func create(meter metric.Meter, d *def, o *options) (observation, error) {
	name := d.name
	if o.prefix != "" {
		name = o.prefix + "." + d.name
	}
	ob := observation{def: d, opts: make([]metric.ObserveOption, len(d.series))}
	for j, sr := range d.series {
		kvs := append(append([]attribute.KeyValue(nil), o.attrs...), sr.attrs...)
		ob.opts[j] = metric.WithAttributeSet(attribute.NewSet(kvs...))
	}
	var err error
	if d.float {
		ob.f, err = createFloat(meter, name, d)
	} else {
		ob.i, err = createInt(meter, name, d)
	}
	if err != nil {
		return observation{}, fmt.Errorf("otelmetrics: instrument %s: %w", name, err)
	}
	return ob, nil
}

func createInt(meter metric.Meter, name string, d *def) (metric.Int64Observable, error) {
	unit, desc := metric.WithUnit(d.unit), metric.WithDescription(d.desc)
	switch d.kind {
	case counter:
		return meter.Int64ObservableCounter(name, unit, desc)
	case updown:
		return meter.Int64ObservableUpDownCounter(name, unit, desc)
	default:
		return meter.Int64ObservableGauge(name, unit, desc)
	}
}

func createFloat(meter metric.Meter, name string, d *def) (metric.Float64Observable, error) {
	unit, desc := metric.WithUnit(d.unit), metric.WithDescription(d.desc)
	switch d.kind {
	case counter:
		return meter.Float64ObservableCounter(name, unit, desc)
	case updown:
		return meter.Float64ObservableUpDownCounter(name, unit, desc)
	default:
		return meter.Float64ObservableGauge(name, unit, desc)
	}
}
