package compress

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"
)

// validFrame returns a blob frame of a compressible 4 KiB value and the value.
func validFrame(t *testing.T, c *Codec) ([]byte, []byte) {
	t.Helper()
	data := jsonOfLen(4096, 11)
	frame, ok := c.EncodeBytes(data)
	if !ok {
		t.Fatal("EncodeBytes did not frame compressible data")
	}
	return frame, data
}

// mustBeUntouched fails unless Decode reports b as not a frame, without error.
func mustBeUntouched(t *testing.T, c *Codec, b []byte, what string) {
	t.Helper()
	orig := bytes.Clone(b)
	v, framed, err := c.Decode(b)
	if v != nil || framed || err != nil {
		t.Fatalf("%s: Decode = %T, framed=%v, err=%v; want not a frame", what, v, framed, err)
	}
	if !bytes.Equal(b, orig) {
		t.Fatalf("%s: Decode modified its input", what)
	}
}

// withHeader returns stream behind a header declaring length n for data.
func withHeader(typ byte, n uint32, data, stream []byte) []byte {
	frame := make([]byte, HeaderSize, HeaderSize+len(stream))
	putHeader(frame, typ, data)
	binary.LittleEndian.PutUint32(frame[offLength:], n)
	return append(frame, stream...)
}

func TestDecodeNotFrames(t *testing.T) {
	c := newCodec(t, Config{})
	frame, data := validFrame(t, c)
	badSum := bytes.Clone(frame)
	badSum[offChecksum] ^= 1
	userBlob := append(append([]byte(nil), frame[:HeaderSize]...), "just my own bytes, not brotli at all"...)
	tests := []struct {
		name string
		b    []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"plain JSON", data},
		{"magic only", magic[:]},
		{"header only", frame[:HeaderSize]},
		{"bad checksum", badSum},
		{"user blob after a valid header", userBlob},
		{"trailing byte", append(bytes.Clone(frame), 0)},
		{"trailing frame", append(bytes.Clone(frame), frame...)},
		{"declared one byte less", withHeader(TypeBlob, uint32(len(data)-1), data, frame[HeaderSize:])},
		{"declared one byte more", withHeader(TypeBlob, uint32(len(data)+1), data, frame[HeaderSize:])},
	}
	for _, tt := range tests {
		mustBeUntouched(t, c, tt.b, tt.name)
	}
	if got := c.Stats().FramesRejected; got != 6 {
		t.Errorf("FramesRejected = %d, want 6", got)
	}
}

// TestDecodeTruncated checks every proper prefix of a frame.
func TestDecodeTruncated(t *testing.T) {
	c := newCodec(t, Config{})
	frame, _ := validFrame(t, c)
	for n := range len(frame) {
		mustBeUntouched(t, c, frame[:n], "truncated")
	}
}

// TestDecodeFlippedBytes flips bits in every byte of a frame: the result must
// be not a frame, without error; never a wrong value.
func TestDecodeFlippedBytes(t *testing.T) {
	c := newCodec(t, Config{})
	frame, _ := validFrame(t, c)
	for i := range frame {
		for _, mask := range []byte{0x01, 0x80, 0xFF} {
			b := bytes.Clone(frame)
			b[i] ^= mask
			mustBeUntouched(t, c, b, fmt.Sprintf("byte %d ^ %#x", i, mask))
		}
	}
}

// TestDecodeTooLarge: a value declaring more than MaxDecodedBytes, even a
// real frame written with a larger limit, is not a frame: no error, nothing
// allocated, counted in DecodeErrors.
func TestDecodeTooLarge(t *testing.T) {
	c := newCodec(t, Config{MaxDecodedBytes: 1 << 20})
	frame, _ := validFrame(t, c)
	large := newCodec(t, Config{MaxDecodedBytes: 8 << 20})
	bigFrame, ok := large.EncodeBytes(jsonOfLen(2<<20, 5))
	if !ok {
		t.Fatal("2 MiB of JSON not framed")
	}
	values := []struct {
		name string
		b    []byte
	}{{"frame of a larger limit", bigFrame}}
	for _, declared := range []uint32{1<<20 + 1, 1 << 31, 0xFFFFFFFF} {
		b := bytes.Clone(frame)
		binary.LittleEndian.PutUint32(b[offLength:], declared)
		values = append(values, struct {
			name string
			b    []byte
		}{fmt.Sprintf("declared %d", declared), b})
	}
	for _, tt := range values {
		mustBeUntouched(t, c, tt.b, tt.name)
	}
	if s := c.Stats(); s.DecodeErrors != int64(len(values)) || s.FramesRejected != 0 {
		t.Errorf("DecodeErrors = %d, FramesRejected = %d; want %d and 0", s.DecodeErrors, s.FramesRejected, len(values))
	}
	for _, tt := range values {
		allocated := bytesAllocated(func() { _, _, _ = c.Decode(tt.b) })
		if allocated > 1024 {
			t.Fatalf("%s: Decode allocated %d bytes for a value it did not decode", tt.name, allocated)
		}
	}
	if v, framed, _ := large.Decode(bigFrame); !framed || len(v.([]byte)) != 2<<20 {
		t.Fatal("the larger limit's own codec does not read its frame")
	}
}

