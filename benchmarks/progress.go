package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress writes a live progress line to stderr: rewritten in place on a
// terminal, one line per cell otherwise. It is safe for concurrent use.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	total int
	done  int
	start time.Time
	last  int // length of the last in-place line
}

// newProgress returns a progress writer for total cells.
func newProgress(w io.Writer, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, total: total, start: time.Now()}
}

// step announces the next cell.
func (p *progress) step(label string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	line := fmt.Sprintf("[%3d/%d %3.0f%% %5.1fs] %s", p.done, p.total,
		100*float64(p.done)/float64(max(p.total, 1)), time.Since(p.start).Seconds(), label)
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	pad := max(p.last-len(line), 0)
	fmt.Fprintf(p.w, "\r%s%*s", line, pad, "")
	p.last = len(line)
}

// warn prints a message on its own line.
func (p *progress) warn(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.last > 0 {
		fmt.Fprintln(p.w)
		p.last = 0
	}
	fmt.Fprintln(p.w, "warning: "+msg)
}

// finish ends the in-place line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.last > 0 {
		fmt.Fprintln(p.w)
		p.last = 0
	}
}
