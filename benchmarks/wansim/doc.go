// Package wansim is a userspace TCP proxy on loopback that simulates a WAN
// link between a client and a server, for tests and benchmarks.
//
// Loopback has no latency and kernel traffic shaping (netem) is not
// available, so every latency or throughput claim in this project is
// measured through a [Proxy]: clients dial [Proxy.Addr] instead of the
// server, and the proxy forwards each accepted connection to
// [Config.Target].
//
// # Link model
//
// Each direction of each connection is an independent link:
//
//   - Latency is per packet, not per read. A reader goroutine timestamps
//     every chunk it reads and queues a copy; a writer goroutine releases
//     the chunk at its timestamp plus the one-way delay (RTT/2). Chunks sent
//     back to back therefore arrive back to back one delay later, and many
//     requests can be in flight at once (pipelining), exactly as on a real
//     link. Throughput does not collapse to chunk size divided by delay.
//   - Jitter adds a uniform random offset in ±Jitter/2 to each chunk's
//     delay. Chunks are never reordered: a chunk's release time is the
//     maximum of its own due time and the previous chunk's release time.
//   - A bandwidth cap adds serialization delay with a virtual clock: a
//     chunk cannot start transmitting before the previous one has finished
//     at the capped rate, and the one-way delay is counted from the end of
//     its transmission.
//   - Connection setup costs one RTT when [Config.ConnectRTT] is set. The
//     client's connect to the proxy completes at once on loopback and the
//     proxy dials the target immediately, so instead no byte may enter
//     either link before one RTT after the proxy accepted the connection.
//     A client that writes as soon as it connects therefore sees its first
//     byte arrive 1.5 RTT later, as with a real TCP handshake followed by a
//     request. Protocols layered on top, such as TLS, pay their own round
//     trips naturally because every message crosses the delayed links.
//   - Backpressure: each direction queues at most 4 MiB (plus a small
//     per-chunk overhead) before its reader stops reading, so a slow
//     receiver slows the sender down instead of growing memory. With the
//     delay applied, this bounds a single connection's throughput to about
//     4 MiB per one-way delay (for example 400 MiB/s at RTT 20ms), far above
//     what database benchmarks need.
//   - Half-close: when a side sends FIN, the FIN is forwarded (CloseWrite)
//     after the data queued before it has been delivered. When both
//     directions have ended, or when a read or write fails (for example a
//     client disconnecting mid-stream), both connections are closed, the
//     failing direction after flushing what it had already queued.
//
// Byte counters ([Stats]) count bytes as they are read from the sending
// side, so they are exact and already updated by the time the receiver can
// see the bytes.
//
// # Why not toxiproxy
//
// toxiproxy is a large dependency, and its latency toxic is applied to a
// chunk at a time in sequence, which understates pipelined throughput. This
// small, well-tested proxy uses only the standard library and gives exact
// per-direction latency with in-flight pipelining.
//
// All methods of [Proxy] are safe for concurrent use.
package wansim
