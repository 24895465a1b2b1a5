package compress

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"math/bits"
)

// Frame layout constants; doc.go holds the byte-level specification.
const (
	// HeaderSize is the fixed size in bytes of a frame header; the brotli stream
	// starts at this offset.
	HeaderSize = 15

	// Version is the only frame format version this package writes and reads.
	Version = 1

	// CodecBrotli is the codec byte of a frame whose payload is a brotli stream (RFC 7932).
	CodecBrotli = 1

	// TypeText is the original-type byte of a frame made from a string.
	TypeText = 1
	// TypeBlob is the original-type byte of a frame made from a []byte.
	TypeBlob = 2

	// MaxOriginalLen is the largest original length in bytes a frame can declare
	// (the length field is a uint32). SQLite itself caps values at 2^31-1 bytes.
	MaxOriginalLen = math.MaxUint32
)

// magic opens every frame. 0xF5 can never occur in valid UTF-8, so no valid
// UTF-8 text begins with the magic, and it starts no file signature we know of.
var magic = [4]byte{0xF5, 'T', 'P', 'Z'}

// Header field offsets.
const (
	offVersion  = 4
	offCodec    = 5
	offType     = 6
	offLength   = 7
	offChecksum = 11
)

// castagnoli is the CRC-32C table (hardware accelerated on amd64 and arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header is a parsed frame header.
type header struct {
	typ      byte
	length   uint32
	checksum uint32
}

// LooksFramed reports whether b starts with a plausible frame header: at least
// [HeaderSize]+1 bytes, the magic, version [Version], codec [CodecBrotli] and
// an original type of [TypeText] or [TypeBlob]. It is cheap (no decompression,
// no allocation) and says nothing about the payload: a value for which it
// returns true may still be a user's blob that [Codec.Decode] returns as not
// framed. It is safe for concurrent use.
func LooksFramed(b []byte) bool {
	_, ok := parseHeader(b)
	return ok
}

// parseHeader validates the fixed header of b and returns it.
func parseHeader(b []byte) (header, bool) {
	if len(b) <= HeaderSize || [4]byte(b[:4]) != magic {
		return header{}, false
	}
	if b[offVersion] != Version || b[offCodec] != CodecBrotli {
		return header{}, false
	}
	typ := b[offType]
	if typ != TypeText && typ != TypeBlob {
		return header{}, false
	}
	return header{
		typ:      typ,
		length:   binary.LittleEndian.Uint32(b[offLength:]),
		checksum: binary.LittleEndian.Uint32(b[offChecksum:]),
	}, true
}

// putHeader writes the header for src of type typ into dst[:HeaderSize].
// The caller guarantees len(src) <= MaxOriginalLen.
func putHeader(dst []byte, typ byte, src []byte) {
	copy(dst, magic[:])
	dst[offVersion] = Version
	dst[offCodec] = CodecBrotli
	dst[offType] = typ
	binary.LittleEndian.PutUint32(dst[offLength:], uint32(len(src)))
	binary.LittleEndian.PutUint32(dst[offChecksum:], checksum(dst, src))
}

// checksum is CRC-32C over header bytes 0..10 (magic through length)
// followed by the original bytes.
func checksum(hdr, src []byte) uint32 {
	return crc32.Update(crc32.Checksum(hdr[:offChecksum], castagnoli), castagnoli, src)
}

// Brotli window bounds (RFC 7932 section 9.1).
const (
	minWindowBits = 10
	maxWindowBits = 24
	// fastWindowBits is the window brotli qualities 0 and 1 always declare.
	fastWindowBits = 18
)

// windowBitsFor returns the window (log2 bytes) the encoder uses for n bytes:
// the smallest window holding n, clamped to brotli's 10..24.
func windowBitsFor(n int) int {
	if n <= 1<<minWindowBits {
		return minWindowBits
	}
	w := bits.Len(uint(n - 1))
	return min(w, maxWindowBits)
}

// maxWindowBitsFor is the largest window a valid frame of declared length n
// may use: what [windowBitsFor] gives, or 18 which brotli qualities 0 and 1
// always declare. It bounds the decoder's ring buffer to O(n) + 256 KiB.
func maxWindowBitsFor(n int) int {
	return max(windowBitsFor(n), fastWindowBits)
}

// streamWindowBits decodes the WBITS field at the start of a brotli stream
// (RFC 7932 section 9.1; bits are read least significant first). It returns
// false for the large-window marker and reserved values.
func streamWindowBits(stream []byte) (int, bool) {
	if len(stream) == 0 {
		return 0, false
	}
	b := stream[0]
	if b&1 == 0 {
		return 16, true
	}
	if n := (b >> 1) & 7; n != 0 {
		return 17 + int(n), true
	}
	switch n := (b >> 4) & 7; n {
	case 0:
		return 17, true
	case 1:
		return 0, false // large window (RFC 9841) is not accepted
	default:
		return 8 + int(n), true
	}
}
