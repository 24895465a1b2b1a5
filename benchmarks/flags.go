package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Workload names accepted by -workloads.
const (
	wlColdWarm = "coldwarm"
	wlEpisode  = "episode"
	wlZipf     = "zipf"
	wlBytes    = "bytes"
	wlOverhead = "overhead"
	wlBurst    = "burst"

	wlAdaptive    = "adaptive"    // adaptive pool against fixed sizes (opt-in)
	wlCompression = "compression" // compress=br by document size, RTT and bandwidth (opt-in)
	wlCacheMiss   = "cachemiss"   // what a cache miss adds, what a hit costs (latency and client CPU)
	wlReplicas    = "replicas"    // cache=on in several processes, with and without the cache bus (opt-in)
)

// allWorkloads lists the workloads in the order they run.
var allWorkloads = []string{wlColdWarm, wlEpisode, wlZipf, wlBytes, wlOverhead, wlBurst, wlAdaptive, wlCompression, wlCacheMiss, wlReplicas}

// defaultWorkloads is the default subset (burst, adaptive, compression and
// replicas only with -full or when named in -workloads).
var defaultWorkloads = []string{wlColdWarm, wlEpisode, wlZipf, wlBytes, wlOverhead, wlCacheMiss}

// Limits of the numeric flags.
const (
	maxRTT      = 10 * time.Second
	minDuration = 50 * time.Millisecond
	maxDuration = 10 * time.Minute
	maxRuns     = 20
	maxPool     = 1000
	maxWorkers  = 1024
	minPhase    = 0.05 // seconds, -burst-secs and -steady-secs
	maxPhase    = 600.0
)

// options is the parsed command line.
type options struct {
	RTT        time.Duration
	Duration   time.Duration
	Runs       int
	Workloads  []string
	Transports []string
	Workers    []int // concurrency levels of the episode workload
	Full       bool
	DSN        string
	Out        string
	Timeout    time.Duration
	Pool       int     // pool_max_conns of the turso-pooled configurations; 0: the driver's default
	Pin        bool    // pin the clients and the server process to a CPU each
	CPUProfile string  // write a CPU profile of the client process here ("" for none)
	BurstSecs  float64 // seconds of the 64-worker phase of the adaptive burst scenario
	SteadySecs float64 // seconds of the adaptive steady and overloaded scenarios
}

// burst returns BurstSecs as a duration.
func (o *options) burst() time.Duration { return secs(o.BurstSecs) }

// steady returns SteadySecs as a duration.
func (o *options) steady() time.Duration { return secs(o.SteadySecs) }

// secs converts seconds to a duration.
func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// errUsage marks a command-line error (exit status 2).
var errUsage = errors.New("usage error")

// usageError is a bad command line; its message names the flag, the value
// and what is accepted.
func usageError(format string, args ...any) error {
	return fmt.Errorf("benchmarks: %s: %w", fmt.Sprintf(format, args...), errUsage)
}

// parseFlags parses args (without the program name). Help output and the
// flag package's own messages go to stderr.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("benchmarks", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.RTT, "rtt", 20*time.Millisecond, "simulated round-trip time of the WAN proxy (0 to 10s)")
	fs.DurationVar(&o.Duration, "duration", 600*time.Millisecond, "measuring time of one cell (50ms to 10m)")
	fs.IntVar(&o.Runs, "runs", 3, "repetitions of every cell, interleaved (1 to 20)")
	workloads := fs.String("workloads", "", "comma list of "+strings.Join(allWorkloads, ",")+" (default all but burst, adaptive, compression and replicas; all with -full)")
	transports := fs.String("transports", "", "comma list of "+strings.Join(transportNames(), ",")+" (default all)")
	workers := fs.String("workers", "", "comma list of episode concurrency levels (default 1,32; 1,8,32,64 with -full)")
	fs.BoolVar(&o.Full, "full", false, "run every workload, transport and concurrency level")
	fs.StringVar(&o.DSN, "dsn", "", "run against this real server URL (with ?authToken=…) instead of the embedded server")
	fs.StringVar(&o.Out, "out", "benchmarks/results", "directory for results.json, report.md and the SVG charts")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Minute, "bound on the whole run")
	fs.IntVar(&o.Pool, "pool", 0, "pool_max_conns of the turso-pooled configurations (1 to 1000); 0: the driver's default. libsql-tuned's SetMaxOpenConns/SetMaxIdleConns follow the maximum in effect")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the client process (this one) to this file")
	fs.BoolVar(&o.Pin, "pin", true, "pin the clients (this process) and the server process to one CPU each, where the OS allows it")
	fs.Float64Var(&o.BurstSecs, "burst-secs", 0, "seconds of the adaptive workload's 64-worker burst (default 3; 10 with -full)")
	fs.Float64Var(&o.SteadySecs, "steady-secs", 0, "seconds of the adaptive workload's steady and overloaded scenarios (default 6; 20 with -full)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError("%v", err)
	}
	if fs.NArg() > 0 {
		return o, usageError("unexpected argument %q; accepted: flags only (see -h)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := o.fill(*workloads, *transports, *workers, set); err != nil {
		return o, err
	}
	return o, o.validate()
}

