package compress

import (
	"bytes"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestWindowBitsFor(t *testing.T) {
	tests := []struct{ n, want, wantMax int }{
		{0, 10, 18}, {1, 10, 18}, {1024, 10, 18}, {1025, 11, 18}, {1 << 18, 18, 18},
		{1<<18 + 1, 19, 19}, {1 << 20, 20, 20}, {1 << 24, 24, 24}, {1 << 30, 24, 24},
	}
	for _, tt := range tests {
		if got := windowBitsFor(tt.n); got != tt.want {
			t.Errorf("windowBitsFor(%d) = %d, want %d", tt.n, got, tt.want)
		}
		if got := maxWindowBitsFor(tt.n); got != tt.wantMax {
			t.Errorf("maxWindowBitsFor(%d) = %d, want %d", tt.n, got, tt.wantMax)
		}
	}
}

// TestStreamWindowBits checks the WBITS parser against what the brotli
// encoder writes, for every window and for the qualities that force 18.
func TestStreamWindowBits(t *testing.T) {
	for lgwin := minWindowBits; lgwin <= maxWindowBits; lgwin++ {
		for _, q := range []int{1, 5} {
			var out bytes.Buffer
			w := brotli.NewWriterOptions(&out, brotli.WriterOptions{Quality: q, LGWin: lgwin})
			if _, err := w.Write([]byte("hello hello hello")); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			want := lgwin
			if q == 1 {
				want = max(lgwin, fastWindowBits)
			}
			if got, ok := streamWindowBits(out.Bytes()); !ok || got != want {
				t.Errorf("lgwin=%d quality=%d: streamWindowBits = %d, %v; want %d", lgwin, q, got, ok, want)
			}
		}
	}
	// 0x11: bit 0 set, bits 1-3 zero, bits 4-6 = 1: the large-window marker.
	for _, stream := range [][]byte{nil, {0x11}} {
		if _, ok := streamWindowBits(stream); ok {
			t.Errorf("streamWindowBits(%x) accepted", stream)
		}
	}
}

func TestLooksFramed(t *testing.T) {
	c := newCodec(t, Config{})
	frame, ok := c.EncodeBytes(jsonOfLen(4096, 1))
	if !ok {
		t.Fatal("not framed")
	}
	edit := func(i int, v byte) []byte {
		b := bytes.Clone(frame)
		b[i] = v
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"frame", frame, true},
		{"nil", nil, false},
		{"magic only", magic[:], false},
		{"header without stream", frame[:HeaderSize], false},
		{"header and one stream byte", frame[:HeaderSize+1], true},
		{"bad magic", edit(1, 't'), false},
		{"version 0", edit(offVersion, 0), false},
		{"version 2", edit(offVersion, 2), false},
		{"codec 0", edit(offCodec, 0), false},
		{"codec 2", edit(offCodec, 2), false},
		{"type 0", edit(offType, 0), false},
		{"type 3", edit(offType, 3), false},
		{"type text", edit(offType, TypeText), true},
		{"plain JSON", []byte(`{"a":1,"b":"xxxxxxxxxxxxxxxxxxxxxxxx"}`), false},
	}
	for _, tt := range tests {
		if got := LooksFramed(tt.b); got != tt.want {
			t.Errorf("%s: LooksFramed = %v, want %v", tt.name, got, tt.want)
		}
	}
}
