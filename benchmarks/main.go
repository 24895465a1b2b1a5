package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"
)

// remoteConnectTimeout bounds the first query against a -dsn server.
const remoteConnectTimeout = 15 * time.Second

func main() {
	if isServerProcess() {
		os.Exit(serverMain(os.Stdin, os.Stdout, os.Stderr))
	}
	if isReplicaProcess() {
		os.Exit(replicaMain(os.Stdin, os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program; it returns the exit status: 0 on success, 1
// when the run failed or timed out (or the server process died), 2 on bad
// flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	stderr = &syncWriter{w: stderr} // the server process writes to it too
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	start := time.Now()
	load0 := loadAverage()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	pin, unpin := pinClients(o.Pin, o.DSN == "")
	defer unpin()
	e, err := newEnv(ctx, &o, pin, stderr, fail)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer e.close()
	b := &bench{o: &o, e: e, docs: newDocPool(64, 2<<10, 8<<10, 42)}
	if err := b.discoverPool(ctx); err != nil {
		fmt.Fprintln(stderr, failure(ctx, e, err))
		return 1
	}
	b.prog = newProgress(stderr, b.totalCells())
	if err := b.setup(ctx); err != nil {
		fmt.Fprintln(stderr, failure(ctx, e, err))
		return 1
	}
	runErr, err := b.measure(ctx)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	code := 0
	if runErr != nil {
		code = 1
		fmt.Fprintln(stderr, runErr)
		b.notes = append(b.notes, "Incomplete run: "+runErr.Error())
	}
	b.teardown(ctx)
	res := b.results(start, load0, runErr != nil)
	if err := writeReports(o.Out, res); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	printTable(stdout, res)
	fmt.Fprintf(stdout, "\nwrote %s (results.json, report.md, headline.md, *.svg); total time %.1fs\n", o.Out, time.Since(start).Seconds())
	return code
}

// measure runs every workload (under -cpuprofile when asked) and returns
// why the run ended early, if it did; err is a profile that cannot start.
func (b *bench) measure(ctx context.Context) (runErr, err error) {
	stopProfile, err := startProfile(b.o.CPUProfile)
	if err != nil {
		return nil, err
	}
	runErr = b.runAll(ctx)
	b.wait()
	stopProfile()
	b.prog.finish()
	if runErr == nil {
		return nil, nil
	}
	runErr = failure(ctx, b.e, runErr)
	if errors.Is(runErr, context.DeadlineExceeded) {
		runErr = fmt.Errorf("benchmarks: -timeout %v reached; writing the cells measured so far: %w", b.o.Timeout, runErr)
	}
	return runErr, nil
}

// startProfile starts a CPU profile of this process into path (none when
// path is empty) and returns the function that stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("benchmarks: -cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("benchmarks: -cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// failure returns the server process's failure when it is what ended the
// run (the error a workload saw is then only its consequence), else err.
func failure(ctx context.Context, e *env, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, errServerDied) {
		return cause
	}
	if e != nil && e.server != nil {
		if died := e.server.failedWithin(2 * time.Second); died != nil {
			return died
		}
	}
	return err
}

// newEnv builds the embedded or remote environment.
func newEnv(ctx context.Context, o *options, pin pinning, stderr io.Writer, fail func(error)) (*env, error) {
	if o.DSN != "" {
		e, err := newRemoteEnv(ctx, o, remoteConnectTimeout)
		if e != nil {
			e.pin = pin
		}
		return e, err
	}
	return newEmbeddedEnv(o, pin, stderr, fail)
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
	if !b.e.remote || !b.e.alive() {
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
func (b *bench) results(start time.Time, load0 [3]float64, incomplete bool) *Results {
	o := b.o
	trs := make([]string, len(b.e.transports))
	for i, t := range b.e.transports {
		trs[i] = t.Name
	}
	server := "embedded tursotest (TLS) behind a wansim proxy per configuration, in a server process of their own"
	rtt := float64(o.RTT) / float64(time.Millisecond)
	if b.e.remote {
		server, rtt = "real server "+redactedBase(b.e.targets[cfgDefault+"|"+trs[0]].base), -1
	}
	sums := summarizeCells(b.cells)
	m := machineInfo()
	m.LoadStart, m.LoadEnd = load0, loadAverage()
	m.Pinning = b.e.pin
	m.PinningText = b.e.pin.describe(!b.e.remote)
	return &Results{
		Date: start.UTC(), WallSeconds: time.Since(start).Seconds(), Machine: m,
		Settings: Settings{RTTms: rtt, Duration: o.Duration.String(), Runs: o.Runs, Workloads: o.Workloads,
			Transports: trs, Workers: o.Workers, Configs: configNames(runConfigs(o.Workloads)), Pool: b.pool, Full: o.Full, Server: server},
		Cells: b.cells, Summaries: sums, Targets: evaluateTargets(sums, trs, o.maxWorkersLevel()),
		Notes: append(b.notes, b.autoNotes(sums)...), Incomplete: incomplete,
	}
}
