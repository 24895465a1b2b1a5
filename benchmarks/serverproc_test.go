//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// gone reports whether process pid has exited: it no longer exists, or it
// is a zombie nobody reaped yet.
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the command name in parentheses.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z' || s[i+2] == 'X'
	}
	return false
}

// waitGone waits up to d for pid to exit.
func waitGone(t *testing.T, pid int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !gone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs %v later", pid, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServerProcessControl(t *testing.T) {
	var failed atomic.Value
	setup := serverSetup{Token: "tok", RTT: 2 * time.Millisecond, Transports: []serverSpec{{Name: "https-h2", HTTP2: true}},
		Proxies: []proxyRequest{{Key: "pooled|https-h2", Transport: "https-h2"}}}
	p, ready, err := startServerProcess(nil, setup, io.Discard, func(err error) { failed.Store(err) })
	if err != nil {
		t.Fatal(err)
	}
	if ready.PID != p.pid || ready.Servers["https-h2"].Addr == "" || ready.Proxies["pooled|https-h2"] == "" ||
		len(ready.Servers["https-h2"].CAPEM) == 0 {
		t.Errorf("setup answer %+v lacks the pid, addresses or CA", ready)
	}
	if _, err := p.call(ctlRequest{Op: opProbeBegin, Key: "pooled|https-h2", Transport: "https-h2"}); err != nil {
		t.Fatal(err)
	}
	(&remoteProxy{p: p, key: "pooled|https-h2"}).SetRTT(0)
	resp, err := p.call(ctlRequest{Op: opProbeEnd, Key: "pooled|https-h2", Transport: "https-h2"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Proxy == nil || resp.Server == nil || resp.CPU == nil || resp.CPU.Wall <= 0 {
		t.Errorf("probe end answer %+v lacks proxy, server or CPU", resp)
	}
	p.close()
	if !gone(p.pid) {
		t.Errorf("server process %d still runs after close", p.pid)
	}
	if err, _ := failed.Load().(error); err != nil {
		t.Errorf("onFail called on a clean close: %v", err)
	}
}

func TestServerProcessRefusesBadRequest(t *testing.T) {
	var failed atomic.Value
	p, _, err := startServerProcess(nil, serverSetup{Token: "tok"}, io.Discard, func(err error) { failed.Store(err) })
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	_, err = p.call(ctlRequest{Op: opSetRTT, Key: "nope"})
	if !errors.Is(err, errServerDied) || !strings.Contains(err.Error(), `no proxy "nope"`) {
		t.Fatalf("error %v: want a server process failure naming the proxy", err)
	}
	if got, _ := failed.Load().(error); got == nil {
		t.Error("onFail was not called")
	}
}

// TestRunServerProcessDies kills the server process during a run: the
// run ends with exit status 1 and a message naming it and how it died, and
// the server process is reaped.
func TestRunServerProcessDies(t *testing.T) {
	var pid atomic.Int64
	serverStarted = func(p int) {
		pid.Store(int64(p))
		time.AfterFunc(1500*time.Millisecond, func() { _ = syscall.Kill(p, syscall.SIGKILL) })
	}
	t.Cleanup(func() { serverStarted = nil })
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"-duration", "2s", "-runs", "1", "-workloads", "episode", "-transports", "h2",
		"-workers", "1", "-out", t.TempDir()}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr.String())
	}
	msg := stderr.String()
	for _, want := range []string{"the server process (pid " + strconv.FormatInt(pid.Load(), 10), "exited unexpectedly (signal: killed)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr lacks %q:\n%s", want, msg)
		}
	}
	if p := int(pid.Load()); p == 0 || !gone(p) {
		t.Errorf("server process %d was not reaped", p)
	}
}

// TestServerProcessOutlivesNoParent runs the program in a process of its
// own, kills that process with SIGKILL (no cleanup can run) and checks
// that its server process exits too.
func TestServerProcessOutlivesNoParent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the program in a subprocess")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), testMainEnv+"=1",
		testArgsEnv+"=-duration 10s -runs 1 -workloads episode -transports h2 -workers 1 -out "+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	pid := 0
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "server-pid %d", &pid); err == nil {
			break
		}
	}
	if pid == 0 {
		t.Fatal("the program printed no server process pid")
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	if gone(pid) {
		t.Fatalf("server process %d is not running", pid)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitGone(t, pid, 10*time.Second)
}
