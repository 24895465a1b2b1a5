package sqlclass

import "testing"

// BenchmarkClassify measures classification with and without the memo.
func BenchmarkClassify(b *testing.B) {
	for name, q := range benchQueries {
		b.Run("memo=off/query="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				classify(q)
			}
		})
		b.Run("memo=on/query="+name, func(b *testing.B) {
			Classify(q)
			b.ReportAllocs()
			for b.Loop() {
				Classify(q)
			}
		})
	}
}
