package tursotest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// inValue is a Hrana Value as received from a client.
type inValue struct {
	Type   string          `json:"type"`
	Value  json.RawMessage `json:"value"`
	Base64 *string         `json:"base64"`
}

// toDriver converts v to the Go value bound to an SQLite parameter.
func (v *inValue) toDriver() (any, error) {
	switch v.Type {
	case "null":
		return nil, nil
	case "integer":
		return v.integer()
	case "float":
		var f float64
		if err := json.Unmarshal(v.Value, &f); err != nil {
			return nil, fmt.Errorf("float value %s is not a JSON number", truncate(string(v.Value)))
		}
		return f, nil
	case "text":
		var s string
		if err := json.Unmarshal(v.Value, &s); err != nil {
			return nil, fmt.Errorf("text value %s is not a JSON string", truncate(string(v.Value)))
		}
		return s, nil
	case "blob":
		if v.Base64 == nil {
			return nil, fmt.Errorf("blob value has no \"base64\" field")
		}
		return decodeBase64(*v.Base64)
	}
	return nil, fmt.Errorf("value type %q is not one of null, integer, float, text, blob", v.Type)
}

// integer decodes an integer value: a decimal string (the protocol's form)
// or, leniently, a JSON number without fraction.
func (v *inValue) integer() (int64, error) {
	raw := strings.TrimSpace(string(v.Value))
	if s, err := strconv.Unquote(raw); err == nil {
		raw = s
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("integer value %s is not a 64-bit decimal integer", truncate(string(v.Value)))
	}
	return n, nil
}

// decodeBase64 accepts standard base64 with or without padding.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("blob value is not valid base64: %v", err)
	}
	return b, nil
}

// truncate shortens s for error messages.
func truncate(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}

// timeFormat is the text form of time values that modernc.org/sqlite parsed
// from DATE, DATETIME and TIMESTAMP columns; the upstream client parses it.
const timeFormat = "2006-01-02 15:04:05.999999999-07:00"

// appendValue appends the Hrana JSON encoding of a value read from SQLite.
// Integers are decimal strings, blobs unpadded standard base64 (as sqld
// emits them), and non-finite floats null (as serde_json writes them).
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, `{"type":"null"}`...)
	case int64:
		b = append(b, `{"type":"integer","value":"`...)
		b = strconv.AppendInt(b, x, 10)
		return append(b, `"}`...)
	case float64:
		b = append(b, `{"type":"float","value":`...)
		if math.IsInf(x, 0) || math.IsNaN(x) {
			b = append(b, "null"...)
		} else {
			b = appendFloat(b, x)
		}
		return append(b, '}')
	case string:
		b = append(b, `{"type":"text","value":`...)
		b = appendString(b, x)
		return append(b, '}')
	case []byte:
		b = append(b, `{"type":"blob","base64":"`...)
		b = base64.RawStdEncoding.AppendEncode(b, x)
		return append(b, `"}`...)
	case time.Time:
		return appendValue(b, formatTime(x))
	case bool:
		if x {
			return appendValue(b, int64(1))
		}
		return appendValue(b, int64(0))
	}
	return appendValue(b, fmt.Sprint(v))
}

// formatTime turns a time that modernc.org/sqlite parsed back into text:
// a date at midnight UTC as YYYY-MM-DD, anything else in timeFormat.
func formatTime(t time.Time) string {
	if t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(timeFormat)
}

// appendFloat appends f as encoding/json would.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, like encoding/json
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
