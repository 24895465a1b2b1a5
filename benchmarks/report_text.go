package main

import "fmt"

// limitNote explains the limit columns of the episode tables.
var limitNote = fmt.Sprintf("limit: the statements that must reach the server × RTT. Of the episode's %d statements, the %d inserts and "+
	"the first read of the episode's row and of its steps (just written: no cache holds them) do: %d round trips, with any number "+
	"of workers. The second reads of the row (by id) and of the steps (by episode_id) can be cache hits: the cache drops a result "+
	"by key when both the read and the write name their rows by a column's values, and the other workers' inserts name other ids. "+
	"The 5 config reads are cache hits too (nothing writes those rows). "+
	"to server/episode: statements that did reach the server (operations minus cache hits). "+
	"HTTP req/episode: HTTP requests the server received (the upstream driver closes its server stream after every statement).",
	episodeOps, episodeWrites, episodeRoundTrips())

// cpuNote explains the CPU and allocation table.
var cpuNote = fmt.Sprintf("client CPU: user + system time of the client process (getrusage) during the cell ÷ its operations "+
	"(statements; point reads for zipf and cachemiss; a write or read of a document for bytes). It counts everything in that process: "+
	"database/sql, the driver, TLS, the kernel's loopback TCP path, the benchmark's own workers and, for zipf, the external writer. "+
	"allocs/op and KiB alloc/op: heap allocations of the client process (runtime/metrics). server CPU: the server process "+
	"(tursotest servers with SQLite and TLS, and the WAN proxies) ÷ the same operations. own / core busy: the process's CPU ÷ the "+
	"time of the cores it is pinned to (mean over the cell; its CPU time is also sampled every %v for the p90 in results.json), and "+
	"those cores' busy share with every process counted (/proc/stat at both ends of the cell; other processes on a shared machine "+
	"count there). CPU-bound: the side whose cores were at least %.0f %% busy, or whose own use "+
	"reached that; \"(cores shared)\": busy, but mostly with other processes. With 1 worker a process idles between round trips "+
	"and every wake-up from idle costs CPU of its own (on this project's VMs about 0.1 ms): compare CPU per operation under load.",
	cpuSampleEvery, 100*boundUtil)
