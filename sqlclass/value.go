package sqlclass

import (
	"database/sql/driver"
	"encoding/hex"
	"strconv"
	"strings"

	sp "github.com/tursodatabase/libsql-client-go/sqliteparser"
)

// ValueKind says what a [Value] is.
type ValueKind uint8

// Value kinds.
const (
	// ValueExpr is anything that is not a literal or a bind parameter on
	// its own: an expression, a function call, a column, a sub-query.
	ValueExpr ValueKind = iota
	// ValueNull is the literal NULL.
	ValueNull
	// ValueInt is an integer literal (decimal or hexadecimal, with its sign).
	ValueInt
	// ValueReal is a real literal, or an integer literal too large for 64 bits.
	ValueReal
	// ValueText is a string literal.
	ValueText
	// ValueBlob is a blob literal (X'...').
	ValueBlob
	// ValueParam is a bind parameter; [Value.Param] says which argument.
	ValueParam
)

// Value is a value a statement compares a column with or stores in one: a
// literal, a bind parameter, or (ValueExpr) something else.
type Value struct {
	Kind  ValueKind
	Int   int64   // ValueInt
	Real  float64 // ValueReal
	Text  string  // ValueText and ValueBlob (the blob's bytes)
	Param Param   // ValueParam
}

// Param identifies the database/sql argument that SQLite binds to a
// parameter, numbered as [StoredParams] numbers them.
type Param struct {
	// Ordinal is the parameter number of ? and ?NNN: the argument without a
	// name whose driver.NamedValue.Ordinal equals it. 0 for a named one.
	Ordinal int
	// Name is the name of :name, @name and $name without its prefix, as
	// sql.Named gives it; "" for a positional parameter.
	Name string
}

// bindings maps the token index of each bind parameter whose argument is
// known exactly to its Param, and counts the positional parameters as the
// upstream client does (each ? and each distinct ?NNN): it sends only that
// many positional arguments.
type bindings struct {
	params     map[int]Param
	positional int
}

// bindings returns the statement's unambiguous parameters: a parameter is
// left out when its identity is unsure (see [StoredParams]): spelled in
// several ways, sharing its number with a parameter of the other kind, or
// numbered in a way some driver may not follow.
func (s *stmt) bindings() bindings {
	refs, ok := s.bindRefs()
	if !ok || len(refs) == 0 {
		return bindings{}
	}
	kinds := make(map[int]uint8, len(refs))
	spelling := make(map[string]string, len(refs)) // lower-cased name → first spelling
	distinct := map[string]bool{}
	b := bindings{params: make(map[int]Param, len(refs))}
	for _, r := range refs {
		if r.name == "" {
			kinds[r.number] |= 1
			if text := s.toks[r.tok].text; text == "?" {
				b.positional++
			} else if !distinct[text] {
				distinct[text] = true
				b.positional++
			}
			continue
		}
		kinds[r.number] |= 2
		low := lowerASCII(r.name)
		if first, seen := spelling[low]; seen && first != s.toks[r.tok].text {
			spelling[low] = "" // spelled in two ways: unsure
		} else if !seen {
			spelling[low] = s.toks[r.tok].text
		}
	}
	for _, r := range refs {
		if kinds[r.number] == 3 {
			continue
		}
		if r.name == "" {
			b.params[r.tok] = Param{Ordinal: r.number}
		} else if spelling[lowerASCII(r.name)] != "" {
			b.params[r.tok] = Param{Name: r.name}
		}
	}
	return b
}

// arg returns the argument SQLite binds to p when the statement runs with
// args through the upstream client, or false when that is not certain: a
// named parameter needs exactly one argument of its name and no positional
// argument; a positional one needs positional arguments only, with ordinal
// p.Ordinal, within what the upstream client sends (see bindings).
func arg(p Param, positional int, args []driver.NamedValue) (driver.Value, bool) {
	var (
		found driver.Value
		n     int
	)
	for _, a := range args {
		if (a.Name == "") != (p.Name == "") {
			return nil, false
		}
		if (p.Name != "" && a.Name == p.Name) || (p.Name == "" && a.Ordinal == p.Ordinal) {
			found = a.Value
			n++
		}
	}
	if n != 1 || (p.Name == "" && (p.Ordinal > positional || p.Ordinal > len(args))) {
		return nil, false
	}
	return found, true
}

