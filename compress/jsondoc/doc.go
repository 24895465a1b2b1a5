// Package jsondoc generates realistic JSON documents for tests and
// benchmarks of value compression: nested objects, arrays of objects with
// repeated keys, English text drawn from a built-in vocabulary of about 300
// common words, numbers, RFC 3339 timestamps and prefixed ids — the shape of
// the application records (episodes, events, metadata) a storage layer keeps
// in TEXT columns.
//
// [Generate] is deterministic for a given random source state, so a seed
// reproduces a document exactly. It has no dependencies beyond the standard
// library and no global state; it is safe for concurrent use with distinct
// random sources.
package jsondoc
