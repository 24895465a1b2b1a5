package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// writeReports writes results.json, report.md and the SVG charts into dir.
func writeReports(dir string, r *Results) error {
	if err := writeJSON(dir, r); err != nil {
		return err
	}
	charts := buildCharts(r)
	if err := writeFile(filepath.Join(dir, "report.md"), []byte(markdownReport(r, charts))); err != nil {
		return err
	}
	if len(summariesOf(r.Summaries, wlEpisode, "")) > 0 {
		if err := writeFile(filepath.Join(dir, "headline.md"), []byte(headlineMarkdown(r))); err != nil {
			return err
		}
	}
	for _, c := range charts {
		if err := writeFile(filepath.Join(dir, c.file), c.svg); err != nil {
			return err
		}
	}
	return nil
}

// markdownReport renders the whole report.
func markdownReport(r *Results, charts []chart) string {
	var sb strings.Builder
	sb.WriteString("# turso-pooled benchmark report\n\n")
	s := r.Settings
	rtt := fmt.Sprintf("%g ms", s.RTTms)
	if s.RTTms < 0 {
		rtt = "real network"
	}
	fmt.Fprintf(&sb, "%s · %s/%s, %d CPUs, %s · load average %s at the start, %s at the end · server: %s · RTT %s · %s per cell · %d runs (interleaved) · wall time %.0f s\n\n",
		r.Date.Format("2006-01-02 15:04 MST"), r.Machine.GOOS, r.Machine.GOARCH, r.Machine.NumCPU, r.Machine.GoVersion,
		loadText(r.Machine.LoadStart), loadText(r.Machine.LoadEnd), s.Server, rtt, s.Duration, s.Runs, r.WallSeconds)
	fmt.Fprintf(&sb, "CPUs: %s.\n\n", r.Machine.PinningText)
	fmt.Fprintf(&sb, "Pool sizes: %s.\n\n", s.Pool.describe())
	sb.WriteString("Configurations: **libsql-default** (upstream driver, database/sql defaults), **libsql-tuned** " +
		"(upstream, SetMaxOpenConns = SetMaxIdleConns = the turso-pooled maximum), **pooled** (turso-pooled, pool only), " +
		"**pooled+cache+br** (cache=on&compress=br). Every number is the median over runs.\n\n")
	if extra := optInConfigText(s.Configs); extra != "" {
		sb.WriteString("Configurations of the other workloads: " + extra + ".\n\n")
	}
	if r.Incomplete {
		sb.WriteString("> **Incomplete run** — see the notes at the end.\n\n")
	}
	ts := reportTables(r)
	if len(ts) > 0 {
		ts[0].markdown(&sb)
	}
	writeTargetsMD(&sb, r.Targets)
	writeMissedMD(&sb, r.Targets)
	sb.WriteString("## Charts\n\n")
	for _, c := range charts {
		fmt.Fprintf(&sb, "![%s](%s)\n\n", c.title, c.file)
	}
	sb.WriteString("## Per-workload results\n\n")
	for _, t := range ts[min(1, len(ts)):] {
		t.markdown(&sb)
	}
	if len(r.Notes) > 0 {
		sb.WriteString("## Notes\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&sb, "- %s\n", n)
		}
		sb.WriteString("\n")
	}
	sb.WriteString("Raw cells of every run, the medians and the ratios are in results.json.\n")
	return sb.String()
}

// optInDescriptions describe the configurations of the workloads that
// compare their own.
var optInDescriptions = map[string]string{
	cfgAdaptive: "**adaptive** (pool_min_conns=5, pool_max_conns=50, pool_adaptive=on)",
	cfgFixedMin: "**fixed-min** (pool_adaptive=off, 5 connections)",
	cfgFixedMax: "**fixed-max** (pool_adaptive=off, at most 50, 5 pre-dialed)",
	cfgBrotli:   "**pooled+br** (compress=br, against **pooled**)",
	cfgCache:    "**pooled+cache** (cache=on, against **pooled**)",
	cfgCacheBus: "**pooled+cache+bus** (cache=on with cache_bus on a redis-server of the run's own, against **pooled+cache**)",
}

