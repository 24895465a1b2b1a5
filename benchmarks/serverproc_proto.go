package main

import (
	"time"

	"github.com/turso-pooled/tursopooled/benchmarks/wansim"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// The server process is this program started again with serverModeEnv=1:
// it runs the embedded tursotest servers and the wansim proxies, and the
// parent (the clients) controls it over its stdin and stdout with one JSON
// object per line, one request at a time. Its stderr is the parent's.
const (
	serverModeEnv = "TURSO_POOLED_BENCH_SERVER"     // "1": run as the server process
	serverCPUsEnv = "TURSO_POOLED_BENCH_SERVER_CPU" // comma list of CPUs to pin to; empty: not pinned
	parentPIDEnv  = "TURSO_POOLED_BENCH_PARENT"     // pid of the parent; the server exits if it is not its parent
)

// Operations of the control protocol.
const (
	opSetRTT       = "proxy.rtt"       // Key, D
	opSetBandwidth = "proxy.bandwidth" // Key, N (bytes/s, 0 = unlimited)
	opProbeBegin   = "probe.begin"     // Key (may be empty), Transport, N (1: sample the CPU periodically): reset the proxy's counters, start a CPU window
	opProbeEnd     = "probe.end"       // Key (may be empty), Transport: counters and the CPU window
	opServerStats  = "server.stats"    // Transport
	opFaults       = "server.faults"   // Transport, N (max concurrency), D (request delay), D2 (contention)
	opPing         = "ping"
)

// serverSetup is the first request: what to start.
type serverSetup struct {
	Token      string         `json:"token"`
	RTT        time.Duration  `json:"rtt"`
	Transports []serverSpec   `json:"transports"`
	Proxies    []proxyRequest `json:"proxies"`
}

// serverSpec is one embedded server.
type serverSpec struct {
	Name  string `json:"name"`
	HTTP2 bool   `json:"http2"`
}

// proxyRequest is one WAN proxy in front of the server of Transport.
type proxyRequest struct {
	Key       string `json:"key"` // configuration|transport
	Transport string `json:"transport"`
}

// serverReady is the answer to serverSetup.
type serverReady struct {
	PID     int                   `json:"pid"`
	Pinned  []int                 `json:"pinned,omitempty"` // CPUs the server process runs on; empty when not pinned
	PinNote string                `json:"pin_note,omitempty"`
	Servers map[string]serverAddr `json:"servers"` // by transport
	Proxies map[string]string     `json:"proxies"` // address by key
}

// serverAddr is where an embedded server listens and the CA it was signed
// with.
type serverAddr struct {
	Addr  string `json:"addr"`
	CAPEM []byte `json:"ca_pem"`
}

// ctlRequest is one control request after the setup.
type ctlRequest struct {
	Op        string        `json:"op"`
	Key       string        `json:"key,omitempty"`
	Transport string        `json:"transport,omitempty"`
	N         int64         `json:"n,omitempty"`
	D         time.Duration `json:"d,omitempty"`
	D2        time.Duration `json:"d2,omitempty"`
}

// ctlResponse answers one request (or the setup, in Ready).
type ctlResponse struct {
	Err    string           `json:"err,omitempty"`
	Ready  *serverReady     `json:"ready,omitempty"`
	Proxy  *wansim.Stats    `json:"proxy,omitempty"`
	Server *tursotest.Stats `json:"server,omitempty"`
	CPU    *cpuReport       `json:"cpu,omitempty"`
}
