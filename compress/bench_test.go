package compress

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/turso-pooled/tursopooled/compress/jsondoc"
)

// benchSizes are the JSON document sizes benchmarked, in KiB.
var benchSizes = []int{1, 2, 4, 8, 16}

// benchQualities are the brotli qualities benchmarked.
var benchQualities = []int{1, 3, 4, 5, 6, 9, 11}

// benchDocs returns a few distinct JSON documents of about kib KiB.
func benchDocs(kib int) []string {
	docs := make([]string, 8)
	for i := range docs {
		docs[i] = string(jsondoc.Generate(rand.New(rand.NewPCG(uint64(i), uint64(kib))), kib<<10))
	}
	return docs
}

// benchCodec returns a codec at quality q that frames every benchmarked size.
func benchCodec(b *testing.B, q int) *Codec {
	b.Helper()
	c, err := New(Config{Quality: q, Threshold: 512})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// reportRatios reports frame/original ("ratio") and base64(frame)/original
// ("wire_ratio", what a text value costs on Hrana's JSON wire) over docs.
func reportRatios(b *testing.B, docs []string, frames [][]byte) {
	var in, out, wire float64
	for i, d := range docs {
		in += float64(len(d))
		out += float64(len(frames[i]))
		wire += float64(4 * ((len(frames[i]) + 2) / 3))
	}
	b.ReportMetric(out/in, "ratio")
	b.ReportMetric(wire/in, "wire_ratio")
}

// BenchmarkEncode compares framing JSON text at each quality with the raw
// baseline (copying the value, ratio 1).
func BenchmarkEncode(b *testing.B) {
	for _, kib := range benchSizes {
		docs := benchDocs(kib)
		b.Run(fmt.Sprintf("Size=%dKiB/Codec=raw", kib), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(docs[0])))
			i := 0
			for b.Loop() {
				sink = []byte(docs[i%len(docs)])
				i++
			}
			b.ReportMetric(1, "ratio")
		})
		for _, q := range benchQualities {
			b.Run(fmt.Sprintf("Size=%dKiB/Codec=br/Quality=%d", kib, q), func(b *testing.B) {
				c := benchCodec(b, q)
				frames := make([][]byte, len(docs))
				for i, d := range docs {
					f, ok := c.EncodeString(d)
					if !ok {
						b.Fatalf("document %d not framed", i)
					}
					frames[i] = f
				}
				b.ReportAllocs()
				b.SetBytes(int64(len(docs[0])))
				i := 0
				for b.Loop() {
					sink, _ = c.EncodeString(docs[i%len(docs)])
					i++
				}
				reportRatios(b, docs, frames)
			})
		}
	}
}

// BenchmarkDecode compares decoding frames at each quality with the raw
// baseline (Decode of an unframed value: the cost every read pays).
func BenchmarkDecode(b *testing.B) {
	for _, kib := range benchSizes {
		docs := benchDocs(kib)
		b.Run(fmt.Sprintf("Size=%dKiB/Codec=raw", kib), func(b *testing.B) {
			c := benchCodec(b, DefaultQuality)
			raw := []byte(docs[0])
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, framed, _ := c.Decode(raw); framed {
					b.Fatal("raw value decoded as a frame")
				}
			}
			b.ReportMetric(1, "ratio")
		})
		for _, q := range benchQualities {
			b.Run(fmt.Sprintf("Size=%dKiB/Codec=br/Quality=%d", kib, q), func(b *testing.B) {
				c := benchCodec(b, q)
				frames := make([][]byte, len(docs))
				for i, d := range docs {
					frames[i], _ = c.EncodeString(d)
				}
				b.ReportAllocs()
				b.SetBytes(int64(len(docs[0])))
				i := 0
				for b.Loop() {
					v, framed, err := c.Decode(frames[i%len(frames)])
					if !framed || err != nil {
						b.Fatalf("framed=%v err=%v", framed, err)
					}
					sinkAny = v
					i++
				}
				reportRatios(b, docs, frames)
			})
		}
	}
}

// BenchmarkEncodeIncompressible measures the cost of trying to frame random
// bytes, which must stay raw.
func BenchmarkEncodeIncompressible(b *testing.B) {
	for _, kib := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("Size=%dKiB/Quality=%d", kib, DefaultQuality), func(b *testing.B) {
			c := benchCodec(b, DefaultQuality)
			data := randomBytes(kib<<10, 9)
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, ok := c.EncodeBytes(data); ok {
					b.Fatal("random data framed")
				}
			}
		})
	}
}

var (
	sink    []byte
	sinkAny any
)
