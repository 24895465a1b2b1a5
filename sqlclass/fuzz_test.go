package sqlclass

import "testing"

// FuzzClassify checks that classification never panics and that its
// invariants hold for any input. Seeds: the table cases plus the committed
// corpus in testdata/fuzz/FuzzClassify.
func FuzzClassify(f *testing.F) {
	for _, tc := range classifyCases {
		f.Add(tc.sql)
	}
	for _, s := range footprintSchema {
		f.Add(s)
	}
	tbl, _ := ParseCreateTable(footprintSchema[0])
	args := positional(int64(1), "a", nil, 1.5, []byte("b"))
	f.Fuzz(func(t *testing.T, sql string) {
		got := classify(sql)
		checkInvariants(t, sql, got)
		if got.Keys != nil {
			k := *got.Keys
			k.Table = tbl.Name // interpret the keys against a real declaration
			got.Keys = &k
			got.ReadKey(&tbl, args)
			got.WriteKeys(&tbl, args)
			got.WriteKeys(&tbl, nil)
		}
		if own, ok := ParseCreateTable(sql); ok {
			own.keyColumns()
			got.ReadKey(&own, args)
		}
		ForeignKeys(sql)
		ParseTrigger(sql)
		StoredParams(sql)
		if again := classify(sql); again.ReadOnly != got.ReadOnly || again.Cacheable != got.Cacheable {
			t.Errorf("%q: classification not deterministic", sql)
		}
	})
}
