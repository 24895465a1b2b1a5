package compress

import (
	"errors"
	"sync"
	"unsafe"

	"github.com/andybalholm/brotli"
)

// Codec frames values in brotli and decodes frames. Create one with [New]; it
// is safe for concurrent use by multiple goroutines and must not be copied.
// Brotli writers, readers and scratch buffers are pooled per Codec and no
// lock is held while compressing or decompressing.
type Codec struct {
	cfg     Config
	writers [maxWindowBits - minWindowBits + 1]sync.Pool // *brotli.Writer by window bits
	readers sync.Pool                                    // *decoder
	scratch sync.Pool                                    // *[]byte
	stats   counters
}

// maxPooledScratch is the largest scratch buffer (bytes) kept for reuse, so a
// rare huge value does not pin its buffer in the pool.
const maxPooledScratch = 1 << 20

// errNoGain stops compression as soon as the frame cannot be worth sending.
var errNoGain = errors.New("compress: frame would not be smaller than the value")

// New returns a Codec for cfg. Zero fields take their defaults
// ([DefaultThreshold], [DefaultQuality], [DefaultMaxDecodedBytes]); a negative
// or out-of-range field is an error wrapping [ErrInvalidConfig] that names the
// field, its value and the accepted range. cfg is not modified.
func New(cfg Config) (*Codec, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Codec{cfg: c}, nil
}

// Config returns the effective configuration, defaults filled in.
func (c *Codec) Config() Config { return c.cfg }

// EncodeString frames s as text. ok is false, and frame nil, when s is shorter
// than [Config.Threshold], longer than [Config.MaxDecodedBytes], or when the
// frame would not save bytes on the wire: a frame travels as a blob, which
// Hrana's JSON encodes in base64, so the frame is used only if its base64 size
// (4*ceil(len(frame)/3)) is smaller than len(s). The caller then sends s as it is.
func (c *Codec) EncodeString(s string) (frame []byte, ok bool) {
	// brotli and CRC-32C only read their input, so s is not copied.
	src := unsafe.Slice(unsafe.StringData(s), len(s))
	return c.encodeValue(src, TypeText, maxTextFrame(len(s)))
}

// EncodeBytes frames b as a blob. ok is false, and frame nil, when b is shorter
// than [Config.Threshold], longer than [Config.MaxDecodedBytes], or when the
// frame would not be smaller than b. The caller then sends b as it is.
// b is only read, and not retained.
func (c *Codec) EncodeBytes(b []byte) (frame []byte, ok bool) {
	return c.encodeValue(b, TypeBlob, len(b)-1)
}

// maxTextFrame is the largest frame whose base64 form is shorter than n bytes.
func maxTextFrame(n int) int {
	return 3 * ((n - 1) / 4)
}

// encodeValue applies the threshold and limit, encodes, and counts.
func (c *Codec) encodeValue(src []byte, typ byte, maxFrame int) ([]byte, bool) {
	if len(src) < c.cfg.Threshold || int64(len(src)) > c.cfg.MaxDecodedBytes {
		c.stats.valuesRaw.Add(1)
		return nil, false
	}
	frame, ok := c.encode(src, typ, maxFrame)
	if !ok {
		c.stats.valuesRaw.Add(1)
		return nil, false
	}
	c.stats.valuesFramed.Add(1)
	c.stats.bytesIn.Add(int64(len(src)))
	c.stats.bytesOut.Add(int64(len(frame)))
	return frame, true
}

// encode builds the frame of src, or returns false if it would be longer
// than maxFrame bytes. It ignores the threshold and the decode limit.
func (c *Codec) encode(src []byte, typ byte, maxFrame int) ([]byte, bool) {
	if maxFrame <= HeaderSize || int64(len(src)) > MaxOriginalLen {
		return nil, false
	}
	bufp := c.getScratch()
	defer c.putScratch(bufp)
	lw := limitWriter{buf: (*bufp)[:0], max: maxFrame}
	lw.buf = append(lw.buf, make([]byte, HeaderSize)...)
	wb := windowBitsFor(len(src))
	w := c.getWriter(wb, &lw)
	_, err := w.Write(src)
	if err == nil {
		err = w.Close()
	}
	c.putWriter(wb, w)
	*bufp = lw.buf
	if err != nil {
		return nil, false
	}
	frame := make([]byte, len(lw.buf))
	copy(frame, lw.buf)
	putHeader(frame, typ, src)
	return frame, true
}

// limitWriter appends to buf and fails with errNoGain past max bytes.
type limitWriter struct {
	buf []byte
	max int
}

// Write implements io.Writer.
func (w *limitWriter) Write(p []byte) (int, error) {
	if len(w.buf)+len(p) > w.max {
		return 0, errNoGain
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// getWriter returns a pooled brotli writer for the window, reset onto dst.
func (c *Codec) getWriter(windowBits int, dst *limitWriter) *brotli.Writer {
	if w, ok := c.writers[windowBits-minWindowBits].Get().(*brotli.Writer); ok {
		w.Reset(dst)
		return w
	}
	return brotli.NewWriterOptions(dst, brotli.WriterOptions{Quality: c.cfg.Quality, LGWin: windowBits})
}

// putWriter returns w to the pool of its window, detached from its output.
func (c *Codec) putWriter(windowBits int, w *brotli.Writer) {
	w.Reset(nil)
	c.writers[windowBits-minWindowBits].Put(w)
}

// getScratch returns a pooled scratch buffer.
func (c *Codec) getScratch() *[]byte {
	if p, ok := c.scratch.Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, 0, 4096)
	return &b
}

// putScratch returns a scratch buffer unless it grew too large to keep.
func (c *Codec) putScratch(p *[]byte) {
	if cap(*p) <= maxPooledScratch {
		c.scratch.Put(p)
	}
}