// valueAt reads toks[from:to] as one value: a literal (a number with an
// optional sign), NULL, or a bind parameter listed in b.
func (s *stmt) valueAt(from, to int, b bindings) Value {
	switch to - from {
	case 1:
		t := s.toks[from]
		switch t.typ {
		case sp.SQLiteLexerNULL_:
			return Value{Kind: ValueNull}
		case sp.SQLiteLexerNUMERIC_LITERAL:
			return numberValue(t.text, false)
		case tString:
			return Value{Kind: ValueText, Text: stringText(t.text)}
		case sp.SQLiteLexerBLOB_LITERAL:
			return blobValue(t.text)
		case tBind:
			if p, ok := b.params[from]; ok {
				return Value{Kind: ValueParam, Param: p}
			}
		}
	case 2:
		sign := s.typ(from)
		if (sign == sp.SQLiteLexerMINUS || sign == sp.SQLiteLexerPLUS) && s.typ(from+1) == sp.SQLiteLexerNUMERIC_LITERAL {
			return numberValue(s.toks[from+1].text, sign == sp.SQLiteLexerMINUS)
		}
	}
	return Value{}
}

// numberValue reads a numeric literal as SQLite does: decimal integers
// that fit in 64 bits and hexadecimal integers (up to 16 digits, two's
// complement) are integers, anything else is a real.
func numberValue(text string, negative bool) Value {
	if len(text) > 2 && (text[1] == 'x' || text[1] == 'X') {
		u, err := strconv.ParseUint(text[2:], 16, 64)
		if err != nil {
			return Value{}
		}
		n := int64(u)
		if negative {
			n = -n
		}
		return Value{Kind: ValueInt, Int: n}
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		if negative {
			n = -n
		}
		return Value{Kind: ValueInt, Int: n}
	}
	if negative {
		text = "-" + text
	}
	if text == "-9223372036854775808" {
		return Value{Kind: ValueInt, Int: -1 << 63}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !isRangeErr(err) {
		return Value{}
	}
	return Value{Kind: ValueReal, Real: f}
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// stringText returns the content of a string literal token: quotes
// removed, doubled quotes collapsed, case kept.
func stringText(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return collapse(s[1:len(s)-1], '\'')
	}
	return s
}

// blobValue reads an X'hex' literal.
func blobValue(text string) Value {
	if len(text) < 3 || text[1] != '\'' || text[len(text)-1] != '\'' {
		return Value{}
	}
	b, err := hex.DecodeString(text[2 : len(text)-1])
	if err != nil {
		return Value{}
	}
	return Value{Kind: ValueBlob, Text: string(b)}
}

// driverValue returns v as the driver.Value the statement gives SQLite,
// resolving a parameter from args (see arg); false for ValueExpr or a
// parameter whose argument is not certain.
func (v Value) driverValue(positional int, args []driver.NamedValue) (driver.Value, bool) {
	switch v.Kind {
	case ValueNull:
		return nil, true
	case ValueInt:
		return v.Int, true
	case ValueReal:
		return v.Real, true
	case ValueText:
		return v.Text, true
	case ValueBlob:
		return []byte(v.Text), true
	case ValueParam:
		return arg(v.Param, positional, args)
	}
	return nil, false
}

// String renders v for tests and messages: NULL, 1, 1.5, 'text', X'00',
// ?1 or :name; "expr" for ValueExpr.
func (v Value) String() string {
	switch v.Kind {
	case ValueNull:
		return "NULL"
	case ValueInt:
		return strconv.FormatInt(v.Int, 10)
	case ValueReal:
		return strconv.FormatFloat(v.Real, 'g', -1, 64)
	case ValueText:
		return "'" + strings.ReplaceAll(v.Text, "'", "''") + "'"
	case ValueBlob:
		return "X'" + hex.EncodeToString([]byte(v.Text)) + "'"
	case ValueParam:
		if v.Param.Name != "" {
			return ":" + v.Param.Name
		}
		return "?" + strconv.Itoa(v.Param.Ordinal)
	}
	return "expr"
}
