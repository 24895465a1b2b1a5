package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

// remoteConnectTimeout bounds the first query against a -dsn server.
const remoteConnectTimeout = 15 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program; it returns the exit status: 0 on success, 1
// when the run failed or timed out, 2 on bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	e, err := newEnv(ctx, &o)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer e.close()
	b := &bench{o: &o, e: e, docs: newDocPool(64, 2<<10, 8<<10, 42)}
	b.prog = newProgress(stderr, b.totalCells())
	code := 0
	if err := b.setup(ctx); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	runErr := b.runAll(ctx)
	b.prog.finish()
	if runErr != nil {
		code = 1
		if errors.Is(runErr, context.DeadlineExceeded) {
			runErr = fmt.Errorf("benchmarks: -timeout %v reached; writing the cells measured so far: %w", o.Timeout, runErr)
		}
		fmt.Fprintln(stderr, runErr)
		b.notes = append(b.notes, "Incomplete run: "+runErr.Error())
	}
	b.teardown(ctx)
	res := b.results(start, runErr != nil)
	if err := writeReports(o.Out, res); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	printTable(stdout, res)
	fmt.Fprintf(stdout, "\nwrote %s (results.json, report.md, *.svg); total time %.1fs\n", o.Out, time.Since(start).Seconds())
	return code
}

// newEnv builds the embedded or remote environment.
func newEnv(ctx context.Context, o *options) (*env, error) {
	if o.DSN != "" {
		return newRemoteEnv(ctx, o, remoteConnectTimeout)
	}
	return newEmbeddedEnv(o)
}

// setup creates and seeds every target's tables.
func (b *bench) setup(ctx context.Context) error {
	for _, t := range b.e.targets {
		db := b.e.setupDBs[t.tr.Name]
		if err := createSchema(ctx, db, tablesFor(t.prefix)); err != nil {
			return fmt.Errorf("benchmarks: setup %s %s: %w", t.cfg.Name, t.tr.Name, err)
		}
	}
	return nil
}

// teardown drops the tables created on a real server.
func (b *bench) teardown(ctx context.Context) {
	if !b.e.remote {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	for _, t := range b.e.targets {
		if err := dropSchema(cctx, b.e.setupDBs[t.tr.Name], tablesFor(t.prefix)); err != nil {
			b.prog.warn(err.Error())
		}
	}
}

// results assembles everything measured.
func (b *bench) results(start time.Time, incomplete bool) *Results {
	o := b.o
	trs := make([]string, len(b.e.transports))
	for i, t := range b.e.transports {
		trs[i] = t.Name
	}
	server := "embedded tursotest (TLS) behind a wansim proxy per configuration"
	rtt := float64(o.RTT) / float64(time.Millisecond)
	if b.e.remote {
		server, rtt = "real server "+redactedBase(b.e.targets[cfgDefault+"|"+trs[0]].base), -1
	}
	sums := summarizeCells(b.cells)
	return &Results{
		Date: start.UTC(), WallSeconds: time.Since(start).Seconds(), Machine: machineInfo(),
		Settings: Settings{RTTms: rtt, Duration: o.Duration.String(), Runs: o.Runs, Workloads: o.Workloads,
			Transports: trs, Workers: o.Workers, Configs: configNames(runConfigs(o.Workloads)), Pool: o.Pool, Full: o.Full, Server: server},
		Cells: b.cells, Summaries: sums, Targets: evaluateTargets(sums, trs, o.maxWorkersLevel()),
		Notes: append(b.notes, b.autoNotes(sums)...), Incomplete: incomplete,
	}
}
