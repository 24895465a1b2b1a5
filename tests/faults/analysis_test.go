package faults

import (
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
)

// outcome summarises a load's records.
type outcome struct {
	ops, ok, failed int
	readErrs        int
	writeErrs       int
	maybeApplied    int           // write errors that were *tursopooled.MaybeAppliedError
	maxCall         time.Duration // the slowest call, failed or not
	slowest         opRecord
	recovery        time.Duration // fault end → every worker's first success after the last failure
	recovered       bool          // every worker succeeded after the last failure
	unclear         []string      // errors that do not say what happened
	leaks           int           // errors that contain the auth token
	anomalies       []string      // reads that saw an acknowledged row missing or doubled
	errorKinds      map[string]int
}

// analyze computes the outcome of a load whose fault ended at faultEnd.
func analyze(recs []opRecord, workers int, faultEnd time.Time) outcome {
	o := outcome{errorKinds: map[string]int{}}
	for _, r := range recs {
		o.ops++
		if d := r.duration(); d > o.maxCall {
			o.maxCall, o.slowest = d, r
		}
		if r.anomaly != "" {
			o.anomalies = append(o.anomalies, r.anomaly)
		}
		if r.err == nil {
			o.ok++
			continue
		}
		o.failed++
		o.countError(r)
	}
	o.recovery, o.recovered = recoveryTime(recs, workers, faultEnd)
	return o
}

// countError classifies one failed call.
func (o *outcome) countError(r opRecord) {
	msg := r.err.Error()
	if r.kind == opRead {
		o.readErrs++
	} else {
		o.writeErrs++
		var ma *tursopooled.MaybeAppliedError
		if errors.As(r.err, &ma) {
			o.maybeApplied++
		}
	}
	if strings.Contains(msg, authToken) {
		o.leaks++
		msg = redact(msg)
	}
	if why := unclear(msg); why != "" {
		o.unclear = append(o.unclear, why+": "+msg)
	}
	o.errorKinds[r.kind.String()+": "+errorShape(msg)]++
}

// recoveryTime is the time from faultEnd until every worker has completed a
// successful call started after the last failed call of any worker (or
// after faultEnd, if later): the first fully successful round. ok is false
// when some worker never got there.
func recoveryTime(recs []opRecord, workers int, faultEnd time.Time) (time.Duration, bool) {
	from := faultEnd
	for _, r := range recs {
		if r.err != nil && r.end.After(from) {
			from = r.end
		}
	}
	first := make([]time.Time, workers)
	for _, r := range recs {
		if r.err == nil && !r.start.Before(from) && (first[r.worker].IsZero() || r.end.Before(first[r.worker])) {
			first[r.worker] = r.end
		}
	}
	var last time.Time
	for _, t := range first {
		if t.IsZero() {
			return 0, false
		}
		if t.After(last) {
			last = t
		}
	}
	return max(last.Sub(faultEnd), 0), true
}

// bareMessages are errors that say nothing about what happened to the
// call: a caller cannot tell a network failure from a bug.
var bareMessages = []string{
	"eof", "unexpected eof", "driver: bad connection", "context deadline exceeded",
	"context canceled", "use of closed network connection", "no response received",
}

// unclear returns why msg is not a clear error, or "" if it is.
func unclear(msg string) string {
	m := strings.ToLower(strings.TrimSpace(msg))
	switch {
	case m == "":
		return "empty message"
	case strings.Contains(m, strings.ToLower(authToken)):
		return "contains the auth token"
	case len(m) < 16:
		return "too short to say what happened"
	}
	for _, b := range bareMessages {
		if m == b {
			return "bare sentinel"
		}
	}
	return ""
}

var (
	numbers  = regexp.MustCompile(`[0-9]+`)
	hexBlobs = regexp.MustCompile(`[0-9a-f]{12,}`)
)

// errorShape normalises an error message for the catalogue of error kinds:
// ports, keys, counts and times become N, and long messages are cut.
func errorShape(msg string) string {
	msg = hexBlobs.ReplaceAllString(msg, "X")
	msg = numbers.ReplaceAllString(msg, "N")
	msg = strings.ReplaceAll(msg, "\n", " ")
	if len(msg) > 220 {
		msg = msg[:220] + "…"
	}
	return msg
}

// topKinds returns the n most frequent error kinds with their counts.
func (o outcome) topKinds(n int) []string {
	kinds := make([]string, 0, len(o.errorKinds))
	for k := range o.errorKinds {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if o.errorKinds[kinds[i]] != o.errorKinds[kinds[j]] {
			return o.errorKinds[kinds[i]] > o.errorKinds[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	if len(kinds) > n {
		kinds = kinds[:n]
	}
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = strconv.Itoa(o.errorKinds[k]) + " × " + k
	}
	return out
}

// redact replaces the auth token in s.
func redact(s string) string { return strings.ReplaceAll(s, authToken, "[TOKEN]") }
