package cachebus

import (
	"errors"
	"reflect"
	"testing"

	"github.com/turso-pooled/tursopooled/cache"
)

var messageCases = []struct {
	name string
	inv  Invalidation
}{
	{"everything", Invalidation{All: true}},
	{"tables", Invalidation{Tables: []string{"users", "Orders", ""}}},
	{"keyed", Invalidation{Keys: []cache.KeyedWrite{{Table: "users",
		Keyed:   []cache.ColumnValues{{Column: "id", Values: []string{"i1", "i2"}}, {Column: "email", Values: []string{"ta@b"}}},
		Unkeyed: []string{"name"}}}}},
	{"keyed and tables", Invalidation{Tables: []string{"audit"},
		Keys: []cache.KeyedWrite{{Table: "t", Keyed: []cache.ColumnValues{{Column: "k", Values: []string{""}}}}}}},
}

func TestMessageRoundTrip(t *testing.T) {
	for _, c := range messageCases {
		t.Run(c.name, func(t *testing.T) {
			m := Message{Identity: identityID("db"), Instance: ID{1, 2, 3}, Invalidation: c.inv}
			got, err := Decode(Encode(m))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Fatalf("Decode(Encode(m))\n got %+v\nwant %+v", got, m)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	valid := Encode(Message{Invalidation: Invalidation{Tables: []string{"t"}}})
	future := append([]byte(nil), valid...)
	future[2] = version + 1
	tests := []struct {
		name    string
		payload []byte
		want    error
	}{
		{"empty", nil, ErrMalformed},
		{"text", []byte("hello, subscribers"), ErrMalformed},
		{"JSON", []byte(`{"tables":["t"]}`), ErrMalformed},
		{"magic only", []byte("tp"), ErrMalformed},
		{"version 0", append([]byte("tp\x00"), valid[3:]...), ErrMalformed},
		{"truncated header", valid[:10], ErrMalformed},
		{"truncated body", valid[:len(valid)-1], ErrMalformed},
		{"trailing byte", append(append([]byte(nil), valid...), 0), ErrMalformed},
		{"unknown flag", append(append([]byte(nil), valid[:headerLen-1]...), 2), ErrMalformed},
		{"invalidates nothing", Encode(Message{}), ErrMalformed},
		{"huge count", append(append([]byte(nil), valid[:headerLen]...), 0xff, 0xff, 0xff, 0xff, 0x0f), ErrMalformed},
		{"newer version", future, ErrFutureVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(tt.payload); !errors.Is(err, tt.want) {
				t.Fatalf("Decode(%q) = %v, want %v", tt.payload, err, tt.want)
			}
		})
	}
}

// FuzzDecode: Decode never panics, and what it accepts survives a round
// trip through Encode.
func FuzzDecode(f *testing.F) {
	for _, c := range messageCases {
		f.Add(Encode(Message{Invalidation: c.inv}))
	}
	f.Add([]byte("tp\x01garbage"))
	f.Fuzz(func(t *testing.T, p []byte) {
		m, err := Decode(p)
		if err != nil {
			return
		}
		again, err := Decode(Encode(m))
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", p, again, err, m)
		}
	})
}
