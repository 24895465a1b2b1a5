package cachebus

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/cache"
	"github.com/turso-pooled/tursopooled/internal/redistest"
)

// TestBusInvalidatesOtherReplicas: each kind of invalidation published by
// one bus drops, in another bus's cache, exactly what it drops locally.
func TestBusInvalidatesOtherReplicas(t *testing.T) {
	srv := redistest.Start(t)
	a := newReplica(t, srv.URL(), "db", "")
	b := newReplica(t, srv.URL(), "db", "")
	a.waitServing(t)
	b.waitServing(t)
	tests := []struct {
		name string
		inv  Invalidation
		// survivors among: scan of t, read of t's key 1, read of t's key 2, scan of u
		want [4]bool
	}{
		{"everything", Invalidation{All: true}, [4]bool{false, false, false, false}},
		{"table t", Invalidation{Tables: []string{"T"}}, [4]bool{false, false, false, true}},
		{"key 1 of t", Invalidation{Keys: []cache.KeyedWrite{{Table: "t",
			Keyed: []cache.ColumnValues{{Column: "id", Values: []string{"1"}}}}}}, [4]bool{false, false, true, true}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks := [4]cache.Key{key(t, "t", int64(10*i)), key(t, "t", int64(10*i+1)), key(t, "t", int64(10*i+2)), key(t, "u", int64(10*i))}
			b.fill(t, ks[0], "t")
			b.fillKeyed(t, ks[1], "t", "1")
			b.fillKeyed(t, ks[2], "t", "2")
			b.fill(t, ks[3], "u")
			applied := b.bus.Stats().Applied
			a.bus.Publish(tt.inv)
			eventually(t, "b applies the message", func() bool { return b.bus.Stats().Applied > applied })
			for j, k := range ks {
				if got := b.has(k); got != tt.want[j] {
					t.Errorf("entry %d survives = %v, want %v", j, got, tt.want[j])
				}
			}
		})
	}
	if s := a.bus.Stats(); s.Own != uint64(len(tests)) || s.Published != uint64(len(tests)) {
		t.Errorf("publisher stats %+v: want %d own messages skipped and published", s, len(tests))
	}
}

// TestBusDropsForeignAndMalformed: messages of another database identity
// are ignored, garbage is counted and dropped (the cache keeps serving),
// and a message of a newer format version flushes.
func TestBusDropsForeignAndMalformed(t *testing.T) {
	srv := redistest.Start(t)
	b := newReplica(t, srv.URL(), "db", "")
	b.waitServing(t)
	k := key(t, "t", 1)
	b.fill(t, k, "t")

	other := Encode(Message{Identity: identityID("another db"), Invalidation: Invalidation{All: true}})
	rawPublish(t, srv.URL(), b.bus.Channel(), other)
	for _, garbage := range [][]byte{[]byte("garbage"), {}, []byte("tp\x01short"), []byte(`{"all":true}`)} {
		rawPublish(t, srv.URL(), b.bus.Channel(), garbage)
	}
	eventually(t, "the garbage is counted", func() bool { return b.bus.Stats().Malformed == 4 })
	if s := b.bus.Stats(); s.Foreign != 1 || s.Applied != 0 {
		t.Errorf("stats %+v: want 1 foreign, 0 applied", s)
	}
	if !b.has(k) {
		t.Fatal("a foreign or malformed message invalidated the cache")
	}
	future := Encode(Message{Identity: b.bus.identity, Invalidation: Invalidation{Tables: []string{"u"}}})
	future[2] = version + 1
	rawPublish(t, srv.URL(), b.bus.Channel(), future)
	eventually(t, "the newer version is counted", func() bool { return b.bus.Stats().FutureVersions == 1 })
	if b.has(k) {
		t.Error("a message of a newer version did not flush")
	}
}

