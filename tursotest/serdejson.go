package tursotest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reproduces the messages of serde_json (the version sqld builds
// with, 1.0.145 per tursodatabase/libsql Cargo.lock) for request bodies that
// sqld cannot decode, so that the text after "Cannot deserialize client
// message from JSON: " (libsql-server/src/hrana/mod.rs:28-29) matches. It
// follows serde_json's src/de.rs and src/read.rs (SliceRead, since sqld
// decodes with serde_json::from_slice, libsql-server/src/hrana/http/mod.rs:234):
// every syntax error with its line and column, the recursion limit, and
// these decoding errors of sqld's types (libsql-hrana/src/proto.rs): an
// unknown request "type" and a missing "type", "requests" or "batch" field.
// Other type errors (a number where a string belongs, ...) are reported
// with encoding/json's message instead.

// serde_json's error messages (src/error.rs:350-385).
const (
	sjEOFList      = "EOF while parsing a list"
	sjEOFObject    = "EOF while parsing an object"
	sjEOFString    = "EOF while parsing a string"
	sjEOFValue     = "EOF while parsing a value"
	sjColon        = "expected `:`"
	sjListComma    = "expected `,` or `]`"
	sjObjectComma  = "expected `,` or `}`"
	sjIdent        = "expected ident"
	sjValue        = "expected value"
	sjEscape       = "invalid escape"
	sjNumber       = "invalid number"
	sjRange        = "number out of range"
	sjCodePoint    = "invalid unicode code point"
	sjControl      = "control character (\\u0000-\\u001F) found while parsing a string"
	sjKeyString    = "key must be a string"
	sjSurrogate    = "lone leading surrogate in hex escape"
	sjTrailComma   = "trailing comma"
	sjTrailChars   = "trailing characters"
	sjHexEnd       = "unexpected end of hex escape"
	sjRecursion    = "recursion limit exceeded"
	sjRecursionMax = 128 // Deserializer::remaining_depth, src/de.rs:63
)

// streamRequestTypes are the variants of proto::StreamRequest that serde
// accepts, in declaration order (libsql-hrana/src/proto.rs:54-68; None is
// skip_deserializing).
var streamRequestTypes = []string{"close", "execute", "batch", "sequence", "describe", "store_sql", "close_sql", "get_autocommit"}

// errSerdeOther means that serde_json would fail with a message this file
// does not reproduce.
var errSerdeOther = errors.New("tursotest: serde_json message not reproduced")

// serdeError is a serde_json error with its position.
type serdeError struct{ msg string }

// Error implements error.
func (e *serdeError) Error() string { return e.msg }

// bodyShape says which sqld type a request body decodes into.
type bodyShape int

const (
	shapePipeline bodyShape = iota // PipelineReqBody {baton, requests}
	shapeCursor                    // CursorReqBody {baton, batch}
	shapeExecute                   // /v1/execute {stmt}
	shapeBatch                     // /v1/batch {batch}
)

// serdeDecodeMessage returns the message serde_json reports for body decoded
// as shape, or "" when serde_json would accept it or fail in a way this file
// does not reproduce.
func serdeDecodeMessage(body []byte, shape bodyShape) string {
	s := &serdeScanner{b: body, depth: sjRecursionMax}
	err := s.topStruct(shape)
	if err == nil {
		// Deserializer::end (src/de.rs:146-151).
		if _, ok := s.ws(); ok {
			err = s.peekErr(sjTrailChars)
		}
	}
	var se *serdeError
	if errors.As(err, &se) {
		return se.msg
	}
	return ""
}

// serdeScanner walks a body as serde_json's Deserializer over a SliceRead.
type serdeScanner struct {
	b     []byte
	i     int // SliceRead::index
	depth int // remaining_depth
}

// at returns the error msg at the position of byte index i
// (SliceRead::position_of_index, src/read.rs:421-430).
func (s *serdeScanner) at(i int, msg string) error {
	start := bytes.LastIndexByte(s.b[:i], '\n') + 1
	line := 1 + bytes.Count(s.b[:start], []byte{'\n'})
	return &serdeError{msg: fmt.Sprintf("%s at line %d column %d", msg, line, i-start)}
}

// err is Deserializer::error: the position of the current index.
func (s *serdeScanner) err(msg string) error { return s.at(s.i, msg) }

// peekErr is Deserializer::peek_error: one byte further, capped at the end.
func (s *serdeScanner) peekErr(msg string) error { return s.at(min(len(s.b), s.i+1), msg) }

// ws skips whitespace and returns the next byte without consuming it
// (parse_whitespace, src/de.rs:255-267).
func (s *serdeScanner) ws() (byte, bool) {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\n', '\t', '\r':
			s.i++
		default:
			return c, true
		}
	}
	return 0, false
}

