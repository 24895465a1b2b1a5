package main

import "fmt"

// limitNote explains the limit columns of the episode tables.
var limitNote = fmt.Sprintf("limit: the statements that must reach the server × RTT. Of the episode's %d statements, the %d inserts and "+
	"the first read of the episode's row and of its steps (just written: no cache holds them) always do: %d round trips with 1 worker. "+
	"With more workers the others' inserts into the same tables invalidate the cached results of the second reads of the row and "+
	"the steps as well: %d. The 5 config reads are served by a cache (nothing writes those rows). "+
	"to server/episode: statements that did reach the server (operations minus cache hits). "+
	"HTTP req/episode: HTTP requests the server received (the upstream driver closes its server stream after every statement).",
	episodeOps, episodeWrites, episodeRoundTrips(1), episodeRoundTrips(2))

// cpuNote explains the CPU and allocation table.
var cpuNote = fmt.Sprintf("client CPU: user + system time of the client process (getrusage) during the cell ÷ its operations "+
	"(statements; point reads for zipf and cachemiss; a write or read of a document for bytes). It counts everything in that process: "+
	"database/sql, the driver, TLS, the kernel's loopback TCP path, the benchmark's own workers and, for zipf, the external writer. "+
	"allocs/op and KiB alloc/op: heap allocations of the client process (runtime/metrics). server CPU: the server process "+
	"(tursotest servers with SQLite and TLS, and the WAN proxies) ÷ the same operations. own / core busy: the process's CPU ÷ the "+
	"time of the cores it is pinned to, and those cores' busy share with every process counted (/proc/stat; other processes on a "+
	"shared machine count there), sampled every %v. CPU-bound: the side whose cores were at least %.0f %% busy, or whose own use "+
	"reached that.", cpuSampleEvery, 100*boundUtil)
