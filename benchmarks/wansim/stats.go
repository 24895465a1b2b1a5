package wansim

// Stats is a snapshot of a [Proxy]'s counters.
type Stats struct {
	// Conns is the number of connections accepted since the proxy started
	// or since the last [Proxy.ResetStats].
	Conns int64
	// ActiveConns is the number of connections currently proxied. It is a
	// gauge and is not reset by [Proxy.ResetStats].
	ActiveConns int64
	// BytesUp counts bytes read from clients, bound for the target.
	BytesUp int64
	// BytesDown counts bytes read from the target, bound for clients.
	BytesDown int64
}

// Stats returns a snapshot of the counters. Safe for concurrent use; the
// fields are read one by one, so a snapshot taken under traffic is not
// atomic across fields.
func (p *Proxy) Stats() Stats {
	return Stats{
		Conns:       p.conns.Load(),
		ActiveConns: p.active.Load(),
		BytesUp:     p.bytesUp.Load(),
		BytesDown:   p.bytesDown.Load(),
	}
}

// ResetStats zeroes Conns, BytesUp and BytesDown; ActiveConns is a gauge and
// keeps its value. Safe for concurrent use.
func (p *Proxy) ResetStats() {
	p.conns.Store(0)
	p.bytesUp.Store(0)
	p.bytesDown.Store(0)
}
