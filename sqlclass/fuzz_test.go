package sqlclass

import "testing"

// FuzzClassify checks that classification never panics and that its
// invariants hold for any input. Seeds: the table cases plus the committed
// corpus in testdata/fuzz/FuzzClassify.
func FuzzClassify(f *testing.F) {
	for _, tc := range classifyCases {
		f.Add(tc.sql)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		got := classify(sql)
		checkInvariants(t, sql, got)
		if again := classify(sql); again.ReadOnly != got.ReadOnly || again.Cacheable != got.Cacheable {
			t.Errorf("%q: classification not deterministic", sql)
		}
	})
}
