package pool

import (
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// leakStackDepth is how many frames of the acquirer's stack are kept.
const leakStackDepth = 24

// leakInfo is the acquirer's stack, captured at Acquire when leak detection
// is on. logged is guarded by the registry's mutex.
type leakInfo struct {
	pcs    [leakStackDepth]uintptr
	n      int
	logged bool
}

// leakRegistry tracks the connections currently acquired, for the leak
// check of the maintenance loop.
type leakRegistry[T any] struct {
	mu     sync.Mutex
	inUse  map[*Conn[T]]struct{}
	logged atomic.Int64
}

func newLeakRegistry[T any]() *leakRegistry[T] {
	return &leakRegistry[T]{inUse: make(map[*Conn[T]]struct{})}
}

// add registers c and captures the caller's stack, skipping the pool's own
// frames.
func (l *leakRegistry[T]) add(c *Conn[T]) {
	c.leak = &leakInfo{}
	c.leak.n = runtime.Callers(4, c.leak.pcs[:])
	l.mu.Lock()
	l.inUse[c] = struct{}{}
	l.mu.Unlock()
}

// remove unregisters c at Release or Destroy.
func (l *leakRegistry[T]) remove(c *Conn[T]) {
	l.mu.Lock()
	delete(l.inUse, c)
	l.mu.Unlock()
}

// check logs, once per Conn, every connection held longer than threshold.
func (l *leakRegistry[T]) check(now time.Time, threshold time.Duration, log *slog.Logger) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.inUse {
		held := now.Sub(c.acquiredAt)
		if c.leak.logged || held <= threshold {
			continue
		}
		c.leak.logged = true
		l.logged.Add(1)
		log.Warn("turso-pooled: pool: connection held longer than LeakThreshold; is a Rows, Tx or Conn left open?",
			slog.Duration("held", held), slog.Duration("threshold", threshold),
			slog.Time("acquired_at", c.acquiredAt), slog.String("stack", formatStack(c.leak.pcs[:c.leak.n])))
	}
}

// formatStack renders pcs as "function\n\tfile:line" lines.
func formatStack(pcs []uintptr) string {
	var b strings.Builder
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" {
			b.WriteString(f.Function)
			b.WriteString("\n\t")
			b.WriteString(f.File)
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(f.Line))
			b.WriteByte('\n')
		}
		if !more {
			return b.String()
		}
	}
}
