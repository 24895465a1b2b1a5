package main

import "fmt"

// replicaTables builds the tables of the replicas workload.
func replicaTables(ss []Summary) []table {
	shareCol := func(head, key string) column {
		return column{head, func(s Summary) string { return share(s.Median.get(key)) }}
	}
	return []table{{
		title: fmt.Sprintf("Cache across replicas: 1 writer process, %d reader processes, cache=on", replicaReaders),
		note: fmt.Sprintf("The writer updates random keys of %d rows at %.0f writes/s; each reader reads random keys at %.0f reads/s; "+
			"every process has its own *sql.DB and cache, all on one database through the WAN proxy (RTT as above); Redis on loopback; these processes may use both CPUs. "+
			"bus: cache_bus on; no-bus: without; single: the writes and one reader's reads in one process, at the rates the bus scenario reached (the hit-rate baseline). "+
			"A read is stale by (its start) − (acknowledgement of the first version newer than the one it returned), when that "+
			"came before it started; percentiles over every read of every reader. stale max: median over runs; worst: highest run.",
			replicaKeys, replicaWriteRate, replicaReadRate),
		cols: []column{colTransport, colVariant, colConfig, column{"readers", func(s Summary) string { return fmt.Sprint(s.Workers) }},
			metricCol("writes/s", "writes_per_s", 0), metricCol("reads/s/reader", "reads_per_s", 0), shareCol("stale reads", "stale_share"),
			metricCol("stale p99 ms", "stale_p99_ms", 2), metricCol("stale p99.9 ms", "stale_p999_ms", 1),
			metricCol("stale max ms", "stale_max_ms", 1), worstCol("worst max ms", "stale_max_ms", 1),
			percentCol("cache hits", "cache_hit_ratio"), metricCol("write p50 ms", "write_p50_ms", 2),
			metricCol("write p95 ms", "write_p95_ms", 2), metricCol("bus applied", "bus_applied", 0), colErrors},
		rows: variantRows(ss, wlReplicas, varBus, varNoBus, varSingle),
	}, {
		title: "Cache bus write cost at RTT 0 (serial UPDATEs, alternating between both DBs)",
		note:  "Both DBs cache=on; pooled+cache+bus publishes every invalidation to Redis (loopback) before the write returns.",
		cols: []column{colTransport, colConfig, metricCol("p50 µs", "p50_us", 1), metricCol("p95 µs", "p95_us", 1),
			metricCol("p99 µs", "p99_us", 1), metricCol("writes", "units", 0), vsCol("p50 vs no bus", "p50_ms", cfgCache, ss), colErrors},
		rows: variantRows(ss, wlReplicas, varWriteCost),
	}}
}
