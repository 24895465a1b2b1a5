// Package faults is turso-pooled's fault-injection suite. It holds only
// tests: under concurrent load (a read/write mix from many goroutines, each
// call under its own deadline) it breaks the path between the driver and an
// in-process tursotest server — through a wansim WAN simulator — in the ways
// a production link breaks, for each transport (http, ws and https over
// HTTP/2):
//
//   - the server restarts mid-load (tursotest.Server.Restart);
//   - every connection is dropped, by the server
//     (tursotest.Server.DropConnections) or by the network (wansim
//     Proxy.DropAll);
//   - the server expires every stream (tursotest.Server.ExpireStreams);
//   - the round-trip time jumps from 20 ms to 500 ms for 2 s;
//   - the server refuses new connections for 5 s (2 s with -short) after
//     dropping the open ones;
//   - the server answers 503 then 429 to every request for 1.5 s.
//
// For each scenario the suite checks that every write the caller saw succeed
// is stored exactly once and no write is stored twice (verified afterwards
// through a fresh plain libsql connection, on a table without a unique
// constraint so that a double apply is visible), that every call returned
// within its deadline plus 500 ms, that every error reaching the caller is
// clear and never contains the auth token, that reads are retried
// transparently where the driver can hide the fault, and that the pool is
// healthy again within one health-check period (plus slack) after the fault
// ends. It also tests the circuit breaker under load and pool saturation,
// and compares turso-pooled with plain libsql after a restart and after 3 s
// of refused connections (16 workers on 2 s deadlines, WebSocket and HTTP):
// the time from the server answering again to the first successful call,
// and the number of failed calls.
//
// Run it with
//
//	go test -race -count=1 ./tests/faults/
//	FAULTS_SUMMARY=faults.txt go test -count=1 -v ./tests/faults/
//	go test -count=1 -v -run Recovery ./tests/faults/ # the comparison with libsql
//
// The summary table (scenario, transport, operations, succeeded, failed,
// lost, duplicated, maximum call duration, recovery time) is logged by the
// tests and, when the FAULTS_SUMMARY environment variable names a file,
// written there.
package faults