// TestBusFallback: while Redis is down (at start and after it was killed)
// the bypass fallback serves nothing and the ttl fallback keeps serving;
// both flush when the subscription is confirmed again, and log and count
// every transition.
func TestBusFallback(t *testing.T) {
	for _, fb := range []Fallback{FallbackBypass, FallbackTTL} {
		t.Run(string(fb), func(t *testing.T) {
			srv := redistest.Start(t)
			srv.Kill()
			r := newReplica(t, srv.URL(), "db", fb)
			k := key(t, "t", 1)
			res := &cache.Result{Columns: []string{"v"}}
			stored := r.cache.Set(k, res, []string{"t"}, r.cache.Snapshot([]string{"t"}), 0)
			if stored != (fb == FallbackTTL) {
				t.Fatalf("before the first subscription, Set stored = %v", stored)
			}
			eventually(t, "the failure is logged", func() bool { return strings.Contains(r.logs.String(), "cannot subscribe") })

			srv.Restart()
			r.waitServing(t)
			if r.has(k) {
				t.Error("an entry filled before the subscription survived its confirmation")
			}
			r.fill(t, k, "t")
			srv.Kill()
			eventually(t, "the loss is seen", func() bool { return !r.bus.Stats().Subscribed })
			if got := r.has(k); got != (fb == FallbackTTL) {
				t.Errorf("with Redis down, hit = %v", got)
			}
			srv.Restart()
			r.waitServing(t)
			if r.has(k) {
				t.Error("an entry filled before the reconnect survived it")
			}
			s := r.bus.Stats()
			if s.Subscribes != 2 || s.SubscriptionsLost != 1 {
				t.Errorf("stats %+v: want 2 subscribes, 1 loss", s)
			}
			for _, msg := range []string{"level=WARN msg=\"turso-pooled: cache bus: subscribed", "subscription lost"} {
				if !strings.Contains(r.logs.String(), msg) {
					t.Errorf("logs lack %q:\n%s", msg, r.logs.String())
				}
			}
		})
	}
}

// TestBusLeaseOnStalledRedis: a subscription whose server stops answering
// (SIGSTOP) stops the bypass cache from serving within about a lease, and
// serves again, entries intact, when the server answers again without the
// connection having broken.
func TestBusLeaseOnStalledRedis(t *testing.T) {
	srv := redistest.Start(t)
	r := newReplica(t, srv.URL(), "db", "")
	r.waitServing(t)
	k := key(t, "t", 1)
	r.fill(t, k, "t")
	srv.Signal(syscall.SIGSTOP)
	stopped := time.Now()
	eventually(t, "the lease lapses", func() bool { return !r.has(k) })
	lapse := time.Since(stopped)
	srv.Signal(syscall.SIGCONT)
	if lapse < leaseFor-pingEvery {
		t.Errorf("the cache stopped serving %v after Redis stalled, before the lease could lapse", lapse)
	}
	eventually(t, "the cache serves the entry again", func() bool { return r.has(k) })
	if s := r.bus.Stats(); s.SubscriptionsLost != 0 {
		t.Errorf("stats %+v: a stall shorter than %v dropped the subscription", s, deadAfter)
	}
}

// TestBusPublishWhileRedisDown: a write's publish does not wait once
// publishing fails; the queued invalidation reaches the other replica
// when Redis is back.
func TestBusPublishWhileRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	a := newReplica(t, srv.URL(), "db", FallbackTTL)
	b := newReplica(t, srv.URL(), "db", FallbackTTL)
	a.waitServing(t)
	b.waitServing(t)
	srv.Kill()
	a.bus.Publish(Invalidation{Tables: []string{"t"}})
	start := time.Now()
	for range 100 {
		a.bus.Publish(Invalidation{Tables: []string{"t"}})
	}
	if d := time.Since(start); d > publishTimeout {
		t.Errorf("100 publishes with Redis down took %v", d)
	}
	if !a.bus.Stats().PublishFailing || !strings.Contains(a.logs.String(), "publishing fails") {
		t.Errorf("the failure is not reported: %+v", a.bus.Stats())
	}
	srv.Restart()
	b.waitServing(t)
	eventually(t, "the queue drains", func() bool { return !a.bus.Stats().PublishFailing })
	if s := a.bus.Stats(); s.PublishRetried == 0 || !strings.Contains(a.logs.String(), "publishing recovered") {
		t.Errorf("stats %+v: want retried messages and a recovery logged", s)
	}
}

// TestNewRejectsMalformedURL: a malformed URL fails New with an error that
// names the problem and not the password.
func TestNewRejectsMalformedURL(t *testing.T) {
	c, err := cache.New(cache.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, u := range []string{"redis://u:hunter2@h", "http://u:hunter2@h:1", "redis://u:hunter2@h:1/db", "redis://u:hunter2@h:1?x=1", "::"} {
		_, err := New(Config{URL: u, Target: c})
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("New(%q) error = %v", u, err)
		}
	}
}
