package cachebus

import (
	"runtime"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/cache"
	"github.com/turso-pooled/tursopooled/internal/redistest"
)

// keyedInvalidation is what an UPDATE … WHERE id = ? publishes.
var keyedInvalidation = Invalidation{Keys: []cache.KeyedWrite{{Table: "users",
	Keyed: []cache.ColumnValues{{Column: "id", Values: []string{"i42"}}}, Unkeyed: []string{"name", "email"}}}}

// BenchmarkPublish measures what the bus adds to a write: one Publish,
// returning once Redis accepted the message, with one other replica
// subscribed (RTT 0: a local redis-server).
func BenchmarkPublish(b *testing.B) {
	srv := redistest.Start(b)
	a := newBenchReplica(b, srv.URL())
	sub := newBenchReplica(b, srv.URL())
	waitSubscribed(b, a, sub)
	b.ReportAllocs()
	for b.Loop() {
		a.bus.Publish(keyedInvalidation)
	}
	if s := a.bus.Stats(); s.PublishErrors > 0 {
		b.Fatalf("publish errors: %+v", s)
	}
}

// BenchmarkDelivery measures a message's trip from one replica's Publish
// until another replica applied it (RTT 0).
func BenchmarkDelivery(b *testing.B) {
	srv := redistest.Start(b)
	a := newBenchReplica(b, srv.URL())
	sub := newBenchReplica(b, srv.URL())
	waitSubscribed(b, a, sub)
	for b.Loop() {
		before := sub.bus.ctr.applied.Load()
		a.bus.Publish(keyedInvalidation)
		for sub.bus.ctr.applied.Load() == before {
			runtime.Gosched()
		}
	}
}

func newBenchReplica(b *testing.B, url string) *replica {
	c, err := cache.New(cache.Config{})
	if err != nil {
		b.Fatal(err)
	}
	bus, err := New(Config{URL: url, Identity: "bench", Target: c})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = bus.Close(); c.Close() })
	return &replica{bus: bus, cache: c}
}

func waitSubscribed(b *testing.B, rs ...*replica) {
	for _, r := range rs {
		for !r.bus.Stats().Subscribed {
			time.Sleep(time.Millisecond)
		}
	}
}
