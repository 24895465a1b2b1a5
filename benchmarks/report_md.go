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
	fmt.Fprintf(&sb, "%s · %s/%s, %d CPUs, %s · server: %s · RTT %s · %s per cell · %d runs (interleaved) · pool size %d · wall time %.0f s\n\n",
		r.Date.Format("2006-01-02 15:04 MST"), r.Machine.GOOS, r.Machine.GOARCH, r.Machine.NumCPU, r.Machine.GoVersion,
		s.Server, rtt, s.Duration, s.Runs, s.Pool, r.WallSeconds)
	sb.WriteString("Configurations: **libsql-default** (upstream driver, database/sql defaults), **libsql-tuned** " +
		"(upstream, SetMaxOpenConns = SetMaxIdleConns = pool size), **pooled** (turso-pooled, pool only), " +
		"**pooled+cache+br** (cache=on&compress=br). Every number is the median over runs.\n\n")
	if len(s.Configs) > len(allConfigs) {
		sb.WriteString("Opt-in workloads' configurations: **adaptive** (pool_min_conns=5, pool_max_conns=50, pool_adaptive=on), " +
			"**fixed-min** (pool_adaptive=off, 5 connections), **fixed-max** (pool_adaptive=off, at most 50, 5 pre-dialed), " +
			"**pooled+br** (compress=br) and **pooled+cache** (cache=on) against **pooled**.\n\n")
	}
	if r.Incomplete {
		sb.WriteString("> **Incomplete run** — see the notes at the end.\n\n")
	}
	ts := reportTables(r)
	if len(ts) > 0 {
		ts[0].markdown(&sb)
	}
	writeTargetsMD(&sb, r.Targets)
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
