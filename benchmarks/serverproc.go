package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of the server process's control protocol.
const (
	ctlTimeout         = 30 * time.Second // one request
	serverStartTimeout = 60 * time.Second // from exec to the setup's answer
	serverStopTimeout  = 10 * time.Second // from closing its stdin to its exit, before it is killed
	stderrTailBytes    = 4 << 10          // of the server process's stderr kept for the message when it dies
)

// errServerDied marks every error caused by the server process exiting or
// failing while it was still needed (errors.Is).
var errServerDied = errors.New("server process failed")

// serverError is a failure of the server process: its message says what
// happened; it matches errServerDied.
type serverError struct{ msg string }

// Error returns the message.
func (e *serverError) Error() string { return e.msg }

// Is reports whether target is errServerDied.
func (e *serverError) Is(target error) bool { return target == errServerDied }

// serverStarted, when set (by tests), is called with the server process's
// pid once it answered its setup.
var serverStarted func(pid int)

// serverProc is the parent's handle on the server process. Its methods are
// safe for concurrent use; requests are sent one at a time.
type serverProc struct {
	cmd     *exec.Cmd
	pid     int
	in      *os.File    // write end of its stdin: closing it stops the server process
	out     *os.File    // read end of its stdout
	lines   chan []byte // answers, read from out
	stop    chan struct{}
	exited  chan struct{} // closed once Wait returned
	waitErr error         // Wait's result, set before exited is closed
	tail    *tailWriter
	onFail  func(error)
	closing atomic.Bool
	wg      sync.WaitGroup

	mu     sync.Mutex // one request at a time; guards failed
	failed error
}

// startServerProcess starts this program again as the server process,
// pinned to cpus (nil: not pinned), sends it setup and waits for its
// answer. Its stderr goes to stderr. onFail is called once, from any
// goroutine, when the server process dies or fails before close.
func startServerProcess(cpus []int, setup serverSetup, stderr io.Writer, onFail func(error)) (*serverProc, *serverReady, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("benchmarks: find this program to start the server process: %w", err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("benchmarks: server process stdin: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		_, _ = inR.Close(), inW.Close()
		return nil, nil, fmt.Errorf("benchmarks: server process stdout: %w", err)
	}
	p := &serverProc{in: inW, out: outR, lines: make(chan []byte, 1), stop: make(chan struct{}), exited: make(chan struct{}),
		tail: &tailWriter{max: stderrTailBytes}, onFail: onFail}
	p.cmd = exec.Command(exe)
	p.cmd.Env = append(os.Environ(), serverModeEnv+"=1", serverCPUsEnv+"="+joinInts(cpus), parentPIDEnv+"="+strconv.Itoa(os.Getpid()))
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = inR, outW, io.MultiWriter(stderr, p.tail)
	p.cmd.SysProcAttr = childSysProcAttr()
	p.cmd.WaitDelay = time.Second
	started := make(chan error, 1)
	go p.startAndWait(started)
	err = <-started
	_, _ = inR.Close(), outW.Close() // the server process holds its own copies
	if err != nil {
		_, _ = inW.Close(), outR.Close()
		return nil, nil, fmt.Errorf("benchmarks: start the server process (%s): %w", exe, err)
	}
	p.wg.Go(p.readLoop)
	ready, err := p.setup(setup)
	if err != nil {
		p.close()
		return nil, nil, err
	}
	return p, ready, nil
}

// startAndWait starts the command and waits for it on one locked OS
// thread: the parent-death signal fires when the thread that forked the
// server process exits, so that thread must live as long as it does.
func (p *serverProc) startAndWait(started chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := p.cmd.Start(); err != nil {
		started <- err
		return
	}
	p.pid = p.cmd.Process.Pid
	started <- nil
	p.waitErr = p.cmd.Wait()
	close(p.exited)
	if !p.closing.Load() {
		p.fail(p.deathError(nil))
	}
}

// readLoop passes the server process's stdout lines to the waiting
// request until EOF or close.
func (p *serverProc) readLoop() {
	defer close(p.lines)
	sc := bufio.NewScanner(p.out)
	sc.Buffer(make([]byte, 64<<10), maxCtlLine)
	for sc.Scan() {
		select {
		case p.lines <- bytes.Clone(sc.Bytes()):
		case <-p.stop:
			return
		}
	}
}

// setup sends the setup request and waits for the answer.
func (p *serverProc) setup(s serverSetup) (*serverReady, error) {
	resp, err := p.roundTrip("setup", s, serverStartTimeout)
	if err != nil {
		return nil, err
	}
	if resp.Ready == nil {
		return nil, p.fail(p.deathError(errors.New("its setup answer is empty")))
	}
	if serverStarted != nil {
		serverStarted(p.pid)
	}
	return resp.Ready, nil
}

// call sends one control request and returns the answer. Any error (the
// server process died, did not answer, or refused the request) is also
// reported to onFail: the run cannot go on without the server process.
func (p *serverProc) call(req ctlRequest) (ctlResponse, error) {
	return p.roundTrip(req.Op+" "+req.Key+req.Transport, req, ctlTimeout)
}

// do is call for requests whose only failure mode is the server process's
// failure, which onFail already reports: it ignores the error.
func (p *serverProc) do(req ctlRequest) { _, _ = p.call(req) }

// roundTrip writes msg as one line and reads one answer within timeout.
func (p *serverProc) roundTrip(what string, msg any, timeout time.Duration) (ctlResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed != nil {
		return ctlResponse{}, p.failed
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return ctlResponse{}, fmt.Errorf("benchmarks: encode %s request: %w", what, err)
	}
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		return ctlResponse{}, p.failLocked(p.deathError(fmt.Errorf("sending %s: %w", what, err)))
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case line, ok := <-p.lines:
		if !ok {
			return ctlResponse{}, p.failLocked(p.deathError(fmt.Errorf("its output ended while it was answering %s", what)))
		}
		var resp ctlResponse
		if err := json.Unmarshal(line, &resp); err != nil {
			return ctlResponse{}, p.failLocked(p.deathError(fmt.Errorf("unreadable answer to %s: %q", what, line)))
		}
		if resp.Err != "" {
			return resp, p.failLocked(&serverError{fmt.Sprintf("benchmarks: the server process refused %s: %s", what, resp.Err)})
		}
		return resp, nil
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		return ctlResponse{}, p.failLocked(p.deathError(fmt.Errorf("no answer to %s within %v; killed it", what, timeout)))
	}
}

