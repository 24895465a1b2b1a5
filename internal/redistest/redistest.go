// Package redistest starts real redis-server processes for tests, on free
// loopback ports, so that a test can kill, pause and restart them.
//
// When the redis-server binary is missing, [Start] skips the test, unless
// the environment variable CI is set: CI installs it (.ci/run), so there
// the test fails instead.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is one redis-server process on 127.0.0.1:Port. Its methods are
// for the test goroutine.
type Server struct {
	t    testing.TB
	bin  string
	Port int
	cmd  *exec.Cmd
	args []string
}

// Start starts a redis-server on a free loopback port, waits until it
// answers, and stops it when the test ends. extra are more server
// arguments ("--requirepass", "pw", ...).
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server not found in CI (.ci/run installs the Debian package redis-server): %v", err)
		}
		t.Skip("redis-server not found: apt-get install -y redis-server to run the cache bus tests")
	}
	s := &Server{t: t, bin: bin, Port: FreePort(t)}
	s.args = append([]string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning"}, extra...)
	s.start()
	t.Cleanup(s.Kill)
	return s
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// URL is redis://127.0.0.1:port.
func (s *Server) URL() string { return "redis://" + s.Addr() }

func (s *Server) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, s.args...)
	s.cmd.Stderr = os.Stderr
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s.ping() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Kill()
	s.t.Fatalf("redis-server on %s did not answer within 10s", s.Addr())
}

// ping sends an inline PING and reports whether PONG (or a NOAUTH
// refusal, from a server with a password) came back.
func (s *Server) ping() bool {
	c, err := net.DialTimeout("tcp", s.Addr(), 100*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := fmt.Fprint(c, "PING\r\n"); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && (strings.HasPrefix(line, "+PONG") || strings.HasPrefix(line, "-NOAUTH"))
}

// Kill kills the server (SIGKILL) and waits for it; a no-op when it is
// not running.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart starts the server again on the same port, empty.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	s.start()
}

// Signal sends sig to the server process (SIGSTOP, SIGCONT...).
func (s *Server) Signal(sig syscall.Signal) {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(sig)
	}
}
