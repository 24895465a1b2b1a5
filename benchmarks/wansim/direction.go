package wansim

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"
)

// readBufSize is the largest chunk one read takes from the sending side.
const readBufSize = 32 << 10

// direction carries bytes one way through a link: readLoop timestamps and
// queues what src sends, writeLoop delivers it to dst at its release time.
type direction struct {
	l        *link
	src, dst net.Conn
	q        *queue
	sh       *shaper // used only by readLoop
	counter  *atomic.Int64
}

// newDirection returns a direction from src to dst whose link becomes
// usable at start; counter accumulates the bytes read from src.
func newDirection(l *link, src, dst net.Conn, counter *atomic.Int64, start time.Time) *direction {
	return &direction{
		l: l, src: src, dst: dst,
		q:       newQueue(l.ctx.Done()),
		sh:      newShaper(start),
		counter: counter,
	}
}

// readLoop reads src until it fails, queueing a timestamped copy of every
// chunk, then queues the end of the stream.
func (d *direction) readLoop() {
	buf := make([]byte, readBufSize)
	for {
		n, err := d.src.Read(buf)
		now := time.Now()
		if n > 0 {
			d.counter.Add(int64(n))
			c := chunk{data: bytes.Clone(buf[:n]), release: d.due(now, n)}
			if !d.q.push(c) {
				return
			}
		}
		if err != nil {
			d.q.push(chunk{end: err, release: d.due(now, 0)})
			return
		}
	}
}

// due returns the release time of n bytes read at now under the proxy's
// current settings.
func (d *direction) due(now time.Time, n int) time.Time {
	p := d.l.p
	return d.sh.release(now, n, p.rtt()/2, p.cfg.Jitter, p.bandwidth.Load())
}

// writeLoop delivers queued chunks to dst at their release times until the
// stream ends or the link is aborted.
func (d *direction) writeLoop() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		c, ok := d.q.pop()
		if !ok || !d.waitUntil(timer, c.release) {
			return
		}
		if c.end != nil {
			d.finish(c.end)
			return
		}
		if _, err := d.dst.Write(c.data); err != nil {
			d.l.abort()
			return
		}
	}
}

// waitUntil sleeps until at, returning false if the link is aborted first.
func (d *direction) waitUntil(timer *time.Timer, at time.Time) bool {
	wait := time.Until(at)
	if wait <= 0 {
		return d.l.ctx.Err() == nil
	}
	timer.Reset(wait)
	select {
	case <-timer.C:
		return true
	case <-d.l.ctx.Done():
		timer.Stop()
		return false
	}
}

// finish ends the direction after its data was delivered: a clean EOF is
// forwarded as a FIN (half-close); anything else tears the link down.
func (d *direction) finish(end error) {
	if errors.Is(end, io.EOF) {
		if cw, ok := d.dst.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			return
		}
	}
	d.l.abort()
}
