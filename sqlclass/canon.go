package sqlclass

import (
	"database/sql/driver"
	"math"
	"strconv"
	"strings"
)

// Canonical key values. A value is keyed by a string that is equal for
// any two values SQLite may find equal when comparing them with a column
// ("col = v", "col IS v", "col IN (...)") or when storing one and
// comparing the other with what was stored. Distinct values may share a
// key: that only costs extra invalidation. Every encoding starts with a
// letter, so it never equals [FreshRowid].
//
// The rules, for a column of each comparison class:
//
//   - numeric (INTEGER, REAL or NUMERIC affinity): text that reads as a
//     number is converted, on storage and on comparison; integers and
//     reals compare exactly, so an integer n and a real r equal to it
//     both give "i<n>". With REAL affinity an integer is stored as the
//     real nearest to it, and keyed as that real. Text that reads as a
//     real with more than 15 significant digits or a large exponent has
//     no key: SQLite's conversion of such text is not guaranteed to be
//     the correctly rounded real Go computes.
//   - text (TEXT affinity): numbers are converted to text. Integers and
//     integer text give "i<n>"; reals and real text are rounded to 15
//     significant digits first (SQLite renders reals with 15), so that a
//     real and its rendering share a key whatever the rendering.
//   - blob (BLOB affinity or none): nothing is converted; integers and
//     reals still compare exactly.
//   - coarse (an ANY column of a STRICT table): every number is rounded to
//     15 significant digits.
//
// In every class text and blobs with the same bytes share a key, after
// the column's collation: NOCASE folds ASCII letters, RTRIM drops
// trailing spaces. A column with another collation has no keys. NULL and
// NaN (which SQLite stores as NULL) give "n".

// canonClass is how a column compares values; see above.
type canonClass uint8

const (
	classNumeric canonClass = iota
	classReal               // numeric, but integers are stored as the real nearest to them
	classText
	classBlob
	classCoarse
)

// collation is a built-in collating sequence.
type collation uint8

const (
	collBinary collation = iota
	collNoCase
	collRTrim
)

// keyOf returns the canonical key of v, a driver.Value, for a column of
// class cl and collation co; false for a type it does not know
// (time.Time, whose text the driver chooses) or a value it cannot key.
func keyOf(v driver.Value, cl canonClass, co collation) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "n", true
	case int64:
		return intKey(x, cl), true
	case int:
		return intKey(int64(x), cl), true
	case bool:
		if x {
			return "i1", true
		}
		return "i0", true
	case float64:
		return realKey(x, cl), true
	case string:
		return textKey(x, cl, co)
	case []byte:
		return textKey(string(x), cl, co)
	}
	return "", false
}

func intKey(n int64, cl canonClass) string {
	if cl == classCoarse || cl == classReal {
		return realKey(float64(n), cl)
	}
	return "i" + strconv.FormatInt(n, 10)
}

// realKey keys a real: exactly for the numeric and blob classes (integral
// reals as the integer they equal), rounded to 15 significant digits for
// the text and coarse classes.
func realKey(f float64, cl canonClass) string {
	if math.IsNaN(f) {
		return "n"
	}
	if cl == classText || cl == classCoarse {
		if !math.IsInf(f, 0) {
			f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
		}
	}
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		return "i" + strconv.FormatInt(int64(f), 10)
	}
	return "r" + strconv.FormatFloat(f, 'g', -1, 64)
}

// textKey keys text (or a blob's bytes) after collation co. In the
// numeric and text classes, text that reads as a number (as SQLite reads
// it: optional white space and sign, digits with an optional point and
// exponent) is keyed as that number.
func textKey(s string, cl canonClass, co collation) (string, bool) {
	switch co {
	case collNoCase:
		s = lowerASCII(s)
	case collRTrim:
		s = strings.TrimRight(s, " ")
	}
	if cl == classBlob {
		return "t" + s, true
	}
	num := strings.Trim(s, " \t\n\v\f\r")
	if inf, ok := infinity(num); ok {
		return realKey(inf, cl), true // SQLite renders an infinite real as "Inf" or "-Inf"
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil && isDecimal(num, false) {
		return intKey(n, cl), true
	}
	digits, exp, ok := realSyntax(num)
	if !ok {
		return "t" + s, true
	}
	if (cl == classNumeric || cl == classReal) && (digits > 15 || exp > 22 || exp < -22) {
		return "", false
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil && !isRangeErr(err) {
		return "", false // cannot happen for realSyntax; be safe
	}
	return realKey(f, cl), true
}

// isDecimal reports whether s is [+-]digits (with a point and exponent
// allowed when real).
func isDecimal(s string, real bool) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return real
		}
	}
	return true
}

// realSyntax reports whether s is a real literal as SQLite's text-to-
// number conversion accepts it: [+-] (digits [. [digits]] | . digits)
// [(e|E) [+-] digits]. It returns the number of significant digits and
// the decimal exponent adjustment (exponent minus digits after the point).
func realSyntax(s string) (digits, exp int, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	lead := true // still in leading zeros
	mantissa, frac := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		mantissa++
		if s[i] != '0' || !lead {
			lead = false
			digits++
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			mantissa++
			frac++
			if s[i] != '0' || !lead {
				lead = false
				digits++
			}
		}
	}
	if mantissa == 0 {
		return 0, 0, false
	}
	e := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		sign := 1
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			if s[i] == '-' {
				sign = -1
			}
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if e < 10000 {
				e = e*10 + int(s[i]-'0')
			}
		}
		if i == start {
			return 0, 0, false
		}
		e *= sign
	}
	if i != len(s) {
		return 0, 0, false
	}
	return digits, e - frac, true
}

// infinity reads "inf" or "infinity" with an optional sign, in any case.
func infinity(s string) (float64, bool) {
	sign := 1.0
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	switch lowerASCII(s) {
	case "inf", "infinity":
		return math.Inf(int(sign)), true
	}
	return 0, false
}
