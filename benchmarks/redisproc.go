package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Bounds of the redis-server the replicas workload starts.
const (
	redisStartTimeout = 10 * time.Second // from exec to its first PONG
	redisStopTimeout  = 2 * time.Second  // from SIGTERM to its exit, before SIGKILL
)

// errNoRedis marks a machine without redis-server: the replicas workload
// reports n/a instead of failing the run.
var errNoRedis = errors.New("redis-server not found in PATH (Debian: apt-get install -y redis-server)")

// redisProc is a redis-server this program started on a free loopback
// port, without persistence. It gets SIGKILL when the thread that started
// it exits (Linux) and is stopped by close, which may be called more than
// once.
type redisProc struct {
	cmd    *exec.Cmd
	port   int
	exited chan struct{}
	tail   *tailWriter
}

// startRedis starts redis-server on a free port of 127.0.0.1, on cpus
// (nil: this process's), and waits until it answers PING. It returns an
// error matching errNoRedis when the binary is missing.
func startRedis(cpus []int) (*redisProc, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("benchmarks: %w", errNoRedis)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	r := &redisProc{port: port, exited: make(chan struct{}), tail: &tailWriter{max: stderrTailBytes}}
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning")
	r.cmd.Stdout, r.cmd.Stderr = r.tail, r.tail
	r.cmd.SysProcAttr = childSysProcAttr()
	r.cmd.WaitDelay = time.Second
	started := make(chan error, 1)
	go runLocked(r.cmd, cpus, started, r.exited, nil)
	if err := <-started; err != nil {
		return nil, fmt.Errorf("benchmarks: start redis-server: %w", err)
	}
	deadline := time.Now().Add(redisStartTimeout)
	for !r.ping() {
		select {
		case <-r.exited:
			return nil, fmt.Errorf("benchmarks: redis-server on port %d exited at start: %s", port, strings.TrimSpace(r.tail.String()))
		default:
		}
		if time.Now().After(deadline) {
			r.close()
			return nil, fmt.Errorf("benchmarks: redis-server on port %d did not answer within %v", port, redisStartTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return r, nil
}

// url is the cache_bus value that reaches the server.
func (r *redisProc) url() string { return "redis://127.0.0.1:" + strconv.Itoa(r.port) }

// ping sends an inline PING and reports whether PONG came back.
func (r *redisProc) ping() bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(r.port), 100*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "PING\r\n"); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// close stops the server: SIGINT, then SIGKILL after redisStopTimeout.
func (r *redisProc) close() {
	select {
	case <-r.exited:
		return
	default:
	}
	_ = r.cmd.Process.Signal(os.Interrupt) // redis-server shuts down on SIGINT
	select {
	case <-r.exited:
	case <-time.After(redisStopTimeout):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("benchmarks: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
