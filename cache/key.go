package cache

import (
	"database/sql/driver"
	"encoding/binary"
	"math"
	"time"
)

// Key identifies one cached query: the database identity, the SQL text and
// every argument with its ordinal, name and type. It holds the full
// canonical encoding, which is compared on every hit, so two different
// queries can never share an entry even if their hashes collide. The zero
// Key is invalid. Build one with [MakeKey].
type Key struct {
	canon string
	hash  uint64 // hashKey(canon), for the access sketch
}

// Argument type tags of the canonical encoding.
const (
	tagNil byte = iota + 1
	tagInt
	tagFloat
	tagBool
	tagBytes
	tagString
	tagTime
)

// keyVersion starts every canonical key; bump it when the encoding changes.
const keyVersion byte = 1

// MakeKey builds the cache key of running sql with args on the database
// identified by dbIdentity (e.g. the DSN without secrets plus the schema
// name). Values are keyed with their type, so int64 1, float64 1, "1",
// []byte("1") and true are distinct keys; int is keyed as int64 because the
// upstream client sends both as the same integer. time.Time is keyed by its
// instant and zone offset, which is what the upstream client sends. ok is
// false for any other argument type: such queries must not be cached.
// Safe for concurrent use.
func MakeKey(dbIdentity, sql string, args []driver.NamedValue) (Key, bool) {
	size := 1 + 2*binary.MaxVarintLen64 + len(dbIdentity) + len(sql)
	for _, a := range args {
		size += 3*binary.MaxVarintLen64 + 1 + len(a.Name) + 16
		switch v := a.Value.(type) {
		case string:
			size += len(v)
		case []byte:
			size += len(v)
		}
	}
	b := make([]byte, 0, size)
	b = append(b, keyVersion)
	b = appendString(b, dbIdentity)
	b = appendString(b, sql)
	b = binary.AppendUvarint(b, uint64(len(args)))
	for _, a := range args {
		b = binary.AppendVarint(b, int64(a.Ordinal))
		b = appendString(b, a.Name)
		var ok bool
		if b, ok = appendValue(b, a.Value); !ok {
			return Key{}, false
		}
	}
	canon := string(b)
	return Key{canon: canon, hash: hashKey(canon)}, true
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendValue appends the type tag and exact bits of v.
func appendValue(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, tagNil), true
	case int64:
		return binary.BigEndian.AppendUint64(append(b, tagInt), uint64(x)), true
	case int:
		return binary.BigEndian.AppendUint64(append(b, tagInt), uint64(int64(x))), true
	case float64:
		return binary.BigEndian.AppendUint64(append(b, tagFloat), math.Float64bits(x)), true
	case bool:
		if x {
			return append(b, tagBool, 1), true
		}
		return append(b, tagBool, 0), true
	case []byte:
		b = binary.AppendUvarint(append(b, tagBytes), uint64(len(x)))
		return append(b, x...), true
	case string:
		return appendString(append(b, tagString), x), true
	case time.Time:
		_, offset := x.Zone()
		b = binary.BigEndian.AppendUint64(append(b, tagTime), uint64(x.Unix()))
		b = binary.BigEndian.AppendUint32(b, uint32(x.Nanosecond()))
		return binary.BigEndian.AppendUint32(b, uint32(int32(offset))), true
	default:
		return b, false
	}
}

// Valid reports whether k was built by a successful [MakeKey].
func (k Key) Valid() bool { return k.canon != "" }