// enter is the check_recursion! macro (src/de.rs:1370-1385), before a '['
// or '{' is consumed.
func (s *serdeScanner) enter() error {
	s.depth--
	if s.depth == 0 {
		return s.peekErr(sjRecursion)
	}
	s.i++
	return nil
}

// topStruct parses the body's struct (deserialize_struct, src/de.rs:1818-1860,
// with the derived visitor: unknown fields are ignored).
func (s *serdeScanner) topStruct(shape bodyShape) error {
	c, ok := s.ws()
	switch {
	case !ok:
		return s.peekErr(sjEOFValue)
	case c != '{':
		return s.scalarThen(errSerdeOther) // a sequence or scalar: not reproduced
	}
	required := map[bodyShape]string{shapePipeline: "requests", shapeCursor: "batch", shapeExecute: "stmt", shapeBatch: "batch"}[shape]
	seen := false
	err := s.object(func(key string) error {
		switch {
		case key == "baton" && (shape == shapePipeline || shape == shapeCursor):
			return s.optionString()
		case key == required:
			seen = true
			if shape == shapePipeline {
				return s.requests()
			}
			return s.structValue(map[bodyShape]string{shapeCursor: "Batch", shapeExecute: "Stmt", shapeBatch: "Batch"}[shape])
		}
		return s.ignoreValue()
	})
	if err == nil && !seen {
		// serde's missing_field, positioned after the '}' by fix_position.
		err = s.err("missing field `" + required + "`")
	}
	return err
}

// structValue parses a value that serde deserializes as the struct name:
// null fails with invalid type (peek_invalid_type then fix_position,
// src/de.rs:269-276 and 1860-1870); an object's contents are read as
// deserialize_any reads them.
func (s *serdeScanner) structValue(name string) error {
	c, ok := s.ws()
	switch {
	case ok && c == 'n':
		s.i++
		if err := s.ident("ull"); err != nil {
			return err
		}
		return s.err("invalid type: null, expected struct " + name)
	case ok && c == '{':
		return s.anyValue()
	case !ok:
		return s.peekErr(sjEOFValue)
	}
	return s.scalarThen(errSerdeOther)
}

// optionString parses an Option<String> (deserialize_option, src/de.rs:1671-1682,
// then deserialize_string).
func (s *serdeScanner) optionString() error {
	c, ok := s.ws()
	switch {
	case ok && c == 'n':
		s.i++
		return s.ident("ull")
	case !ok:
		return s.peekErr(sjEOFValue)
	case c == '"':
		s.i++
		_, err := s.str(true)
		return err
	}
	return s.scalarThen(errSerdeOther)
}

// requests parses the Vec<StreamRequest> of a pipeline: each element is an
// internally tagged enum, read by serde's TaggedContentVisitor through
// deserialize_any; its "type" is deserialized as the variant identifier
// (deserialize_str, src/de.rs:1522-1549), so an unknown type fails right
// after its closing quote.
func (s *serdeScanner) requests() error {
	c, ok := s.ws()
	switch {
	case !ok:
		return s.peekErr(sjEOFValue)
	case c != '[':
		return s.scalarThen(errSerdeOther)
	}
	return s.seq(func() error {
		c, ok := s.ws()
		switch {
		case !ok:
			return s.peekErr(sjEOFValue)
		case c != '{':
			return s.scalarThen(errSerdeOther)
		}
		tagged := false
		err := s.object(func(key string) error {
			if key != "type" {
				return s.anyValue()
			}
			if tagged {
				return errSerdeOther // duplicate field `type`
			}
			tagged = true
			c, ok := s.ws()
			switch {
			case !ok:
				return s.peekErr(sjEOFValue)
			case c != '"':
				return s.scalarThen(errSerdeOther)
			}
			s.i++
			typ, err := s.str(true)
			if err != nil {
				return err
			}
			for _, t := range streamRequestTypes {
				if t == typ {
					return nil
				}
			}
			return s.err("unknown variant `" + typ + "`, expected one of `" + strings.Join(streamRequestTypes, "`, `") + "`")
		})
		if err == nil && !tagged {
			err = s.err("missing field `type`")
		}
		return err
	})
}

