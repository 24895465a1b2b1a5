package faults

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"
)

// summaryRow is one line of the summary table.
type summaryRow struct {
	scenario, transport string
	ops, ok, failed     int
	readErrs            int
	lost, duplicated    int
	maxCall             time.Duration
	recovery            string // a duration, "never", or "-" when not measured
}

// summary collects the rows of every test in the package.
var summary struct {
	mu   sync.Mutex
	rows []summaryRow
}

// addSummary records a row for the table and the FAULTS_SUMMARY file.
func addSummary(r summaryRow) {
	summary.mu.Lock()
	defer summary.mu.Unlock()
	summary.rows = append(summary.rows, r)
}

// summaryRows returns the rows recorded so far whose scenario has prefix.
func summaryRows(prefix string) []summaryRow {
	summary.mu.Lock()
	defer summary.mu.Unlock()
	var rows []summaryRow
	for _, r := range summary.rows {
		if strings.HasPrefix(r.scenario, prefix) {
			rows = append(rows, r)
		}
	}
	return rows
}

// formatSummary renders rows as an aligned text table.
func formatSummary(rows []summaryRow) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\ttransport\tops\tsucceeded\tfailed (clear)\tread errors\tlost\tduplicated\tmax call\trecovery\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", r.scenario, r.transport, r.ops, r.ok, r.failed,
			r.readErrs, r.lost, r.duplicated, r.maxCall.Round(time.Millisecond), r.recovery)
	}
	_ = tw.Flush()
	return b.String()
}

// logSummary logs the table of rows whose scenario has prefix and rewrites
// the FAULTS_SUMMARY file, if set, with every row recorded so far.
func logSummary(t *testing.T, prefix string) {
	t.Helper()
	logf(t, "summary:\n%s", formatSummary(summaryRows(prefix)))
	path := os.Getenv("FAULTS_SUMMARY")
	if path == "" {
		return
	}
	table := formatSummary(summaryRows(""))
	if strings.Contains(table, authToken) {
		t.Errorf("the summary table contains the auth token")
		return
	}
	if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
		t.Errorf("writing FAULTS_SUMMARY file: %v", err)
	}
}

// logf is t.Logf for every line the suite logs: it refuses (and reports)
// any line that would print the auth token.
func logf(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	if strings.Contains(line, authToken) {
		t.Errorf("a log line contained the auth token (redacted below)")
		line = redact(line)
	}
	t.Log(line)
}

// recoveryText renders a recovery time for the table.
func recoveryText(d time.Duration, ok bool) string {
	if !ok {
		return "never"
	}
	return d.Round(time.Millisecond).String()
}
