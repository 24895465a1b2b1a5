package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// replicaStopTimeout bounds a replica process's exit once its stdin is
// closed, before it is killed.
const replicaStopTimeout = 2 * time.Second

// replicaProc is the parent's handle on one replica process. Only the
// goroutine that started it uses it; close may be called more than once.
type replicaProc struct {
	name    string
	cmd     *exec.Cmd
	in      *os.File    // write end of its stdin
	lines   chan []byte // its stdout lines; closed at EOF
	exited  chan struct{}
	waitErr error // set before exited is closed
	tail    *tailWriter
}

// startReplica starts this program again as a replica process named name
// (for messages), on cpus (nil: this process's), sends it spec and waits until it is ready (its pool
// pre-warmed, its cache bus subscribed) or ctx ends. Its stderr goes to
// stderr. On error nothing is left running.
func startReplica(ctx context.Context, name string, spec replicaSpec, cpus []int, stderr io.Writer) (*replicaProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("benchmarks: find this program to start replica %s: %w", name, err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("benchmarks: replica %s stdin: %w", name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		_, _ = inR.Close(), inW.Close()
		return nil, fmt.Errorf("benchmarks: replica %s stdout: %w", name, err)
	}
	p := &replicaProc{name: name, in: inW, lines: make(chan []byte, 4), exited: make(chan struct{}), tail: &tailWriter{max: stderrTailBytes}}
	p.cmd = exec.Command(exe)
	p.cmd.Env = append(os.Environ(), replicaModeEnv+"=1", serverModeEnv+"=", parentPIDEnv+"="+strconv.Itoa(os.Getpid()))
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = inR, outW, io.MultiWriter(stderr, p.tail)
	p.cmd.SysProcAttr = childSysProcAttr()
	p.cmd.WaitDelay = time.Second
	started := make(chan error, 1)
	go runLocked(p.cmd, cpus, started, p.exited, &p.waitErr)
	err = <-started
	_, _ = inR.Close(), outW.Close() // the replica holds its own copies
	if err != nil {
		_, _ = inW.Close(), outR.Close()
		return nil, fmt.Errorf("benchmarks: start replica %s (%s): %w", name, exe, err)
	}
	go p.readLoop(outR)
	if err := p.send(spec); err != nil {
		p.close()
		return nil, err
	}
	a, err := p.recv(ctx, replicaReadyTimeout+5*time.Second)
	if err == nil && !a.Ready {
		err = p.failure("answered its spec without being ready")
	}
	if err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// runLocked starts cmd with CPU affinity cpus and waits for it on one
// locked OS thread: the parent-death signal fires when the thread that
// forked the child exits, so that thread must live as long as the child
// (see serverProc.startAndWait). The start's error goes to started; the
// Wait error to *waitErr (when not nil) before exited is closed, which it
// also is when the start failed.
func runLocked(cmd *exec.Cmd, cpus []int, started chan<- error, exited chan struct{}, waitErr *error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := withThreadAffinity(cpus, cmd.Start); err != nil {
		close(exited)
		started <- err
		return
	}
	started <- nil
	err := cmd.Wait()
	if waitErr != nil {
		*waitErr = err
	}
	close(exited)
}

// readLoop passes the replica's stdout lines on until EOF.
func (p *replicaProc) readLoop(out *os.File) {
	defer out.Close()
	defer close(p.lines)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<30) // a result carries every read
	for sc.Scan() {
		p.lines <- bytes.Clone(sc.Bytes())
	}
}

// send writes msg as one line.
func (p *replicaProc) send(msg any) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("benchmarks: encode request to replica %s: %w", p.name, err)
	}
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		return p.failure("cannot be written to: " + err.Error())
	}
	return nil
}

// recv waits up to timeout for the next answer; an answer with Err, an
// unreadable one, the end of its output, ctx ending or the timeout are
// errors.
func (p *replicaProc) recv(ctx context.Context, timeout time.Duration) (replicaAnswer, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case line, ok := <-p.lines:
		if !ok {
			return replicaAnswer{}, p.failure("ended its output")
		}
		var a replicaAnswer
		if err := json.Unmarshal(line, &a); err != nil {
			return a, p.failure(fmt.Sprintf("sent an unreadable answer (%v)", err))
		}
		if a.Err != "" {
			return a, fmt.Errorf("benchmarks: replica %s: %s", p.name, a.Err)
		}
		return a, nil
	case <-ctx.Done():
		return replicaAnswer{}, ctx.Err()
	case <-timer.C:
		return replicaAnswer{}, p.failure(fmt.Sprintf("did not answer within %v", timeout))
	}
}

// failure describes the replica's failure: what, its exit status if it
// has exited, and the end of its stderr.
func (p *replicaProc) failure(what string) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "benchmarks: replica %s (pid %d) %s", p.name, p.cmd.Process.Pid, what)
	select {
	case <-p.exited:
	case <-time.After(time.Second):
	}
	select {
	case <-p.exited:
		fmt.Fprintf(&sb, "; it exited (%v)", p.waitErr)
	default:
	}
	if t := strings.TrimSpace(p.tail.String()); t != "" {
		fmt.Fprintf(&sb, "; its last output:\n%s", t)
	}
	return errors.New(sb.String())
}

// close closes its stdin, waits for it to exit and kills it after
// replicaStopTimeout.
func (p *replicaProc) close() {
	_ = p.in.Close()
	select {
	case <-p.exited:
	case <-time.After(replicaStopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	for range p.lines { // let readLoop end
	}
}
