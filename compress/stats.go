package compress

import "sync/atomic"

// Stats is a snapshot of a [Codec]'s counters since [New]. Counts are values,
// sizes are bytes. The fields are read one by one without a common lock, so
// under concurrent use they may be a few operations apart.
type Stats struct {
	// ValuesFramed is the number of values Encode* framed.
	ValuesFramed int64
	// ValuesRaw is the number of values Encode* left raw: below the
	// threshold, above MaxDecodedBytes, or not shrinking.
	ValuesRaw int64
	// BytesIn is the total original length of framed values.
	BytesIn int64
	// BytesOut is the total length of the frames produced.
	BytesOut int64
	// ValuesDecoded is the number of frames Decode decoded.
	ValuesDecoded int64
	// DecodeErrors is the number of values that passed [LooksFramed] but
	// declared an original length above [Config.MaxDecodedBytes]: Decode did
	// not decode them and returned them as not framed (they are not counted
	// in FramesRejected). A rising count means frames written with a larger
	// limit, or user values that mimic the header.
	DecodeErrors int64
	// DecodedBytes is the total original length of decoded frames.
	DecodedBytes int64
	// FramesRejected is the number of values that passed [LooksFramed] but
	// failed validation, so Decode returned them as not framed. A rising
	// count means corrupted frames or user values that mimic the header.
	FramesRejected int64
}

// Ratio returns BytesOut / BytesIn (smaller is better), or 0 before any
// value was framed.
func (s Stats) Ratio() float64 {
	if s.BytesIn == 0 {
		return 0
	}
	return float64(s.BytesOut) / float64(s.BytesIn)
}

// counters are a Codec's live atomic counters.
type counters struct {
	valuesFramed, valuesRaw, bytesIn, bytesOut atomic.Int64
	valuesDecoded, decodeErrors, decodedBytes  atomic.Int64
	framesRejected                             atomic.Int64
}

// Stats returns a snapshot of the counters. It is safe for concurrent use.
func (c *Codec) Stats() Stats {
	return Stats{
		ValuesFramed:   c.stats.valuesFramed.Load(),
		ValuesRaw:      c.stats.valuesRaw.Load(),
		BytesIn:        c.stats.bytesIn.Load(),
		BytesOut:       c.stats.bytesOut.Load(),
		ValuesDecoded:  c.stats.valuesDecoded.Load(),
		DecodeErrors:   c.stats.decodeErrors.Load(),
		DecodedBytes:   c.stats.decodedBytes.Load(),
		FramesRejected: c.stats.framesRejected.Load(),
	}
}