// scalarThen parses the value at the current position when it is a scalar
// (as peek_invalid_type does, src/de.rs:269-319, reporting its syntax
// errors first) and returns err otherwise.
func (s *serdeScanner) scalarThen(err error) error {
	c, ok := s.ws()
	if ok && (c == '[' || c == '{') {
		return err
	}
	if perr := s.anyValue(); perr != nil {
		return perr
	}
	return err
}

// anyValue parses any value (deserialize_any, src/de.rs:1391-1470).
func (s *serdeScanner) anyValue() error {
	c, ok := s.ws()
	if !ok {
		return s.peekErr(sjEOFValue)
	}
	switch {
	case c == 'n':
		s.i++
		return s.ident("ull")
	case c == 't':
		s.i++
		return s.ident("rue")
	case c == 'f':
		s.i++
		return s.ident("alse")
	case c == '-':
		s.i++
		return s.number()
	case c >= '0' && c <= '9':
		return s.number()
	case c == '"':
		s.i++
		_, err := s.str(true)
		return err
	case c == '[':
		return s.seq(s.anyValue)
	case c == '{':
		return s.object(func(string) error { return s.anyValue() })
	}
	return s.peekErr(sjValue)
}

// seq parses a list whose '[' is next (SeqAccess::next_element_seed,
// src/de.rs:1931-1967, then end_seq).
func (s *serdeScanner) seq(elem func() error) error {
	if err := s.enter(); err != nil {
		return err
	}
	for first := true; ; first = false {
		c, ok := s.ws()
		switch {
		case !ok:
			return s.peekErr(sjEOFList)
		case c == ']':
			s.depth++
			s.i++
			return nil
		case first:
		case c == ',':
			s.i++
			c, ok := s.ws()
			switch {
			case !ok:
				return s.peekErr(sjEOFValue)
			case c == ']':
				return s.peekErr(sjTrailComma)
			}
		default:
			return s.peekErr(sjListComma)
		}
		if err := elem(); err != nil {
			return err
		}
	}
}

// object parses a map whose '{' is next (MapAccess::next_key_seed and
// next_value_seed, src/de.rs:1984-2032, then end_map), calling field with
// each key once the colon is consumed.
func (s *serdeScanner) object(field func(key string) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	for first := true; ; first = false {
		c, ok := s.ws()
		switch {
		case !ok:
			return s.peekErr(sjEOFObject)
		case c == '}':
			s.depth++
			s.i++
			return nil
		case first:
			if c != '"' {
				return s.peekErr(sjKeyString)
			}
		case c == ',':
			s.i++
			c, ok := s.ws()
			switch {
			case !ok:
				return s.peekErr(sjEOFValue)
			case c == '}':
				return s.peekErr(sjTrailComma)
			case c != '"':
				return s.peekErr(sjKeyString)
			}
		default:
			return s.peekErr(sjObjectComma)
		}
		s.i++ // the key's opening quote
		key, err := s.str(true)
		if err != nil {
			return err
		}
		// parse_object_colon (src/de.rs:1059-1068).
		c, ok = s.ws()
		switch {
		case !ok:
			return s.peekErr(sjEOFObject)
		case c != ':':
			return s.peekErr(sjColon)
		}
		s.i++
		if err := field(key); err != nil {
			return err
		}
	}
}

