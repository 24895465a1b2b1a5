// Command benchmarks is the report that proves the turso-pooled driver: it
// runs the same workloads, in the same process and in interleaved order,
// against the alternatives a user has, and writes what it measured.
//
//	go run ./benchmarks                      # default subset, under 3 minutes on 2 cores
//	go run ./benchmarks -full                # every workload, transport and concurrency
//	go run ./benchmarks -out /tmp/r          # write the results elsewhere
//	go run ./benchmarks -dsn 'libsql://db-org.turso.io?authToken=…'
//
// # Configurations
//
// Every turso-pooled configuration runs at the driver's defaults (its DSN
// has no pool parameter) unless -pool sets pool_max_conns; the report's
// header states the sizes read back from a DB (pool_max_conns, the
// adaptive target's start, the connections pre-warmed).
//
//   - libsql-default: the upstream driver through database/sql defaults
//     (at most 2 idle connections kept).
//   - libsql-tuned: the upstream driver with SetMaxOpenConns and
//     SetMaxIdleConns both set to the turso-pooled maximum in effect.
//   - pooled: turso-pooled, cache and compression off.
//   - pooled+cache+br: the same with cache=on and compress=br.
//
// # Processes and CPUs
//
// Unless -dsn is given, the program starts itself again as the server
// process (os.Executable with TURSO_POOLED_BENCH_SERVER=1): an
// in-process tursotest server per transport (Hrana over HTTPS with
// HTTP/1.1 only, HTTPS with HTTP/2, and WebSocket over TLS) and a wansim
// proxy per configuration that delays each direction by half of -rtt
// (20ms by default) and counts connections and bytes. The clients stay in
// this process and control the server process over its stdin and stdout
// (one JSON request per line). Where the OS allows it (Linux, two CPUs or
// more, -pin), the clients are pinned to one CPU and the server process
// to another, each with GOMAXPROCS 1. The server process never outlives
// the clients: it exits when its stdin ends, which happens however the
// parent exits, and on Linux it also gets SIGKILL when the parent's thread
// that started it exits (Pdeathsig). If it dies during a run, the run
// stops with a message naming it, how it ended and its last output, and
// exit status 1. The upstream client uses http.DefaultTransport, so the
// servers' CAs are trusted in this process for the duration of the run.
//
// Each cell measures, besides latency and throughput, the CPU time of
// both processes (getrusage, user + system) per operation, the client's
// heap allocations per operation (runtime/metrics), and both cores' busy
// share (/proc/stat, every process counted), sampled every 100ms: the
// report says, per cell, which side was CPU-bound.
//
// # Physical limit
//
// For every episode cell the report computes the time no client can
// avoid: the statements that must reach the server under the cache's
// rules (the 4 inserts and the first reads of the rows just written: 6
// round trips) × RTT, and the measured p50 over it; for a cold first
// query, TCP + TLS (+ the WebSocket upgrade) + the query. The targets use
// it.
//
// # Workloads
//
//   - coldwarm: the first query on a fresh *sql.DB (for turso-pooled also
//     after its pre-warm finished: every pre-warmed connection dialed and
//     idle) against steady-state queries.
//   - episode: the 13-operation episode of the original plan (1 episode
//     insert, 3 step inserts with 2–8 KiB JSON payloads, 9 reads of which
//     several repeat), serially and with concurrent workers.
//   - zipf: read-mostly (95 % reads, 5 % updates) key-value traffic with
//     Zipf-distributed keys, for the cache. Meanwhile an external writer
//     (a plain libsql DB, like another process) updates a few rows that 5 %
//     of the reads fetch through the measured DB: the highest staleness of
//     those reads is checked against cache_max_ttl. Cells shorter than
//     cache_max_ttl (12.5 s by default) cannot approach the bound.
//   - bytes: JSON documents written then read back, for bytes on the wire.
//   - overhead: the episode at RTT 0, turso-pooled against libsql-tuned,
//     over https-h2 and wss (every transport with -full).
//   - cachemiss: at RTT 0, cache=on against cache=off on queries that never
//     hit, and the latency and client CPU of a hit.
//   - burst: idle, 64 workers, idle, 8 workers, idle (only with -full or
//     when named in -workloads).
//
// Opt-in workloads (run with -full or when named in -workloads) compare
// their own configurations:
//
//   - adaptive: turso-pooled with pool_adaptive=on (min 5, max 50) against
//     fixed pools of 5 and of at most 50 connections, over wss: a burst
//     (idle, 64 workers for -burst-secs, idle, 8 workers for half as long,
//     idle; each idle phase as long as the burst) with p95,
//     connection-seconds (TotalConns sampled every 10ms and integrated) and
//     when the target met demand; a steady load of 16 workers for
//     -steady-secs counting the target's direction changes; and an
//     overloaded server (SetMaxConcurrency(4), SetRequestDelay(5ms)): 8
//     workers for a third of -steady-secs, then 64 workers for -steady-secs,
//     once with a plain FIFO queue and once with SetContention(0.2ms), where
//     throughput falls as the server's queue grows.
//   - compression: compress=br against no compression, writing and reading
//     back 1–16 KiB JSON documents at RTT 0 and -rtt, and at -rtt behind a
//     10 Mbit/s link (bytes on the wire and latency), then the episode with
//     8 workers behind that link.
//   - replicas: the result cache in several processes on one database
//     (issue 15), each a replica process (this program started again with
//     TURSO_POOLED_BENCH_REPLICA=1, controlled like the server process over
//     stdin and stdout, killed with it). One writer updates random keys of
//     1,000 rows at 1,000 writes/s; four readers read random keys at 250
//     reads/s each, with cache=on, once with cache_bus on a redis-server the
//     run starts on a free loopback port and once without; then one process
//     runs the writes and one reader's reads (the hit-rate baseline). It
//     reports the staleness of every read (its start minus the
//     acknowledgement of the first newer version, when that came first), the
//     hit ratio and the write latency, and at RTT 0 serial writes with the
//     bus against without (what a PUBLISH adds). The replica processes and
//     Redis may use every CPU of the run: six client-side processes cannot
//     share one core. Without redis-server its targets are n/a.
//
// # Output
//
// A progress line on stderr, a summary table on stdout, and in -out
// (default benchmarks/results): results.json (every cell of every run, the
// medians over runs, ratios against both baselines, the targets and the
// machine with its load average), report.md (which states every missed
// target and why), headline.md (the README's headline table, to paste by
// hand: the program never writes README.md) and hand-drawn SVG charts.
// Exit status 2 means bad flags, 1 a failed or timed-out run or a server
// process that died.
package main
