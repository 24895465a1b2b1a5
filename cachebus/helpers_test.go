package cachebus

import (
	"bytes"
	"context"
	"database/sql/driver"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/turso-pooled/tursopooled/cache"
)

// syncBuffer is a bytes.Buffer safe for the bus's goroutines to log into.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// replica is one bus over one real cache, as a process has them.
type replica struct {
	bus   *Bus
	cache *cache.Cache
	logs  *syncBuffer
}

// newReplica starts a bus on url for the database identity, over a new
// cache; both are closed when the test ends.
func newReplica(t *testing.T, url, identity string, fallback Fallback) *replica {
	t.Helper()
	c, err := cache.New(cache.Config{TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	b, err := New(Config{URL: url, Identity: identity, Fallback: fallback, Target: c,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		c.Close()
	})
	return &replica{bus: b, cache: c, logs: logs}
}

// key is the cache key of a read of row id of table t.
func key(t testing.TB, table string, id int64) cache.Key {
	t.Helper()
	k, ok := cache.MakeKey("db", "SELECT v FROM "+table+" WHERE id = ?", []driver.NamedValue{{Ordinal: 1, Value: id}})
	if !ok {
		t.Fatal("MakeKey")
	}
	return k
}

// fill caches a result for the table-level read k of table.
func (r *replica) fill(t *testing.T, k cache.Key, table string) {
	t.Helper()
	res := &cache.Result{Columns: []string{"v"}, Rows: [][]driver.Value{{"x"}}}
	if !r.cache.Set(k, res, []string{table}, r.cache.Snapshot([]string{table}), 0) {
		t.Fatal("Set refused")
	}
}

// fillKeyed caches a result for a read of table keyed by id = value.
func (r *replica) fillKeyed(t *testing.T, k cache.Key, table, value string) {
	t.Helper()
	res := &cache.Result{Columns: []string{"v"}, Rows: [][]driver.Value{{"x"}}}
	if !r.cache.Set(k, res, []string{table}, r.cache.SnapshotKey(table, "id", []string{value}), 0) {
		t.Fatal("Set refused")
	}
}

func (r *replica) has(k cache.Key) bool {
	_, ok := r.cache.Get(k)
	return ok
}

// waitServing waits until the replica's subscription is confirmed and its
// cache serves (the first ping answered).
func (r *replica) waitServing(t *testing.T) {
	t.Helper()
	eventually(t, "the bus subscribes and the cache serves", func() bool {
		if !r.bus.Stats().Subscribed {
			return false
		}
		probe := key(t, "probe", time.Now().UnixNano())
		res := &cache.Result{Columns: []string{"v"}}
		return r.cache.Set(probe, res, nil, r.cache.Snapshot(nil), 0)
	})
}

// eventually polls cond every 5 ms for up to 20 s (the race detector on
// two shared cores is slow); the promise under test is far shorter.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawPublish publishes payload on channel with a plain client.
func rawPublish(t *testing.T, url, channel string, payload []byte) {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opts.Protocol = 2
	c := redis.NewClient(opts)
	defer c.Close()
	if err := c.Publish(context.Background(), channel, payload).Err(); err != nil {
		t.Fatal(err)
	}
}