// ident consumes the rest of null, true or false (parse_ident, src/de.rs:445-460).
func (s *serdeScanner) ident(rest string) error {
	for k := 0; k < len(rest); k++ {
		if s.i >= len(s.b) {
			return s.err(sjEOFValue)
		}
		c := s.b[s.i]
		s.i++
		if c != rest[k] {
			return s.err(sjIdent)
		}
	}
	return nil
}

// digits consumes decimal digits and returns how many.
func (s *serdeScanner) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// number parses a number after its optional '-' (parse_integer,
// parse_number, parse_decimal and parse_exponent, src/de.rs:462-620).
func (s *serdeScanner) number() error {
	start := s.i
	if s.i >= len(s.b) {
		return s.err(sjEOFValue)
	}
	c := s.b[s.i]
	s.i++
	switch {
	case c == '0':
		if s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			return s.peekErr(sjNumber)
		}
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return s.err(sjNumber)
	}
	float := s.i-start > 19 // may not fit u64: serde_json goes on as f64
	if s.i < len(s.b) && s.b[s.i] == '.' {
		float = true
		s.i++
		if s.digits() == 0 {
			if s.i < len(s.b) {
				return s.peekErr(sjNumber)
			}
			return s.peekErr(sjEOFValue)
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		float = true
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.i >= len(s.b) {
			return s.err(sjEOFValue)
		}
		c := s.b[s.i]
		s.i++
		if c < '0' || c > '9' {
			return s.err(sjNumber)
		}
		s.digits()
	}
	if float {
		// f64_from_parts fails for a value beyond f64's range.
		if f, _ := strconv.ParseFloat(string(s.b[start:s.i]), 64); math.IsInf(f, 0) {
			return s.err(sjRange)
		}
	}
	return nil
}

// str parses a string after its opening quote (parse_str_bytes,
// src/read.rs:487-530, when content is true; ignore_str, src/read.rs:597-618,
// otherwise) and returns its value.
func (s *serdeScanner) str(content bool) (string, error) {
	var out []byte
	start := s.i
	for {
		for s.i < len(s.b) && s.b[s.i] != '"' && s.b[s.i] != '\\' && s.b[s.i] >= 0x20 {
			s.i++
		}
		if s.i == len(s.b) {
			return "", s.err(sjEOFString)
		}
		switch s.b[s.i] {
		case '"':
			out = append(out, s.b[start:s.i]...)
			s.i++
			if content && !utf8.Valid(out) {
				return "", s.err(sjCodePoint)
			}
			return string(out), nil
		case '\\':
			out = append(out, s.b[start:s.i]...)
			s.i++
			var err error
			if out, err = s.escape(content, out); err != nil {
				return "", err
			}
			start = s.i
		default: // a control character
			if content {
				s.i++
			}
			return "", s.err(sjControl)
		}
	}
}

// escape parses an escape after its backslash (parse_escape and
// ignore_escape, src/read.rs:874-898 and 1025-1046).
func (s *serdeScanner) escape(content bool, out []byte) ([]byte, error) {
	if s.i >= len(s.b) {
		return out, s.err(sjEOFString)
	}
	c := s.b[s.i]
	s.i++
	switch c {
	case '"', '\\', '/':
		return append(out, c), nil
	case 'b':
		return append(out, '\b'), nil
	case 'f':
		return append(out, '\f'), nil
	case 'n':
		return append(out, '\n'), nil
	case 'r':
		return append(out, '\r'), nil
	case 't':
		return append(out, '\t'), nil
	case 'u':
		n, err := s.hex4()
		if err != nil || !content {
			return out, err
		}
		return s.unicode(n, out)
	}
	return out, s.err(sjEscape)
}

// hex4 reads the four hex digits of a \u escape (SliceRead::decode_hex_escape,
// src/read.rs:621-633).
func (s *serdeScanner) hex4() (uint16, error) {
	if len(s.b)-s.i < 4 {
		s.i = len(s.b)
		return 0, s.err(sjEOFString)
	}
	n, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 16)
	s.i += 4
	if err != nil {
		return 0, s.err(sjEscape)
	}
	return uint16(n), nil
}

