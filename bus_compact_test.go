package tursopooled

import (
	"slices"
	"strings"
	"testing"

	"github.com/turso-pooled/tursopooled/cache"
)

func TestCompactKeys(t *testing.T) {
	long := strings.Repeat("x", maxBusKeyValueBytes+1)
	many := make([]string, maxBusKeysBytes/8+1)
	for i := range many {
		many[i] = "12345678"
	}
	tests := []struct {
		name       string
		in         cache.KeyedWrite
		keyed      []string // columns still keyed
		unkeyed    []string
		tableLevel bool
	}{
		{"small keys travel as they are",
			cache.KeyedWrite{Table: "t", Keyed: []cache.ColumnValues{{Column: "id", Values: []string{"i1"}}}, Unkeyed: []string{"v"}},
			[]string{"id"}, []string{"v"}, false},
		{"a long value makes its column unkeyed",
			cache.KeyedWrite{Table: "t", Keyed: []cache.ColumnValues{{Column: "id", Values: []string{"i1"}}, {Column: "body", Values: []string{"tshort", long}}}},
			[]string{"id"}, []string{"body"}, false},
		{"no keyed column left: table level",
			cache.KeyedWrite{Table: "t", Keyed: []cache.ColumnValues{{Column: "body", Values: []string{long}}}},
			nil, nil, true},
		{"too many keys: table level",
			cache.KeyedWrite{Table: "t", Keyed: []cache.ColumnValues{{Column: "id", Values: many}}},
			nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			before := slices.Clone(in.Unkeyed)
			got, ok := compactKeys(in)
			if ok == tt.tableLevel {
				t.Fatalf("ok = %v, want %v", ok, !tt.tableLevel)
			}
			if !slices.Equal(in.Unkeyed, before) {
				t.Errorf("the write's own Unkeyed changed: %v", in.Unkeyed)
			}
			if !ok {
				return
			}
			var keyed []string
			for _, cv := range got.Keyed {
				keyed = append(keyed, cv.Column)
			}
			if !slices.Equal(keyed, tt.keyed) || !slices.Equal(got.Unkeyed, tt.unkeyed) || got.Table != "t" {
				t.Errorf("keyed %v unkeyed %v, want %v %v", keyed, got.Unkeyed, tt.keyed, tt.unkeyed)
			}
		})
	}
}
