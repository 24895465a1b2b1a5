package compress

import (
	"bytes"
	"io"
	"unsafe"

	"github.com/andybalholm/brotli"
)

// Decode returns the original value of frame b. It is total: every value
// that is not a frame it can fully verify is reported as not framed, never
// as an error, so the caller uses b exactly as stored.
//
// The rule, applied in this order:
//  1. b does not pass [LooksFramed] (too short, no magic, unknown version,
//     codec or type): v == nil, framed == false. b is not a frame.
//  2. The declared original length exceeds [Config.MaxDecodedBytes]:
//     v == nil, framed == false. Nothing is decoded or allocated: a frame
//     cannot be verified without decoding it, and a value that cannot be
//     verified is not a frame (counted in [Stats].DecodeErrors).
//  3. The brotli stream declares a window larger than the frame needs, fails
//     to decode, decodes to fewer or more bytes than declared, is followed by
//     trailing bytes, or the CRC-32C does not match: v == nil, framed == false.
//     b is a user's value that happens to start like a frame and must be used
//     as it is (counted in [Stats].FramesRejected). Decoding stops one byte
//     past the declared length.
//  4. Otherwise framed == true and v is a string (type text) or a []byte
//     (type blob; non-nil, possibly empty) that the caller owns.
//
// err is always nil; the result is kept so that existing callers compile.
// Decode never panics and never modifies b. Memory use is bounded by about
// twice the declared length plus the brotli window (at most 2 x declared or
// 256 KiB, see doc.go). It is safe for concurrent use.
func (c *Codec) Decode(b []byte) (v any, framed bool, err error) {
	h, ok := parseHeader(b)
	if !ok {
		return nil, false, nil
	}
	if int64(h.length) > c.cfg.MaxDecodedBytes {
		c.stats.decodeErrors.Add(1)
		return nil, false, nil
	}
	out, ok := c.decompress(b[HeaderSize:], int(h.length))
	if !ok || checksum(b, out) != h.checksum {
		c.stats.framesRejected.Add(1)
		return nil, false, nil
	}
	c.stats.valuesDecoded.Add(1)
	c.stats.decodedBytes.Add(int64(len(out)))
	if h.typ == TypeText {
		if len(out) == 0 {
			return "", true, nil
		}
		// out is ours alone and never written again.
		return unsafe.String(unsafe.SliceData(out), len(out)), true, nil
	}
	return out, true, nil
}

// decoder is a pooled brotli reader with its source.
type decoder struct {
	src bytes.Reader
	br  *brotli.Reader
}

// Decoding buffer sizing: start at 16x the stream (at least 64 KiB), capped
// at the declared length, and double up to it.
const (
	minDecodeBuf  = 64 << 10
	expectedRatio = 16
	maxZeroReads  = 8
)

// decompress decodes stream, which must produce exactly n bytes and end.
func (c *Codec) decompress(stream []byte, n int) ([]byte, bool) {
	wb, ok := streamWindowBits(stream)
	if !ok || wb > maxWindowBitsFor(n) {
		return nil, false
	}
	d := c.getDecoder(stream)
	defer c.putDecoder(d)
	out := make([]byte, 0, min(n, max(minDecodeBuf, expectedRatio*len(stream))))
	zeroReads := 0
	for len(out) < n {
		if len(out) == cap(out) {
			grown := make([]byte, len(out), min(n, 2*cap(out)))
			copy(grown, out)
			out = grown
		}
		m, err := d.br.Read(out[len(out):cap(out)])
		out = out[:len(out)+m]
		switch {
		case err == io.EOF:
			return out, len(out) == n && d.src.Len() == 0
		case err != nil:
			return nil, false
		case m == 0:
			if zeroReads++; zeroReads > maxZeroReads {
				return nil, false
			}
		}
	}
	return out, d.atEnd()
}

// atEnd reports whether the stream ends here with no output and no input left.
func (d *decoder) atEnd() bool {
	var probe [1]byte
	for range maxZeroReads {
		m, err := d.br.Read(probe[:])
		switch {
		case m > 0:
			return false
		case err == io.EOF:
			return d.src.Len() == 0
		case err != nil:
			return false
		}
	}
	return false
}

// getDecoder returns a pooled decoder reading stream.
func (c *Codec) getDecoder(stream []byte) *decoder {
	d, ok := c.readers.Get().(*decoder)
	if !ok {
		d = &decoder{}
	}
	d.src.Reset(stream)
	if d.br == nil {
		d.br = brotli.NewReader(&d.src)
	} else {
		_ = d.br.Reset(&d.src) // documented to always return nil
	}
	return d
}

// putDecoder detaches d from its input and pools it.
func (c *Codec) putDecoder(d *decoder) {
	d.src.Reset(nil)
	c.readers.Put(d)
}
