package faults

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
)

// run is one load under one fault, ready to be checked.
type run struct {
	name, transport string
	workers         int
	faultStart      time.Time
	faultEnd        time.Time
	recs            []opRecord
	out             outcome
	st              stored
	noRecovery      bool // the fault lasts until the load stops: no recovery to measure
}

// runScenario runs sc on tr and checks every property of the issue.
func runScenario(t *testing.T, tr transport, sc scenario) {
	f := newFixture(t, tr, sc.rtt)
	db := f.openPooled(t, "")
	table := "t_" + strings.ReplaceAll(sc.name, "-", "_")
	createTable(t, db, table)

	r := run{name: sc.name, transport: tr.name, workers: workers()}
	ld := startLoad(db, table, r.workers)
	time.Sleep(warmup) // the load runs undisturbed for a while
	r.faultStart = time.Now()
	r.faultEnd = sc.inject(t, f)
	time.Sleep(time.Until(r.faultEnd.Add(postFault))) // the load runs on after the fault
	r.recs = ld.wait()
	r.finish(t, f, db, table)

	r.checkCommon(t)
	r.checkRecovery(t, healthCheckPeriod+recoverySlack)
	if n := r.failedBefore(r.faultStart); n > 0 {
		t.Errorf("%d calls failed before the fault was injected", n)
	}
	if sc.hideReads && r.out.readErrs > 0 {
		t.Errorf("%d reads failed; the driver must retry reads broken by %s transparently, e.g. %v",
			r.out.readErrs, sc.name, errText(r.firstReadErr()))
	}
}

// firstReadErr returns the first read error, or nil.
func (r *run) firstReadErr() error {
	for _, rec := range r.recs {
		if rec.kind == opRead && rec.err != nil {
			return rec.err
		}
	}
	return nil
}

// finish logs the pool's state, closes db and the proxy (so that nothing
// is still on its way to the server), then analyses the records and reads
// what was stored through a fresh plain connection.
func (r *run) finish(t *testing.T, f *fixture, db *sql.DB, table string) {
	t.Helper()
	if st, ok := tursopooled.StatsOf(db); ok {
		p := st.Pool
		logf(t, "pool after the load: total %d, idle %d, new conns %d, destroyed %d, breaker %s (opened %d times)",
			p.TotalConns(), p.IdleConns(), p.NewConnsCount(), p.DestroyedTotal(), p.BreakerState(), p.BreakerOpens())
	}
	if err := db.Close(); err != nil {
		t.Errorf("db.Close: %v", redact(err.Error()))
	}
	_ = f.proxy.Close()
	f.checkDriverLogs(t)
	r.out = analyze(r.recs, r.workers, r.faultEnd)
	var err error
	if r.st, err = checkStored(f.openPlain(t), table, r.recs); err != nil {
		t.Fatalf("verification: %v", redact(err.Error()))
	}
	r.report(t)
}

// report logs the run and adds its row to the summary.
func (r *run) report(t *testing.T) {
	t.Helper()
	o := r.out
	recovery := recoveryText(o.recovery, o.recovered)
	if r.noRecovery {
		recovery = "-"
	}
	logf(t, "%s/%s: %d calls, %d ok, %d failed (%d reads, %d writes of which %d MaybeApplied); writes: %d acknowledged, %d unknown (%d stored anyway); max call %v (%s); recovery %s",
		r.name, r.transport, o.ops, o.ok, o.failed, o.readErrs, o.writeErrs, o.maybeApplied, r.st.acked, r.st.unknown,
		r.st.unknownStored, o.maxCall.Round(time.Millisecond), o.slowest.kind, recovery)
	for _, k := range o.topKinds(6) {
		logf(t, "  error %s", k)
	}
	addSummary(summaryRow{
		scenario: r.name, transport: r.transport, ops: o.ops, ok: o.ok, failed: o.failed, readErrs: o.readErrs,
		lost: len(r.st.lost), duplicated: len(r.st.duplicated), maxCall: o.maxCall,
		recovery: recovery,
	})
}

// checkCommon asserts what must hold whatever the fault: no acknowledged
// write lost, no write applied twice, no call past its deadline, every
// error clear and free of the token.
func (r *run) checkCommon(t *testing.T) {
	t.Helper()
	o, s := r.out, r.st
	if len(s.lost) > 0 {
		t.Errorf("%d acknowledged writes are missing: %v", len(s.lost), firstN(s.lost, 5))
	}
	if len(s.duplicated) > 0 {
		t.Errorf("%d writes were applied more than once: %v", len(s.duplicated), firstN(s.duplicated, 5))
	}
	if len(s.phantom) > 0 {
		t.Errorf("%d stored keys were never written: %v", len(s.phantom), firstN(s.phantom, 5))
	}
	if len(o.anomalies) > 0 {
		t.Errorf("%d reads saw an acknowledged write missing or doubled: %v", len(o.anomalies), firstN(o.anomalies, 3))
	}
	if limit := callTimeout + callSlack; o.maxCall > limit {
		t.Errorf("a %s call took %v, want ≤ %v (its deadline plus %v); error: %v", o.slowest.kind,
			o.maxCall.Round(time.Millisecond), limit, callSlack, errText(o.slowest.err))
	}
	if o.leaks > 0 {
		t.Errorf("%d errors contain the auth token", o.leaks)
	}
	if len(o.unclear) > 0 {
		t.Errorf("%d errors are not clear, e.g. %v", len(o.unclear), firstN(o.unclear, 3))
	}
	if o.ok == 0 {
		t.Errorf("no call succeeded")
	}
}

// checkRecovery asserts that every worker succeeded again within bound of
// the fault's end.
func (r *run) checkRecovery(t *testing.T, bound time.Duration) {
	t.Helper()
	switch {
	case !r.out.recovered:
		t.Errorf("the pool did not recover: some worker never succeeded after the last failure (fault ended %v before the load stopped)",
			postFault)
	case r.out.recovery > bound:
		t.Errorf("recovery took %v after the fault ended, want ≤ %v (one health-check period plus %v)",
			r.out.recovery.Round(time.Millisecond), bound, recoverySlack)
	}
}

// failedBefore counts the calls that failed and ended before at.
func (r *run) failedBefore(at time.Time) int {
	n := 0
	for _, rec := range r.recs {
		if rec.err != nil && rec.end.Before(at) {
			n++
		}
	}
	return n
}

// errText renders a possibly nil error, redacted.
func errText(err error) string {
	if err == nil {
		return "none"
	}
	return redact(err.Error())
}