// unicode appends the code point of a \u escape, reading the second half of
// a surrogate pair (parse_unicode_escape, src/read.rs:900-975).
func (s *serdeScanner) unicode(n uint16, out []byte) ([]byte, error) {
	if n >= 0xDC00 && n <= 0xDFFF {
		return out, s.err(sjSurrogate)
	}
	if n < 0xD800 || n > 0xDBFF {
		return utf8.AppendRune(out, rune(n)), nil
	}
	for _, want := range []byte{'\\', 'u'} {
		if s.i >= len(s.b) {
			return out, s.err(sjEOFString)
		}
		c := s.b[s.i]
		s.i++
		if c != want {
			return out, s.err(sjHexEnd)
		}
	}
	n2, err := s.hex4()
	if err != nil {
		return out, err
	}
	if n2 < 0xDC00 || n2 > 0xDFFF {
		return out, s.err(sjSurrogate)
	}
	return utf8.AppendRune(out, (rune(n)-0xD800)<<10|(rune(n2)-0xDC00)+0x10000), nil
}

// ignoreValue skips a value of an unknown field (ignore_value,
// src/de.rs:1100-1213), whose error codes differ a little from
// deserialize_any's.
func (s *serdeScanner) ignoreValue() error {
	var stack []byte // enclosing '[' and '{'
	for {
		c, ok := s.ws()
		if !ok {
			return s.peekErr(sjEOFValue)
		}
		var frame byte
		switch {
		case c == 'n' || c == 't' || c == 'f':
			s.i++
			if err := s.ident(map[byte]string{'n': "ull", 't': "rue", 'f': "alse"}[c]); err != nil {
				return err
			}
		case c == '-':
			s.i++
			if err := s.ignoreNumber(); err != nil {
				return err
			}
		case c >= '0' && c <= '9':
			if err := s.ignoreNumber(); err != nil {
				return err
			}
		case c == '"':
			s.i++
			if _, err := s.str(false); err != nil {
				return err
			}
		case c == '[' || c == '{':
			s.i++
			frame = c
		default:
			return s.peekErr(sjValue)
		}
		acceptComma := frame == 0
		if frame == 0 {
			if len(stack) == 0 {
				return nil
			}
			frame, stack = stack[len(stack)-1], stack[:len(stack)-1]
		}
		for {
			c, ok := s.ws()
			if !ok {
				if frame == '[' {
					return s.peekErr(sjEOFList)
				}
				return s.peekErr(sjEOFObject)
			}
			if c == ',' && acceptComma {
				s.i++
				break
			}
			if (c == ']' && frame == '[') || (c == '}' && frame == '{') {
				s.i++
				if len(stack) == 0 {
					return nil
				}
				frame, stack = stack[len(stack)-1], stack[:len(stack)-1]
				acceptComma = true
				continue
			}
			if acceptComma {
				if frame == '[' {
					return s.peekErr(sjListComma)
				}
				return s.peekErr(sjObjectComma)
			}
			break
		}
		if frame == '{' {
			c, ok := s.ws()
			switch {
			case !ok:
				return s.peekErr(sjEOFObject)
			case c != '"':
				return s.peekErr(sjKeyString)
			}
			s.i++
			if _, err := s.str(false); err != nil {
				return err
			}
			c, ok = s.ws()
			switch {
			case !ok:
				return s.peekErr(sjEOFObject)
			case c != ':':
				return s.peekErr(sjColon)
			}
			s.i++
		}
		stack = append(stack, frame)
	}
}

// ignoreNumber skips a number after its optional '-' (ignore_integer,
// ignore_decimal and ignore_exponent, src/de.rs:1215-1277).
func (s *serdeScanner) ignoreNumber() error {
	c := byte(0)
	if s.i < len(s.b) {
		c = s.b[s.i]
		s.i++
	}
	switch {
	case c == '0':
		if s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			return s.peekErr(sjNumber)
		}
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return s.err(sjNumber)
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return s.peekErr(sjNumber)
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		c := byte(0)
		if s.i < len(s.b) {
			c = s.b[s.i]
			s.i++
		}
		if c < '0' || c > '9' {
			return s.err(sjNumber)
		}
		s.digits()
	}
	return nil
}