// bytesAllocated returns the bytes allocated on the heap while running f
// (averaged over a few runs to absorb unrelated runtime allocations).
func bytesAllocated(f func()) uint64 {
	const runs, trials = 4, 5
	// TotalAlloc counts the whole process: the least of several trials
	// leaves out what other goroutines (the runtime, a test's leftovers)
	// allocated meanwhile.
	least := uint64(math.MaxUint64)
	for range trials {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range runs {
			f()
		}
		runtime.ReadMemStats(&after)
		least = min(least, (after.TotalAlloc-before.TotalAlloc)/runs)
	}
	return least
}

// zeroBomb returns brotli streams of 1 GiB of zeros (128 MiB under the race
// detector, still 16 times the limit used) written with windows of 18 and 24
// bits (about 190 KB each; built once).
var zeroBomb = sync.OnceValues(func() ([]byte, []byte) {
	mebibytes := 1024
	if raceEnabled {
		mebibytes = 128
	}
	build := func(lgwin int) []byte {
		var out bytes.Buffer
		w := brotli.NewWriterOptions(&out, brotli.WriterOptions{Quality: 1, LGWin: lgwin})
		zeros := make([]byte, 1<<20)
		for range mebibytes {
			_, _ = w.Write(zeros)
		}
		_ = w.Close()
		return out.Bytes()
	}
	return build(fastWindowBits), build(maxWindowBits)
})

// TestDecodeBomb decodes a real 1 GiB brotli stream behind headers that
// declare various lengths: none may be accepted, and memory stays bounded
// by the declared length (plus the brotli window), never by the stream.
func TestDecodeBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1 GiB brotli stream")
	}
	const limit = 8 << 20
	c := newCodec(t, Config{MaxDecodedBytes: limit})
	small, wide := zeroBomb()
	tests := []struct {
		name     string
		stream   []byte
		declared uint32
		tooLarge bool
		maxAlloc uint64
	}{
		{"declared 1KiB", small, 1024, false, 1 << 20},
		{"declared at limit", small, limit, false, 3 * limit},
		{"declared 1GiB", small, 1 << 30, true, 1 << 10},
		{"wide window declared 1KiB", wide, 1024, false, 1 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := withHeader(TypeBlob, tt.declared, nil, tt.stream)
			before := c.Stats().DecodeErrors
			allocated := bytesAllocated(func() {
				v, framed, err := c.Decode(b)
				if v != nil || framed || err != nil {
					t.Errorf("Decode = %T, %v, %v; want not a frame", v, framed, err)
				}
			})
			if tooLarge := c.Stats().DecodeErrors > before; tooLarge != tt.tooLarge {
				t.Errorf("counted as too large = %v, want %v", tooLarge, tt.tooLarge)
			}
			t.Logf("allocated %d bytes", allocated)
			if allocated > tt.maxAlloc {
				t.Errorf("Decode allocated %d bytes, want at most %d", allocated, tt.maxAlloc)
			}
		})
	}
}

// TestDecodeRejectsOversizedWindow checks the window rule of the spec: a
// correct stream whose window exceeds what the declared length needs is not
// a frame.
func TestDecodeRejectsOversizedWindow(t *testing.T) {
	c := newCodec(t, Config{})
	data := jsonOfLen(2048, 4)
	var out bytes.Buffer
	w := brotli.NewWriterOptions(&out, brotli.WriterOptions{Quality: 5, LGWin: 22})
	_, _ = w.Write(data)
	_ = w.Close()
	mustBeUntouched(t, c, withHeader(TypeBlob, uint32(len(data)), data, out.Bytes()), "window 22 for 2 KiB")
}
