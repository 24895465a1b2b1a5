package relay

import (
	"math"
	"strconv"
)

// bodyScan reads a Hrana pipeline response body (a JSON object) as it
// streams through the relay, one byte at a time and without buffering it,
// and picks out two of its top-level fields: "baton" (a string, or null
// when the server closed the stream) and "stream_ttl_ms" (how long the
// server keeps the stream, in milliseconds; optional). Nested values (the
// results) are skipped by tracking string and nesting state only. Once the
// object's closing brace is read, done is true; a body that is not a JSON
// object sets bad, and neither field is trusted then.
type bodyScan struct {
	depth   int  // nesting depth: 1 inside the top-level object
	inStr   bool // inside a string
	escaped bool // the previous byte was a backslash inside a string
	phase   scanPhase

	key     [maxScanKey]byte // the current top-level key
	keyLen  int
	keyOver bool // the key is longer than maxScanKey or has escapes: no field of interest
	field   scanField
	num     [maxScanNum]byte // the digits of stream_ttl_ms
	numLen  int

	baton   batonSeen
	ttlMs   int64 // stream_ttl_ms, when hasTTL
	hasTTL  bool  // stream_ttl_ms was a non-negative number
	done    bool
	bad     bool
	started bool
}

// Bounds of what bodyScan keeps of a key and of a number.
const (
	maxScanKey = 16
	maxScanNum = 24
)

// scanPhase is what bodyScan expects next at depth 1.
type scanPhase uint8

const (
	phaseKey    scanPhase = iota // a key or the closing brace
	phaseKeyStr                  // inside a key
	phaseColon                   // the colon after a key
	phaseValue                   // the first byte of a value
	phaseValStr                  // inside a string value
	phasePrim                    // inside a number, true, false or null
	phaseAfter                   // a comma or the closing brace
)

// scanField is the top-level field whose value is being read.
type scanField uint8

const (
	fieldOther scanField = iota
	fieldBaton
	fieldTTL
)

// batonSeen is what the body's baton field was.
type batonSeen uint8

const (
	batonAbsent batonSeen = iota
	batonNull
	batonString
	batonOther
)

// feed scans the next bytes of the body.
func (s *bodyScan) feed(p []byte) {
	for _, c := range p {
		if s.done || s.bad {
			return
		}
		s.step(c)
	}
}

// step scans one byte.
func (s *bodyScan) step(c byte) {
	if s.inStr {
		s.stringByte(c)
		return
	}
	if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
		if s.depth == 1 && s.phase == phasePrim {
			s.endPrim()
		}
		return
	}
	switch {
	case s.depth == 0:
		if c != '{' || s.started {
			s.bad = true
			return
		}
		s.started, s.depth, s.phase = true, 1, phaseKey
	case s.depth == 1:
		s.topByte(c)
	default:
		switch c {
		case '"':
			s.inStr = true
		case '{', '[':
			s.depth++
		case '}', ']':
			s.depth-- // back at 1, phase is already phaseAfter
		}
	}
}

// stringByte scans a byte inside a string.
func (s *bodyScan) stringByte(c byte) {
	switch {
	case s.escaped:
		s.escaped = false
	case c == '\\':
		s.escaped = true
		if s.depth == 1 && s.phase == phaseKeyStr {
			s.keyOver = true // the keys of interest have no escapes
		}
	case c == '"':
		s.inStr = false
		if s.depth == 1 {
			switch s.phase {
			case phaseKeyStr:
				s.phase = phaseColon
			case phaseValStr:
				s.phase = phaseAfter
			}
		}
		return
	}
	if s.depth == 1 && s.phase == phaseKeyStr {
		if s.keyLen == maxScanKey {
			s.keyOver = true
			return
		}
		s.key[s.keyLen] = c
		s.keyLen++
	}
}

// topByte scans a byte, outside strings, of the top-level object.
func (s *bodyScan) topByte(c byte) {
	switch s.phase {
	case phaseKey:
		switch c {
		case '"':
			s.inStr, s.phase, s.keyLen, s.keyOver = true, phaseKeyStr, 0, false
		case '}':
			s.finish()
		default:
			s.bad = true
		}
	case phaseColon:
		if c != ':' {
			s.bad = true
			return
		}
		s.phase, s.field = phaseValue, s.fieldOfKey()
	case phaseValue:
		s.valueStart(c)
	case phasePrim:
		switch c {
		case ',':
			s.endPrim()
			s.phase = phaseKey
		case '}':
			s.endPrim()
			s.finish()
		default:
			s.primByte(c)
		}
	case phaseAfter:
		switch c {
		case ',':
			s.phase = phaseKey
		case '}':
			s.finish()
		default:
			s.bad = true
		}
	}
}

// valueStart scans the first byte of a top-level value.
func (s *bodyScan) valueStart(c byte) {
	switch c {
	case '"':
		s.inStr, s.phase = true, phaseValStr
		if s.field == fieldBaton {
			s.baton = batonString
		}
	case '{', '[':
		s.depth++
		s.phase = phaseAfter
		if s.field == fieldBaton {
			s.baton = batonOther
		}
	default:
		s.phase, s.numLen = phasePrim, 0
		s.primByte(c)
	}
}

// primByte scans a byte of a number, true, false or null.
func (s *bodyScan) primByte(c byte) {
	if s.numLen < maxScanNum {
		s.num[s.numLen] = c
	}
	s.numLen++
}

// endPrim ends a number, true, false or null at depth 1.
func (s *bodyScan) endPrim() {
	s.phase = phaseAfter
	if s.numLen > maxScanNum {
		return
	}
	text := string(s.num[:s.numLen])
	switch s.field {
	case fieldBaton:
		if text == "null" {
			s.baton = batonNull
		} else {
			s.baton = batonOther
		}
	case fieldTTL:
		v, err := strconv.ParseFloat(text, 64)
		if err == nil && v >= 0 && v < math.MaxInt64/2 {
			s.ttlMs, s.hasTTL = int64(v), true
		}
	}
}

// fieldOfKey names the field of the key just read.
func (s *bodyScan) fieldOfKey() scanField {
	if s.keyOver {
		return fieldOther
	}
	switch string(s.key[:s.keyLen]) {
	case "baton":
		return fieldBaton
	case "stream_ttl_ms":
		return fieldTTL
	}
	return fieldOther
}

// finish ends the top-level object.
func (s *bodyScan) finish() {
	s.depth, s.done = 0, true
}
