package compress

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/turso-pooled/tursopooled/compress/jsondoc"
)

// newCodec returns a codec for cfg or fails the test.
func newCodec(t testing.TB, cfg Config) *Codec {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return c
}

// jsonOfLen returns compressible JSON-like bytes of exactly n bytes.
func jsonOfLen(n int, seed uint64) []byte {
	doc := jsondoc.Generate(rand.New(rand.NewPCG(seed, 1)), n+512)
	for len(doc) < n {
		doc = append(doc, doc...)
	}
	return doc[:n]
}

// checkDecoded decodes frame and compares it with want (a string or []byte).
func checkDecoded(t *testing.T, c *Codec, frame []byte, want any) {
	t.Helper()
	v, framed, err := c.Decode(frame)
	if err != nil || !framed {
		t.Fatalf("Decode: framed=%v err=%v, want a frame", framed, err)
	}
	switch w := want.(type) {
	case string:
		if s, ok := v.(string); !ok || s != w {
			t.Fatalf("Decode = %T (len %d), want the original string (len %d)", v, lenOf(v), len(w))
		}
	case []byte:
		if b, ok := v.([]byte); !ok || b == nil || !bytes.Equal(b, w) {
			t.Fatalf("Decode = %T (len %d), want the original []byte (len %d)", v, lenOf(v), len(w))
		}
	}
}

// lenOf returns the length of a decoded value, or -1.
func lenOf(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []byte:
		return len(x)
	}
	return -1
}

func TestRoundTripAroundThreshold(t *testing.T) {
	const threshold = 1024
	c := newCodec(t, Config{Threshold: threshold})
	tests := []struct {
		size   int
		framed bool
	}{
		{threshold - 1, false},
		{threshold, true},
		{threshold + 1, true},
		{1 << 20, true},
	}
	for _, tt := range tests {
		data := jsonOfLen(tt.size, uint64(tt.size))
		t.Run(fmt.Sprintf("size=%d/type=text", tt.size), func(t *testing.T) {
			frame, ok := c.EncodeString(string(data))
			if ok != tt.framed {
				t.Fatalf("EncodeString ok = %v, want %v", ok, tt.framed)
			}
			if !ok {
				if frame != nil {
					t.Fatal("frame must be nil when ok is false")
				}
				return
			}
			if !LooksFramed(frame) {
				t.Fatal("LooksFramed(frame) = false")
			}
			checkDecoded(t, c, frame, string(data))
		})
		t.Run(fmt.Sprintf("size=%d/type=blob", tt.size), func(t *testing.T) {
			frame, ok := c.EncodeBytes(data)
			if ok != tt.framed {
				t.Fatalf("EncodeBytes ok = %v, want %v", ok, tt.framed)
			}
			if ok {
				checkDecoded(t, c, frame, data)
			}
		})
	}
}

func TestEmptyValues(t *testing.T) {
	c := newCodec(t, Config{})
	if _, ok := c.EncodeString(""); ok {
		t.Error(`EncodeString("") framed`)
	}
	if _, ok := c.EncodeBytes(nil); ok {
		t.Error("EncodeBytes(nil) framed")
	}
	// An empty value is never framed by Encode*, but a frame of one is valid.
	for _, typ := range []byte{TypeText, TypeBlob} {
		frame, ok := c.encode(nil, typ, 1<<20)
		if !ok {
			t.Fatalf("encode(empty, %d) failed", typ)
		}
		var want any = ""
		if typ == TypeBlob {
			want = []byte{}
		}
		checkDecoded(t, c, frame, want)
	}
}

func TestUnicodeAndNULText(t *testing.T) {
	c := newCodec(t, Config{})
	s := strings.Repeat("héllo\x00wörld 世界 🎉 \xff\xfe invalid utf8 \u2028;", 100)
	frame, ok := c.EncodeString(s)
	if !ok {
		t.Fatal("repetitive unicode text not framed")
	}
	checkDecoded(t, c, frame, s)
}

func TestIncompressibleStaysRaw(t *testing.T) {
	c := newCodec(t, Config{})
	for _, n := range []int{DefaultThreshold, 4096, 64 << 10, 1 << 20} {
		data := randomBytes(n, uint64(n))
		if _, ok := c.EncodeBytes(data); ok {
			t.Errorf("EncodeBytes(random %d bytes) framed", n)
		}
		if _, ok := c.EncodeString(string(data)); ok {
			t.Errorf("EncodeString(random %d bytes) framed", n)
		}
	}
	if st := c.Stats(); st.ValuesFramed != 0 || st.ValuesRaw != 8 {
		t.Errorf("Stats = %+v, want 0 framed and 8 raw", st)
	}
}

