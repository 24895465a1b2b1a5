package relay

import "sync/atomic"

// Stats is a snapshot of a Relay's counters since New. All counts are
// cumulative except InFlight and OpenConns.
type Stats struct {
	// Requests counts requests received, rejected ones included.
	Requests int64
	// Rejected counts requests refused with 403 because the secret header
	// was missing or wrong.
	Rejected int64
	// Errors counts requests answered with 502 because the round trip to
	// the target failed or the body of its non-200 answer could not be
	// read, and requests whose body could not be read. A server's non-200
	// answer passed on to the client is not an error of the relay.
	Errors int64
	// ServerErrors counts the target's answers other than 200, passed on
	// to the client with a recorded Failure.
	ServerErrors int64
	// Warmups counts the rounds of keep-alive requests (see
	// Config.MinConns) that completed without error.
	Warmups int64
	// InFlight is the number of requests being handled now.
	InFlight int64
	// BytesIn counts request body bytes read from clients.
	BytesIn int64
	// BytesOut counts response body bytes read from the target.
	BytesOut int64
	// Dials counts TCP connections opened to the target (or its proxy).
	Dials int64
	// OpenConns is the number of those connections still open. Connections
	// from a custom Transport.DialTLSContext are counted in Dials only.
	OpenConns int64
}

// counters holds the live values behind Stats.
type counters struct {
	requests, rejected, errors, inFlight atomic.Int64
	bytesIn, bytesOut, dials, openConns  atomic.Int64
	serverErrors, warmups                atomic.Int64
}

// snapshot returns the current values.
func (c *counters) snapshot() Stats {
	return Stats{
		Requests:     c.requests.Load(),
		Rejected:     c.rejected.Load(),
		Errors:       c.errors.Load(),
		ServerErrors: c.serverErrors.Load(),
		Warmups:      c.warmups.Load(),
		InFlight:     c.inFlight.Load(),
		BytesIn:      c.bytesIn.Load(),
		BytesOut:     c.bytesOut.Load(),
		Dials:        c.dials.Load(),
		OpenConns:    c.openConns.Load(),
	}
}
