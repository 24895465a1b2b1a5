package cachebus

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/turso-pooled/tursopooled/cache"
)

// Wire format, version 1 (all integers are unsigned varints, strings a
// varint length then the bytes):
//
//	"tp" 0x01             magic and version
//	identity [16]byte     SHA-256 prefix of the database identity
//	instance [16]byte     random id of the publishing bus
//	flags    byte         bit 0: invalidate everything (no more fields follow)
//	tables   n, n strings table-level invalidations
//	keyed    n, n writes  each: table, n columns (column, n values), n unkeyed columns
//
// A message never holds a secret: the identity is hashed, and the rest
// names tables, columns and canonical key values.
const (
	magic0, magic1 = 't', 'p'
	version        = 1
	idLen          = 16
	headerLen      = 3 + 2*idLen + 1
	flagAll        = 1
	// maxMessageBytes bounds what Decode reads; larger payloads are malformed.
	maxMessageBytes = 1 << 20
)

// ID is a 16-byte identifier: of a database identity or of a bus instance.
type ID [idLen]byte

// Invalidation is what a write made through one process invalidated in its
// cache, for every other process to invalidate in theirs: everything (All),
// or the tables and keyed writes listed (see [cache.Cache.Invalidate] and
// [cache.Cache.InvalidateKeys]).
type Invalidation struct {
	All    bool
	Tables []string
	Keys   []cache.KeyedWrite
}

// Message is one invalidation as published: the database it is for, the
// bus that published it, and what to invalidate.
type Message struct {
	Identity ID
	Instance ID
	Invalidation
}

// ErrMalformed is wrapped by every error of [Decode] on a payload that is
// not a message of a version this package reads.
var ErrMalformed = errors.New("cachebus: malformed message")

// ErrFutureVersion is wrapped by the error of [Decode] on a payload that is
// a message of a newer version: an invalidation that cannot be read, which
// the subscriber applies as "everything".
var ErrFutureVersion = errors.New("cachebus: message of a newer version")

// Encode returns the version-1 encoding of m.
func Encode(m Message) []byte {
	b := make([]byte, 0, 64)
	b = append(b, magic0, magic1, version)
	b = append(b, m.Identity[:]...)
	b = append(b, m.Instance[:]...)
	if m.All {
		return append(b, flagAll)
	}
	b = append(b, 0)
	b = appendStrings(b, m.Tables)
	b = binary.AppendUvarint(b, uint64(len(m.Keys)))
	for _, w := range m.Keys {
		b = appendString(b, w.Table)
		b = binary.AppendUvarint(b, uint64(len(w.Keyed)))
		for _, cv := range w.Keyed {
			b = appendString(b, cv.Column)
			b = appendStrings(b, cv.Values)
		}
		b = appendStrings(b, w.Unkeyed)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

// Decode parses a payload made by [Encode]. Every byte must belong to the
// message: trailing bytes, truncation, an unknown flag or an oversized
// payload are errors wrapping [ErrMalformed]; a newer version's is an
// error wrapping [ErrFutureVersion]. A message that invalidates nothing
// (no flag, no table, no key) is malformed too: no writer sends one.
func Decode(p []byte) (Message, error) {
	var m Message
	if len(p) < 3 || p[0] != magic0 || p[1] != magic1 {
		return m, fmt.Errorf("%w: no magic", ErrMalformed)
	}
	if p[2] > version {
		return m, fmt.Errorf("%w %d", ErrFutureVersion, p[2])
	}
	if p[2] != version || len(p) < headerLen || len(p) > maxMessageBytes {
		return m, fmt.Errorf("%w: bad version or length (%d bytes)", ErrMalformed, len(p))
	}
	copy(m.Identity[:], p[3:])
	copy(m.Instance[:], p[3+idLen:])
	r := reader{b: p[headerLen:]}
	switch p[headerLen-1] {
	case flagAll:
		m.All = true
	case 0:
		m.Tables = r.strings()
		n := r.count()
		for i := 0; i < n && r.err == nil; i++ {
			w := cache.KeyedWrite{Table: r.string()}
			nc := r.count()
			for j := 0; j < nc && r.err == nil; j++ {
				w.Keyed = append(w.Keyed, cache.ColumnValues{Column: r.string(), Values: r.strings()})
			}
			w.Unkeyed = r.strings()
			m.Keys = append(m.Keys, w)
		}
		if r.err == nil && len(m.Tables) == 0 && len(m.Keys) == 0 {
			r.err = errors.New("invalidates nothing")
		}
	default:
		return Message{}, fmt.Errorf("%w: unknown flags %#x", ErrMalformed, p[headerLen-1])
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrMalformed, r.err)
	}
	return m, nil
}

// reader consumes varints and strings, keeping the first error.
type reader struct {
	b   []byte
	err error
}

// count reads a count, which can be at most the bytes left (each element
// takes at least one).
func (r *reader) count() int {
	if r.err != nil {
		return 0
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)-k) {
		r.err = errors.New("bad count")
		return 0
	}
	r.b = r.b[k:]
	return int(n)
}

func (r *reader) string() string {
	if r.err != nil {
		return ""
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)-k) {
		r.err = errors.New("bad string length")
		return ""
	}
	s := string(r.b[k : k+int(n)])
	r.b = r.b[k+int(n):]
	return s
}

func (r *reader) strings() []string {
	n := r.count()
	var out []string
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.string())
	}
	return out
}
