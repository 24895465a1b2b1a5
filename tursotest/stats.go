package tursotest

import "sync/atomic"

// Stats is a snapshot of a Server's counters since NewServer. All counts
// are cumulative except ActiveStreams.
type Stats struct {
	// TCPAccepted counts accepted TCP connections, including those closed
	// at once while RefuseConnections is in effect.
	TCPAccepted int64
	// TLSHandshakes counts TLS handshakes the server completed.
	TLSHandshakes int64
	// HTTPRequests counts HTTP requests of any kind, including WebSocket
	// upgrades and requests failed by FailNextRequests.
	HTTPRequests int64
	// PipelineRequests counts POSTs to /v2/pipeline and /v3/pipeline.
	PipelineRequests int64
	// WSSessions counts accepted WebSocket connections.
	WSSessions int64
	// StreamsOpened counts Hrana streams opened over HTTP and WebSocket.
	StreamsOpened int64
	// StreamsClosed counts streams whose SQLite connection was released, for
	// any reason: a close request, expiry, the end of a WebSocket, Restart or
	// Close.
	StreamsClosed int64
	// StreamsExpired counts HTTP streams closed for inactivity or by
	// ExpireStreams (also counted in StreamsClosed).
	StreamsExpired int64
	// ActiveStreams is the number of streams open now.
	ActiveStreams int64
	// BytesIn and BytesOut count bytes read from and written to TCP
	// connections (TLS records included).
	BytesIn, BytesOut int64
	// H2Conns counts TLS connections that negotiated HTTP/2.
	H2Conns int64
}

// counters holds the live values behind Stats.
type counters struct {
	tcpAccepted, tlsHandshakes, httpRequests, pipelineRequests atomic.Int64
	wsSessions, streamsOpened, streamsClosed, streamsExpired   atomic.Int64
	bytesIn, bytesOut, h2Conns                                 atomic.Int64
}

// snapshot returns the current values.
func (c *counters) snapshot() Stats {
	s := Stats{
		TCPAccepted:      c.tcpAccepted.Load(),
		TLSHandshakes:    c.tlsHandshakes.Load(),
		HTTPRequests:     c.httpRequests.Load(),
		PipelineRequests: c.pipelineRequests.Load(),
		WSSessions:       c.wsSessions.Load(),
		StreamsExpired:   c.streamsExpired.Load(),
		BytesIn:          c.bytesIn.Load(),
		BytesOut:         c.bytesOut.Load(),
		H2Conns:          c.h2Conns.Load(),
	}
	// Read closed before opened so that ActiveStreams is never negative.
	s.StreamsClosed = c.streamsClosed.Load()
	s.StreamsOpened = c.streamsOpened.Load()
	s.ActiveStreams = s.StreamsOpened - s.StreamsClosed
	return s
}
