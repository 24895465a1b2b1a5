package cache

import (
	"bytes"
	"database/sql/driver"
	"time"
)

// Per-value and per-slice size estimates, in bytes, on 64-bit platforms.
const (
	sizeIface  = 16 // interface header
	sizeSlice  = 24 // slice header
	sizeString = 16 // string header
	sizeBox    = 8  // heap cell of a boxed int64/float64
	sizeTime   = 24 // time.Time
	sizeResult = 3*sizeSlice + 8
)

// Result is a fully materialized query result. A Result stored in or
// returned by a [Cache] is shared by every reader and must not be modified;
// use [Result.CopyRow] to hand a row to a caller.
type Result struct {
	// Columns are the column names.
	Columns []string
	// DeclTypes are the declared column types; nil when unknown.
	DeclTypes []string
	// Rows are the row values, each of len(Columns), holding only
	// driver.Value types (nil, int64, float64, bool, []byte, string, time.Time).
	Rows [][]driver.Value
}

// Size returns the estimated memory held by r in bytes: string and []byte
// contents plus headers, fixed sizes for numbers and times, and the slice
// headers of every row. Safe for concurrent use; O(values).
func (r *Result) Size() int64 {
	if r == nil {
		return 0
	}
	n := int64(sizeResult)
	for _, c := range r.Columns {
		n += sizeString + int64(len(c))
	}
	for _, c := range r.DeclTypes {
		n += sizeString + int64(len(c))
	}
	for _, row := range r.Rows {
		n += sizeSlice
		for _, v := range row {
			n += sizeIface + ValueSize(v)
		}
	}
	return n
}

// ValueSize is the memory, in bytes, that a cached value is charged: what
// [Result.Size] adds up and what MaxEntryBytes is compared with.
func ValueSize(v driver.Value) int64 {
	switch x := v.(type) {
	case string:
		return sizeString + int64(len(x))
	case []byte:
		return sizeSlice + int64(len(x))
	case int64, float64:
		return sizeBox
	case time.Time:
		return sizeTime
	default: // nil and bool are stored in the interface word
		return 0
	}
}

// CopyRow copies row i of r into dest (len(dest) ≥ len(r.Columns)), cloning
// []byte values so the caller may keep or modify them (sql.RawBytes) without
// touching the shared result. Other values are immutable and are shared.
func (r *Result) CopyRow(dest []driver.Value, i int) {
	for k, v := range r.Rows[i] {
		if b, ok := v.([]byte); ok {
			v = bytes.Clone(b) // an empty blob stays non-nil
		}
		dest[k] = v
	}
}
