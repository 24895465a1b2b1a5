package main

import (
	"math"
	"slices"
	"time"
)

// percentile returns the q-quantile (0 ≤ q ≤ 1) of sorted by linear
// interpolation between the closest ranks, or NaN for an empty slice.
func percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	switch {
	case n == 0 || math.IsNaN(q):
		return math.NaN()
	case q <= 0:
		return sorted[0]
	case q >= 1:
		return sorted[n-1]
	}
	pos := q * float64(n-1)
	lo := int(math.Floor(pos))
	frac := pos - float64(lo)
	if lo+1 >= n {
		return sorted[n-1]
	}
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}

// median returns the median of values (NaNs ignored), or NaN when none is
// left. values is not modified.
func median(values []float64) float64 {
	clean := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			clean = append(clean, v)
		}
	}
	slices.Sort(clean)
	return percentile(clean, 0.5)
}

// ratio returns a/b, or NaN when either is NaN or b is 0.
func ratio(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return math.NaN()
	}
	return a / b
}

// perOp returns n/ops, or NaN without operations.
func perOp(n int64, ops int64) float64 {
	if ops <= 0 {
		return math.NaN()
	}
	return float64(n) / float64(ops)
}

// latencySummary holds the percentiles of a set of durations, in ms.
type latencySummary struct {
	P50, P95, P99, Mean float64
	N                   int
}

// summarize returns the percentiles of ds in milliseconds. ds is sorted in
// place.
func summarize(ds []time.Duration) latencySummary {
	if len(ds) == 0 {
		nan := math.NaN()
		return latencySummary{P50: nan, P95: nan, P99: nan, Mean: nan}
	}
	ms := make([]float64, len(ds))
	var sum float64
	for i, d := range ds {
		ms[i] = float64(d) / float64(time.Millisecond)
		sum += ms[i]
	}
	slices.Sort(ms)
	return latencySummary{
		P50:  percentile(ms, 0.50),
		P95:  percentile(ms, 0.95),
		P99:  percentile(ms, 0.99),
		Mean: sum / float64(len(ms)),
		N:    len(ms),
	}
}

// put stores the summary in m under prefix+"p50_ms" and so on.
func (l latencySummary) put(m Metrics, prefix string) {
	m[prefix+"p50_ms"] = l.P50
	m[prefix+"p95_ms"] = l.P95
	m[prefix+"p99_ms"] = l.P99
	m[prefix+"mean_ms"] = l.Mean
}