// fail records err as the server process's failure (the first one wins)
// and reports it to onFail once.
func (p *serverProc) fail(err error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failLocked(err)
}

// failLocked is fail with p.mu held.
func (p *serverProc) failLocked(err error) error {
	if p.failed != nil {
		return p.failed
	}
	p.failed = err
	if p.onFail != nil && !p.closing.Load() {
		p.onFail(err)
	}
	return err
}

// deathError describes the server process's failure: cause (may be nil),
// its exit status once it has exited (waiting briefly for it), and the end
// of what it wrote on stderr.
func (p *serverProc) deathError(cause error) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "benchmarks: the server process (pid %d, the embedded servers and WAN proxies) ", p.pid)
	select {
	case <-p.exited:
	case <-time.After(2 * time.Second):
	}
	select {
	case <-p.exited:
		status := "exit status 0"
		if p.waitErr != nil {
			status = p.waitErr.Error()
		}
		fmt.Fprintf(&sb, "exited unexpectedly (%s)", status)
	default:
		sb.WriteString("stopped answering")
	}
	if cause != nil {
		fmt.Fprintf(&sb, ": %v", cause)
	}
	if t := strings.TrimSpace(p.tail.String()); t != "" {
		fmt.Fprintf(&sb, "; its last output:\n%s", t)
	}
	return &serverError{sb.String()}
}

// failedWithin returns the server process's failure, waiting up to d for
// it to be known: a client may see its connections break before the
// process's exit is reaped. nil when it still runs after d.
func (p *serverProc) failedWithin(d time.Duration) error {
	select {
	case <-p.exited:
	case <-time.After(d):
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

// close stops the server process: it closes its stdin, waits for it to
// exit (killing it after serverStopTimeout) and for the reader to end. It
// may be called more than once.
func (p *serverProc) close() {
	if p.closing.Swap(true) {
		return
	}
	_ = p.in.Close()
	select {
	case <-p.exited:
	case <-time.After(serverStopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	close(p.stop)
	p.wg.Wait()
	_ = p.out.Close()
}

// remoteProxy controls one WAN proxy in the server process.
type remoteProxy struct {
	p   *serverProc
	key string
}

// SetRTT sets the proxy's round-trip time.
func (r *remoteProxy) SetRTT(d time.Duration) { r.p.do(ctlRequest{Op: opSetRTT, Key: r.key, D: d}) }

// SetBandwidth caps each direction at bps bytes per second (0: unlimited).
func (r *remoteProxy) SetBandwidth(bps int64) {
	r.p.do(ctlRequest{Op: opSetBandwidth, Key: r.key, N: bps})
}

// remoteServer controls one embedded server in the server process.
type remoteServer struct {
	p  *serverProc
	tr string
}

// setFaults sets the server's concurrency limit (0: none), its delay per
// request and its contention per queued statement.
func (r *remoteServer) setFaults(maxConcurrency int, delay, contention time.Duration) {
	r.p.do(ctlRequest{Op: opFaults, Transport: r.tr, N: int64(maxConcurrency), D: delay, D2: contention})
}

// tailWriter keeps the last max bytes written to it. Safe for concurrent
// use.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// Write keeps the end of b.
func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

// String returns what is kept.
func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// syncWriter serializes writes to w (the progress line and the server
// process's stderr share the parent's stderr).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes b to w under the lock.
func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// joinInts joins ns with commas.
func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}
