package main

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFlagsDefaults(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.RTT != 20*time.Millisecond || o.Runs != 3 || o.Pool != 0 || !o.Pin || o.Timeout != 10*time.Minute {
		t.Errorf("defaults = %+v", o)
	}
	if o.BurstSecs != 3 || o.SteadySecs != 6 {
		t.Errorf("default -burst-secs %v -steady-secs %v, want 3 and 6", o.BurstSecs, o.SteadySecs)
	}
	if !slices.Equal(o.Workloads, defaultWorkloads) || !slices.Equal(o.Workers, []int{1, 32}) ||
		!slices.Equal(o.Transports, transportNames()) {
		t.Errorf("default lists = %v %v %v", o.Workloads, o.Workers, o.Transports)
	}
	full, err := parseFlags([]string{"-full"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(full.Workloads, allWorkloads) || !slices.Equal(full.Workers, []int{1, 8, 32, 64}) {
		t.Errorf("-full lists = %v %v", full.Workloads, full.Workers)
	}
	if full.BurstSecs != 10 || full.SteadySecs != 20 || !slices.Contains(full.Workloads, wlAdaptive) {
		t.Errorf("-full: -burst-secs %v -steady-secs %v workloads %v", full.BurstSecs, full.SteadySecs, full.Workloads)
	}
	for _, wl := range []string{wlAdaptive, wlCompression, wlBurst} {
		if slices.Contains(o.Workloads, wl) {
			t.Errorf("default workloads include opt-in %s", wl)
		}
	}
	short, err := parseFlags([]string{"-full", "-burst-secs", "0.5", "-steady-secs", "1.5"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if short.burst() != 500*time.Millisecond || short.steady() != 1500*time.Millisecond {
		t.Errorf("explicit phases = %v %v, want 500ms 1.5s", short.burst(), short.steady())
	}
}

func TestParseFlagsValues(t *testing.T) {
	o, err := parseFlags([]string{"-rtt", "0", "-duration", "200ms", "-runs", "1", "-workloads", "episode, zipf,episode",
		"-transports", "h2,wss", "-workers", "64,1,8", "-out", "x"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.RTT != 0 || o.Duration != 200*time.Millisecond || o.Runs != 1 || o.Out != "x" {
		t.Errorf("scalars = %+v", o)
	}
	if !slices.Equal(o.Workloads, []string{"episode", "zipf"}) || !slices.Equal(o.Transports, []string{"https-h2", "wss"}) ||
		!slices.Equal(o.Workers, []int{1, 8, 64}) {
		t.Errorf("lists = %v %v %v", o.Workloads, o.Transports, o.Workers)
	}
}

func TestParseFlagsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // substring of the message
	}{
		{"unknown flag", []string{"-nope"}, "nope"},
		{"bad duration syntax", []string{"-duration", "fast"}, "duration"},
		{"negative rtt", []string{"-rtt", "-1ms"}, "-rtt"},
		{"rtt too large", []string{"-rtt", "1m"}, "0 to 10s"},
		{"duration too short", []string{"-duration", "1ms"}, "-duration"},
		{"zero runs", []string{"-runs", "0"}, "1 to 20"},
		{"unknown workload", []string{"-workloads", "episode,tpcc"}, `"tpcc"`},
		{"unknown transport", []string{"-transports", "quic"}, `"quic"`},
		{"bad workers", []string{"-workers", "1,zero"}, `"zero"`},
		{"workers out of range", []string{"-workers", "0"}, "1 to 1024"},
		{"pool out of range", []string{"-pool", "-1"}, "-pool"},
		{"pool too large", []string{"-pool", "1001"}, "or 0 for the driver's default"},
		{"bad pin", []string{"-pin=maybe"}, "pin"},
		{"zero timeout", []string{"-timeout", "0s"}, "-timeout"},
		{"burst too short", []string{"-burst-secs", "0"}, "-burst-secs"},
		{"steady too long", []string{"-steady-secs", "1000"}, "-steady-secs"},
		{"steady not a number", []string{"-steady-secs", "NaN"}, "-steady-secs"},
		{"empty out", []string{"-out", " "}, "-out"},
		{"positional argument", []string{"extra"}, `"extra"`},
		{"dsn with rtt", []string{"-dsn", "libsql://x.example", "-rtt", "5ms"}, "-dsn cannot be combined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			_, err := parseFlags(tc.args, &stderr)
			if !errors.Is(err, errUsage) {
				t.Fatalf("parseFlags(%v) error = %v, want a usage error", tc.args, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "benchmarks: ") {
				t.Errorf("error %q does not start with \"benchmarks: \" or lacks %q", err, tc.want)
			}
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	noServerProcess(t)
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"-runs", "99"}, &stdout, &stderr); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "-runs 99") {
		t.Errorf("stderr %q does not name the flag", stderr.String())
	}
	stderr.Reset()
	if code := run(t.Context(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
	if !strings.Contains(stderr.String(), "-duration") {
		t.Errorf("-h printed no usage: %q", stderr.String())
	}
}

func TestRunUnreachableDSN(t *testing.T) {
	noServerProcess(t)
	var stdout, stderr strings.Builder
	// Port 1 on loopback refuses connections at once.
	code := run(t.Context(), []string{"-dsn", "https://127.0.0.1:1?authToken=s3cret-token", "-out", t.TempDir()}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", code, stderr.String())
	}
	msg := stderr.String()
	if !strings.Contains(msg, "unreachable") || strings.Contains(msg, "s3cret-token") {
		t.Errorf("stderr %q: want an unreachable message without the token", msg)
	}
}

// noServerProcess fails the test if a server process is started before it
// ends.
func noServerProcess(t *testing.T) {
	t.Helper()
	serverStarted = func(pid int) { t.Errorf("a server process (pid %d) was started", pid) }
	t.Cleanup(func() { serverStarted = nil })
}

func TestRotate(t *testing.T) {
	for k := range 5 {
		got := configNames(rotate(allConfigs, k))
		if len(got) != len(allConfigs) || got[0] != allConfigs[k%len(allConfigs)].Name {
			t.Errorf("rotate(%d) = %v", k, got)
		}
	}
}
