// Package compress frames large string and []byte values in brotli (RFC 7932)
// inside a small self-describing frame that is stored as a BLOB, and turns
// frames back into the original values. It works on bytes only: it knows
// nothing about database/sql or the network. A [Codec] is safe for
// concurrent use.
//
// # Frame format, version 1
//
// All multi-byte integers are little-endian.
//
//	offset  size  field
//	0       4     magic: 0xF5 0x54 0x50 0x5A ("\xF5TPZ")
//	4       1     version: 1
//	5       1     codec: 1 = brotli
//	6       1     original type: 1 = text (string), 2 = blob ([]byte)
//	7       4     original length in bytes, uint32
//	11      4     CRC-32C (Castagnoli) of bytes 0..10 followed by the original bytes
//	15      n     one brotli stream (n >= 1), ending exactly at the end of the frame
//
// The brotli stream's window (WBITS) must not exceed max(18, W) where W is the
// smallest window, from 10 to 24, that holds the original length; encoders
// set LGWin to W (brotli qualities 0 and 1 always write 18). Large-window
// brotli (RFC 9841) is not accepted.
//
// # When bytes are a frame
//
// A value is a frame only if all of these hold, checked in this order:
// (1) it is longer than 15 bytes and carries the magic, version 1, codec 1 and
// type 1 or 2 (the cheap check, [LooksFramed]); (2) the declared length is at
// most [Config.MaxDecodedBytes]; (3) the stream's window obeys the rule above;
// (4) the stream decodes without error to exactly the declared length and
// ends with the frame; (5) the CRC-32C matches. A value failing any of them
// is "not a frame": [Codec.Decode] returns framed == false and no error, and
// the caller uses the value untouched, so a user's blob that merely starts
// like a frame comes back exactly as it was stored, and reading a row never
// fails because of a value's bytes. A value failing (2) is not decoded at
// all (nothing of the declared size is allocated): it cannot be verified
// within the limit, so it is not a frame either, even when it is one written
// by a codec with a larger limit. That is why every reader must use at least
// the limit of the writers. A random blob would have to begin with the exact
// 7 bytes F5 54 50 5A 01 01 01|02 (odds 2^-55) to reach (2), and to pass
// (3) to (5) as well it would have to be a frame.
//
// # Encoding rules
//
// [Codec.EncodeString] and [Codec.EncodeBytes] return ok == false, and the
// caller sends the value raw, when the value is shorter than
// [Config.Threshold], longer than [Config.MaxDecodedBytes] (so a Codec can
// always read back what it writes), or when framing does not pay: a blob
// frame must be shorter than the blob; a text frame, which turns the value
// into a blob that Hrana's JSON carries in base64, must be shorter than the
// text after base64 (4*ceil(len(frame)/3) < len(text)). Compression stops as
// soon as its output passes that bound, so incompressible values cost little.
//
// # Memory bounds
//
// Decoding never trusts the declared length beyond [Config.MaxDecodedBytes]:
// above it nothing is allocated. Below it the output buffer starts at
// min(declared, max(64 KiB, 16 x stream length)) and doubles up to the
// declared length; decoding stops one byte past it, so a decompression bomb
// costs at most about twice its declared length plus a brotli ring buffer of
// max(256 KiB, 2 x declared). Brotli writers, readers and scratch buffers are
// pooled per Codec ([sync.Pool]); scratch buffers above 1 MiB are not kept.
//
// # Choices
//
// Magic. 0xF5 never occurs in UTF-8, so no valid UTF-8 text starts with the
// magic, and no file format we know of starts with F5 54 50 5A ("TPZ" =
// turso-pooled zip); common binary values start with 0x00, 0x1F (gzip),
// 0x28 (zstd), 0x89 (PNG), 0xFF (JPEG) or 0xEF (UTF-8 BOM).
//
// Length. A fixed uint32 keeps every field at a fixed offset and the header
// check trivial; SQLite stores at most 2^31-1 bytes per value, so 32 bits
// suffice, and a uvarint would save 1 to 3 bytes on values of 1 KiB and more.
//
// Checksum. CRC-32C is in the standard library (hash/crc32) and hardware
// accelerated on amd64 and arm64 (tens of GB/s, invisible next to brotli's
// 100 to 200 MB/s decoding). It guards against corruption and against user
// blobs that mimic the header, which must also decode to exactly the declared
// length, so 32 bits are ample; xxhash64 would add a direct dependency and 4
// bytes per frame for no practical gain. Covering the header as well means a
// flipped type or length byte is caught.
//
// Threshold ([DefaultThreshold] = 1024 bytes). Measured on generated JSON
// (package jsondoc) at quality 5, the base64 wire size of a frame is 98 % of
// the text at 256 bytes, 88 % at 512, 75 % at 1 KiB and 60 % at 2 KiB:
// below 1 KiB the saving is tens of bytes per value, less than the CPU and
// the loss of SQL-visible text (json_extract, LIKE) are worth.
//
// Quality ([DefaultQuality] = 5). Benchmarks on the same JSON (2-core shared
// machine, frame/original ratio and encode speed; decoding runs at 95 to
// 200 MB/s for every quality):
//
//	quality  1 KiB         4 KiB         16 KiB
//	1        0.65  63 MB/s  0.44  92 MB/s  0.37 123 MB/s
//	3        0.63  39 MB/s  0.42  44 MB/s  0.33  62 MB/s
//	4        0.61  18 MB/s  0.40  28 MB/s  0.33  41 MB/s
//	5        0.56  15 MB/s  0.38  24 MB/s  0.30  30 MB/s
//	6        0.56  14 MB/s  0.38  24 MB/s  0.30  28 MB/s
//	9        0.56  13 MB/s  0.38  17 MB/s  0.30  24 MB/s
//	11       0.49 0.5 MB/s  0.32 0.6 MB/s  0.26 0.6 MB/s
//
// Quality 5 is the knee: 6 and 9 are no denser, 11 is 30 to 50 times slower,
// and 5 makes frames 6 to 7 % smaller than 4 for 15 to 40 % more time:
// about 70 us for 1 KiB and 550 us for 16 KiB, far below one round trip to
// the database (20 to 45 ms). Quality 1 (4 times faster, frames 15 to 20 %
// larger) is the choice when CPU, not bandwidth, is scarce.
//
// MaxDecodedBytes ([DefaultMaxDecodedBytes] = 32 MiB) bounds what one value
// read can allocate while staying far above the values a row normally holds.
package compress