// fill applies the list flags and the -full defaults.
func (o *options) fill(workloads, transports, workers string, set map[string]bool) error {
	var err error
	if o.Workloads, err = parseList("-workloads", workloads, allWorkloads); err != nil {
		return err
	}
	if o.Workloads == nil {
		o.Workloads = slices.Clone(defaultWorkloads)
		if o.Full {
			o.Workloads = slices.Clone(allWorkloads)
		}
	}
	if o.Transports, err = parseList("-transports", normalizeTransports(transports), transportNames()); err != nil {
		return err
	}
	if o.Transports == nil {
		o.Transports = transportNames()
	}
	if o.Workers, err = parseInts("-workers", workers); err != nil {
		return err
	}
	if o.Workers == nil {
		o.Workers = []int{1, 32}
		if o.Full {
			o.Workers = []int{1, 8, 32, 64}
		}
	}
	if !set["burst-secs"] {
		o.BurstSecs = pick(o.Full, 10, 3)
	}
	if !set["steady-secs"] {
		o.SteadySecs = pick(o.Full, 20, 6)
	}
	if o.DSN != "" && (set["rtt"] || set["transports"]) {
		return usageError("-dsn cannot be combined with -rtt or -transports; accepted: -dsn alone (the real network sets the latency, the URL scheme the transport)")
	}
	return nil
}

// validate checks the ranges of the numeric flags.
func (o *options) validate() error {
	switch {
	case o.RTT < 0 || o.RTT > maxRTT:
		return usageError("-rtt %v is out of range; accepted: 0 to %v", o.RTT, maxRTT)
	case o.Duration < minDuration || o.Duration > maxDuration:
		return usageError("-duration %v is out of range; accepted: %v to %v", o.Duration, minDuration, maxDuration)
	case o.Runs < 1 || o.Runs > maxRuns:
		return usageError("-runs %d is out of range; accepted: 1 to %d", o.Runs, maxRuns)
	case o.Pool < 0 || o.Pool > maxPool:
		return usageError("-pool %d is out of range; accepted: 1 to %d, or 0 for the driver's default", o.Pool, maxPool)
	case o.Timeout <= 0:
		return usageError("-timeout %v is out of range; accepted: a positive duration such as 10m", o.Timeout)
	case !(o.BurstSecs >= minPhase && o.BurstSecs <= maxPhase):
		return usageError("-burst-secs %g is out of range; accepted: %g to %g", o.BurstSecs, minPhase, maxPhase)
	case !(o.SteadySecs >= minPhase && o.SteadySecs <= maxPhase):
		return usageError("-steady-secs %g is out of range; accepted: %g to %g", o.SteadySecs, minPhase, maxPhase)
	case strings.TrimSpace(o.Out) == "":
		return usageError("-out is empty; accepted: a directory path")
	}
	return nil
}

// parseList splits a comma list, checks every item against accepted and
// drops duplicates. An empty list returns nil.
func parseList(name, value string, accepted []string) ([]string, error) {
	var out []string
	for item := range strings.SplitSeq(value, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !slices.Contains(accepted, item) {
			return nil, usageError("%s: unknown value %q; accepted: %s", name, item, strings.Join(accepted, ", "))
		}
		if !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out, nil
}

// parseInts parses a comma list of concurrency levels.
func parseInts(name, value string) ([]int, error) {
	var out []int
	for item := range strings.SplitSeq(value, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n, err := strconv.Atoi(item)
		if err != nil || n < 1 || n > maxWorkers {
			return nil, usageError("%s: bad value %q; accepted: integers from 1 to %d", name, item, maxWorkers)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// normalizeTransports maps the short spellings h1 and h2 to their names.
func normalizeTransports(value string) string {
	parts := strings.Split(value, ",")
	for i, p := range parts {
		switch strings.TrimSpace(p) {
		case "h1":
			parts[i] = "https-h1"
		case "h2":
			parts[i] = "https-h2"
		}
	}
	return strings.Join(parts, ",")
}

// maxWorkersLevel is the highest episode concurrency level.
func (o *options) maxWorkersLevel() int { return o.Workers[len(o.Workers)-1] }

// pick returns a when cond holds, else b.
func pick(cond bool, a, b float64) float64 {
	if cond {
		return a
	}
	return b
}
