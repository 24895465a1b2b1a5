package tursotest

import (
	"math"
	"strings"
	"testing"
)

func TestSplitSQL(t *testing.T) {
	tests := []struct {
		sql    string
		stmts  int
		params string // params of the first statement, joined by ","
	}{
		{"SELECT 1", 1, ""},
		{"SELECT 1;", 1, ""},
		{"  ;; -- only a comment\n /* and another */ ;", 0, ""},
		{"SELECT 1; SELECT 2", 2, ""},
		{"SELECT ';' || \"a;b\" || `c;d` || [e;f]; SELECT 2", 2, ""},
		{"SELECT 1 -- ; not a split\n", 1, ""},
		{"CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES (1); DELETE FROM v; END; SELECT 1", 2, ""},
		{"CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", 1, ""},
		{"SELECT ?, ?, ?", 1, ",,"},
		{"SELECT ?2, ?1, ?", 1, "?1,?2,"},
		{"SELECT :b, :a, ?1", 1, ":b,:a"}, // ?1 is slot 1, which :b named
		{"SELECT ?, ?1, ?3", 1, "?1,,?3"}, // ?1 names the nameless slot 1
		{"SELECT :a, @b, $c, :a", 1, ":a,@b,$c"},
		{"SELECT $a::b, $x(y)", 1, "$a::b,$x(y)"},
		{"SELECT ':a', x FROM t WHERE y = :real", 1, ":real"},
	}
	for _, tc := range tests {
		got := splitSQL(tc.sql)
		if len(got) != tc.stmts {
			t.Errorf("%q: %d statements, want %d", tc.sql, len(got), tc.stmts)
			continue
		}
		if len(got) > 0 && strings.Join(got[0].params, ",") != tc.params {
			t.Errorf("%q: params %q, want %q", tc.sql, got[0].params, tc.params)
		}
	}
}

func TestStmtKind(t *testing.T) {
	tests := []struct {
		sql               string
		readOnly, explain bool
	}{
		{"SELECT 1", true, false},
		{"values (1)", true, false},
		{"EXPLAIN INSERT INTO t VALUES (1)", true, true},
		{"WITH x AS (SELECT 1) SELECT * FROM x", true, false},
		{"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", false, false},
		{"INSERT INTO t VALUES ('SELECT')", false, false},
	}
	for _, tc := range tests {
		st := splitSQL(tc.sql)[0]
		if st.isReadOnly() != tc.readOnly || st.isExplain() != tc.explain {
			t.Errorf("%q: readOnly %v explain %v", tc.sql, st.isReadOnly(), st.isExplain())
		}
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		in   inValue
		want any
		bad  bool
	}{
		{in: inValue{Type: "null"}, want: nil},
		{in: inValue{Type: "integer", Value: []byte(`"-9223372036854775808"`)}, want: int64(-9223372036854775808)},
		{in: inValue{Type: "integer", Value: []byte(`42`)}, want: int64(42)},
		{in: inValue{Type: "integer", Value: []byte(`"1.5"`)}, bad: true},
		{in: inValue{Type: "float", Value: []byte(`2.5`)}, want: 2.5},
		{in: inValue{Type: "text", Value: []byte(`"a\u0000b"`)}, want: "a\x00b"},
		{in: inValue{Type: "blob", Base64: ptr("AAH/")}, want: "\x00\x01\xff"},
		{in: inValue{Type: "blob", Base64: ptr("AAE=")}, want: "\x00\x01"},
		{in: inValue{Type: "blob", Base64: ptr("!!")}, bad: true},
		{in: inValue{Type: "bigint"}, bad: true},
	}
	for _, tc := range tests {
		got, err := tc.in.toDriver()
		if b, ok := got.([]byte); ok {
			got = string(b)
		}
		if (err != nil) != tc.bad || (!tc.bad && got != tc.want) {
			t.Errorf("%+v: got %#v, %v; want %#v (bad=%v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
	enc := []struct {
		v    any
		want string
	}{
		{nil, `{"type":"null"}`},
		{int64(-1), `{"type":"integer","value":"-1"}`},
		{math.Inf(1), `{"type":"float","value":null}`},
		{0.1, `{"type":"float","value":0.1}`},
		{"\"\n\u2028", `{"type":"text","value":"\"\u000a\u2028"}`},
		{[]byte{0, 1, 2, 3}, `{"type":"blob","base64":"AAECAw"}`},
	}
	for _, tc := range enc {
		if got := string(appendValue(nil, tc.v)); got != tc.want {
			t.Errorf("appendValue(%#v) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

func ptr(s string) *string { return &s }