// TestTextMustShrinkOnTheWire checks the base64 rule: a value that shrinks by
// less than a quarter is framed as a blob but not as text.
func TestTextMustShrinkOnTheWire(t *testing.T) {
	c := newCodec(t, Config{})
	data := append(randomBytes(3200, 5), make([]byte, 800)...)
	frame, ok := c.EncodeBytes(data)
	if !ok {
		t.Fatal("EncodeBytes: 20% zeros did not shrink")
	}
	if wire := 4 * ((len(frame) + 2) / 3); wire < len(data) {
		t.Fatalf("test data too compressible: frame %d bytes, base64 %d < %d", len(frame), wire, len(data))
	}
	if _, ok := c.EncodeString(string(data)); ok {
		t.Fatal("EncodeString framed a value whose base64 frame is not smaller")
	}
}

func TestMaxTextFrame(t *testing.T) {
	for n := range 200 {
		want := -1
		for m := range n + 1 {
			if 4*((m+2)/3) < n {
				want = m
			}
		}
		if got := maxTextFrame(n); got != want && !(want == -1 && got <= 0) {
			t.Fatalf("maxTextFrame(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestAboveMaxDecodedBytesStaysRaw(t *testing.T) {
	c := newCodec(t, Config{MaxDecodedBytes: 4096})
	if _, ok := c.EncodeBytes(jsonOfLen(4097, 1)); ok {
		t.Fatal("value above MaxDecodedBytes framed: the codec could not read it back")
	}
	frame, ok := c.EncodeBytes(jsonOfLen(4096, 1))
	if !ok {
		t.Fatal("value of exactly MaxDecodedBytes not framed")
	}
	checkDecoded(t, c, frame, jsonOfLen(4096, 1))
}

func TestStats(t *testing.T) {
	c := newCodec(t, Config{})
	doc := jsonOfLen(8192, 3)
	frame, _ := c.EncodeBytes(doc)
	c.EncodeBytes(doc[:10])
	_, _, _ = c.Decode(frame)
	_, _, _ = c.Decode(doc)
	bad := bytes.Clone(frame)
	bad[len(bad)-1] ^= 0xFF
	_, _, _ = c.Decode(bad)
	huge := bytes.Clone(frame)
	huge[offLength+3] = 0xFF
	_, _, _ = c.Decode(huge)
	want := Stats{
		ValuesFramed: 1, ValuesRaw: 1, BytesIn: 8192, BytesOut: int64(len(frame)),
		ValuesDecoded: 1, DecodeErrors: 1, DecodedBytes: 8192, FramesRejected: 1,
	}
	if got := c.Stats(); got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
	if r := c.Stats().Ratio(); r <= 0 || r >= 1 {
		t.Fatalf("Ratio = %v, want in (0, 1)", r)
	}
	if r := (Stats{}).Ratio(); r != 0 {
		t.Fatalf("zero Stats Ratio = %v, want 0", r)
	}
}

func TestConcurrentEncodeDecode(t *testing.T) {
	c := newCodec(t, Config{Threshold: 256})
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for g := range errs {
		wg.Go(func() { errs[g] = encodeDecodeLoop(c, g) })
	}
	wg.Wait()
	for g, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", g, err)
		}
	}
	if st := c.Stats(); st.ValuesFramed != st.ValuesDecoded || st.ValuesFramed == 0 {
		t.Errorf("Stats = %+v: every framed value must be decoded once", st)
	}
}

// encodeDecodeLoop round-trips values of varied sizes and types through c.
func encodeDecodeLoop(c *Codec, g int) error {
	for i := range 40 {
		data := jsonOfLen(1024+(g*977+i*331)%20000, uint64(g*100+i))
		var frame []byte
		var ok bool
		if i%2 == 0 {
			frame, ok = c.EncodeString(string(data))
		} else {
			frame, ok = c.EncodeBytes(data)
		}
		if !ok {
			return fmt.Errorf("value %d (%d bytes) not framed", i, len(data))
		}
		v, framed, err := c.Decode(frame)
		if err != nil || !framed || lenOf(v) != len(data) {
			return fmt.Errorf("value %d: framed=%v err=%v len=%d want %d", i, framed, err, lenOf(v), len(data))
		}
		if s, isText := v.(string); (isText && s != string(data)) || (!isText && !bytes.Equal(v.([]byte), data)) {
			return fmt.Errorf("value %d: decoded bytes differ", i)
		}
	}
	return nil
}
