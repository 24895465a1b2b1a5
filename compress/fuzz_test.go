package compress

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// fuzzCodec frames anything that shrinks, so fuzzing reaches the decoder.
func fuzzCodec(t testing.TB) *Codec {
	return newCodec(t, Config{Threshold: 1, MaxDecodedBytes: 1 << 20})
}

// FuzzDecode feeds arbitrary bytes to Decode: it must never panic, fail or
// modify its input, and whatever it accepts as a frame must re-encode to a
// frame that decodes to the same value.
func FuzzDecode(f *testing.F) {
	c := fuzzCodec(f)
	for _, s := range []string{"", "{}", string(magic[:]), string(jsonOfLen(2048, 1))} {
		f.Add([]byte(s))
		if frame, ok := c.encode([]byte(s), TypeText, 1<<30); ok {
			f.Add(frame)
			huge := bytes.Clone(frame) // declares 4 GiB
			binary.LittleEndian.PutUint32(huge[offLength:], 0xFFFFFFFF)
			f.Add(huge)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b)
		v, framed, err := c.Decode(b)
		if !bytes.Equal(b, orig) {
			t.Fatal("Decode modified its input")
		}
		if err != nil {
			t.Fatalf("Decode returned an error (it must be total): %v", err)
		}
		if !framed {
			if v != nil {
				t.Fatalf("not framed but v = %T", v)
			}
			return
		}
		var frame []byte
		var ok bool
		switch x := v.(type) {
		case string:
			frame, ok = c.encode([]byte(x), TypeText, 1<<30)
		case []byte:
			frame, ok = c.encode(x, TypeBlob, 1<<30)
		default:
			t.Fatalf("decoded a %T", v)
		}
		if !ok {
			t.Fatal("re-encode failed")
		}
		checkRoundTrip(t, c, frame, v)
	})
}

// FuzzRoundTrip encodes arbitrary values as text or blob: whatever is framed
// must decode to the original, and a forced frame must always round-trip.
func FuzzRoundTrip(f *testing.F) {
	c := fuzzCodec(f)
	f.Add([]byte(""), false)
	f.Add([]byte("héllo\x00wörld"), true)
	f.Add(jsonOfLen(3000, 2), true)
	f.Add(randomBytes(600, 3), false)
	f.Fuzz(func(t *testing.T, data []byte, text bool) {
		var want any = data
		typ := byte(TypeBlob)
		frame, ok := c.EncodeBytes(data)
		if text {
			want, typ = string(data), TypeText
			frame, ok = c.EncodeString(string(data))
		}
		if ok {
			checkRoundTrip(t, c, frame, want)
		}
		forced, ok := c.encode(data, typ, 1<<30)
		if !ok {
			t.Fatal("forced encode failed")
		}
		if typ == TypeBlob && len(data) == 0 {
			want = []byte{}
		}
		checkRoundTrip(t, c, forced, want)
	})
}

// checkRoundTrip fails unless frame decodes to want (same type and bytes).
func checkRoundTrip(t *testing.T, c *Codec, frame []byte, want any) {
	t.Helper()
	got, framed, err := c.Decode(frame)
	if !framed || err != nil {
		t.Fatalf("Decode(own frame): framed=%v err=%v", framed, err)
	}
	switch w := want.(type) {
	case string:
		if s, ok := got.(string); !ok || s != w {
			t.Fatalf("round trip: got %T %q, want string %q", got, got, w)
		}
	case []byte:
		if b, ok := got.([]byte); !ok || b == nil || !bytes.Equal(b, w) {
			t.Fatalf("round trip: got %T %q, want []byte %q", got, got, w)
		}
	}
}
