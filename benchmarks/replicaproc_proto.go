package main

// A replica process is this program started again with replicaModeEnv=1:
// one client process of the replicas workload with its own *sql.DB and
// result cache. The parent speaks to it over its stdin and stdout, one
// JSON object per line: replicaSpec, then (after the answer
// replicaAnswer.Ready) replicaGo, then the answer replicaAnswer.Result;
// the process then exits. It exits too when its stdin ends early.
const (
	replicaModeEnv = "TURSO_POOLED_BENCH_REPLICA" // "1": run as a replica process
)

// Roles of a replica process.
const (
	roleWriter = "writer" // writes keys at Rate, logs every acknowledgement
	roleReader = "reader" // reads random keys at Rate, logs what each read returned
	roleSingle = "single" // both in one process, on one DB (the hit-rate baseline)
)

// replicaSpec is the first request: what the replica is and where it
// connects. DSN holds the auth token: never print it.
type replicaSpec struct {
	Role         string   `json:"role"`
	DSN          string   `json:"dsn"`
	Table        string   `json:"table"` // (k INTEGER PRIMARY KEY, v INTEGER NOT NULL), keys 0..Keys-1
	Keys         int      `json:"keys"`
	Rate         float64  `json:"rate"`          // reads per second (reader, single)
	Workers      int      `json:"workers"`       // reading goroutines
	WriteRate    float64  `json:"write_rate"`    // writes per second (writer, single)
	WriteWorkers int      `json:"write_workers"` // writing goroutines
	Seed         uint64   `json:"seed"`
	CAPEM        [][]byte `json:"ca_pem,omitempty"` // CAs of the embedded servers, to trust
}

// replicaGo starts the measurement: the load runs from Start (Unix ns)
// for Warmup then Measure; only what happens after the warm-up is kept,
// except the writer's acknowledgements, which it logs from Start (a read
// may return a version written during the warm-up).
type replicaGo struct {
	Start   int64 `json:"start"`
	Warmup  int64 `json:"warmup"`
	Measure int64 `json:"measure"`
}

// replicaAnswer is every answer of a replica process.
type replicaAnswer struct {
	Err    string         `json:"err,omitempty"`
	Ready  bool           `json:"ready,omitempty"`
	Result *replicaResult `json:"result,omitempty"`
}

// replicaResult is what one replica measured. Times are Unix ns, from the
// same clock in every process of the machine.
type replicaResult struct {
	Acks      [][3]int64 `json:"acks,omitempty"`      // writes: key, version, acknowledgement time
	WriteNs   []int64    `json:"write_ns,omitempty"`  // latency of each write after the warm-up
	Reads     [][3]int64 `json:"reads,omitempty"`     // reads after the warm-up: key, version returned, start time
	Errors    int64      `json:"errors"`              // failed operations after the warm-up
	FirstErr  string     `json:"first_err,omitempty"` // the first of them
	Hits      uint64     `json:"hits"`                // cache hits after the warm-up
	Misses    uint64     `json:"misses"`              // cache misses after the warm-up
	Applied   uint64     `json:"applied"`             // remote invalidations applied after the warm-up
	Flushes   uint64     `json:"flushes"`             // cache flushes by the bus after the warm-up
	Seconds   float64    `json:"seconds"`             // measuring time
	BusOn     bool       `json:"bus_on"`
	BusUpAtGo bool       `json:"bus_up"` // the subscription was confirmed when the load started
}