// optInConfigText lists the run's configurations beyond the standard four.
func optInConfigText(configs []string) string {
	var parts []string
	for _, c := range configs {
		if d, ok := optInDescriptions[c]; ok {
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, ", ")
}

// writeMissedMD states every missed target and why, in words.
func writeMissedMD(sb *strings.Builder, ts []Target) {
	var missed []Target
	for _, t := range ts {
		if t.Status == statusMissed {
			missed = append(missed, t)
		}
	}
	if len(missed) == 0 {
		sb.WriteString("Every measured target is met.\n\n")
		return
	}
	sb.WriteString("### Missed targets, and why\n\n")
	for _, t := range missed {
		why := t.Why
		if why == "" {
			why = "Measured " + t.Measured + " against the goal (this target's cells measure nothing further to attribute it to)."
		}
		fmt.Fprintf(sb, "- **%s** (%s): %s; goal: %s. %s\n", t.Name, t.Scope, t.Measured, t.Goal, why)
	}
	sb.WriteString("\n")
}

// loadText formats a load average triple.
func loadText(l [3]float64) string {
	if l[0] < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.2f / %.2f / %.2f", l[0], l[1], l[2])
}

// describe states the pool sizes of a run.
func (p poolInfo) describe() string {
	var sb strings.Builder
	if p.Flag > 0 {
		fmt.Fprintf(&sb, "turso-pooled with pool_max_conns=%d (-pool)", p.Flag)
	} else {
		fmt.Fprintf(&sb, "turso-pooled at the driver's defaults (no pool parameter in the DSN): pool_max_conns %d", p.MaxConns)
	}
	if p.adaptive() {
		fmt.Fprintf(&sb, ", adaptive target starting at %d", p.TargetAtOpen)
	}
	fmt.Fprintf(&sb, ", %d connections pre-warmed", p.Prewarmed)
	if !p.PrewarmOK {
		sb.WriteString(" (the pre-warm had not finished within the wait)")
	}
	fmt.Fprintf(&sb, "; libsql-tuned SetMaxOpenConns = SetMaxIdleConns = %d; libsql-default at database/sql's defaults (unlimited open, 2 idle)", p.Tuned)
	return sb.String()
}

// writeTargetsMD renders the targets table.
func writeTargetsMD(sb *strings.Builder, ts []Target) {
	met, missed := 0, 0
	for _, t := range ts {
		switch t.Status {
		case statusMet:
			met++
		case statusMissed:
			missed++
		}
	}
	fmt.Fprintf(sb, "## Targets: %d met, %d missed, %d not measurable\n\n", met, missed, len(ts)-met-missed)
	sb.WriteString("| target | goal | scope | measured | status |\n|---|---|---|---|---|\n")
	for _, t := range ts {
		status := map[string]string{statusMet: "✅ met", statusMissed: "❌ missed", statusNA: "– n/a"}[t.Status]
		if t.Note != "" {
			status += " (" + t.Note + ")"
		}
		fmt.Fprintf(sb, "| %s | %s | %s | %s | %s |\n", t.Name, t.Goal, t.Scope, t.Measured, status)
	}
	sb.WriteString("\n")
}

// printTable writes the headline table and the targets to w as aligned
// text.
func printTable(w io.Writer, r *Results) {
	ts := reportTables(r)
	for i, t := range ts {
		if i > 0 && i != len(ts) {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, t.title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		head, body := t.cells()
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, row := range body {
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		_ = tw.Flush()
	}
	fmt.Fprintln(w, "\nTargets")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range r.Targets {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Status, t.Name, t.Scope, t.Measured, t.Goal)
	}
	_ = tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}
