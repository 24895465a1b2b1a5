package pool_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/turso-pooled/tursopooled/pool"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is a manually advanced clock for Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeDB hands out int "connections" numbered from 1 and counts them. fail,
// if set, decides whether the n-th dial (1-based) fails; dead marks values
// whose ping fails.
type fakeDB struct {
	dials     atomic.Int64
	made      atomic.Int64
	destroyed atomic.Int64
	alive     atomic.Int64
	maxAlive  atomic.Int64
	pings     atomic.Int64

	mu            sync.Mutex
	fail          func(n int64, ctx context.Context) error
	dead          map[int]bool
	destructDelay time.Duration // how long a destructor takes
}

func (f *fakeDB) construct(ctx context.Context) (int, error) {
	n := f.dials.Add(1)
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail != nil {
		if err := fail(n, ctx); err != nil {
			return 0, err
		}
	}
	f.made.Add(1)
	alive := f.alive.Add(1)
	for {
		m := f.maxAlive.Load()
		if alive <= m || f.maxAlive.CompareAndSwap(m, alive) {
			break
		}
	}
	return int(n), nil
}

func (f *fakeDB) destruct(int) {
	f.mu.Lock()
	delay := f.destructDelay
	f.mu.Unlock()
	time.Sleep(delay)
	f.alive.Add(-1)
	f.destroyed.Add(1)
}

func (f *fakeDB) ping(_ context.Context, v int) error {
	f.pings.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead[v] {
		return errors.New("stream expired")
	}
	return nil
}

func (f *fakeDB) setFail(fn func(n int64, ctx context.Context) error) {
	f.mu.Lock()
	f.fail = fn
	f.mu.Unlock()
}

func (f *fakeDB) kill(v int) {
	f.mu.Lock()
	if f.dead == nil {
		f.dead = map[int]bool{}
	}
	f.dead[v] = true
	f.mu.Unlock()
}

// config returns a quiet config over db: no pre-warm, background periods
// long enough that only the test drives maintenance.
func (f *fakeDB) config() pool.Config[int] {
	return pool.Config[int]{
		Constructor:       f.construct,
		Destructor:        f.destruct,
		Ping:              f.ping,
		MaxConns:          4,
		HealthCheckPeriod: time.Hour,
	}
}

// newPool builds a pool and closes it at the end of the test.
func newPool(t testing.TB, cfg pool.Config[int]) *pool.Pool[int] {
	t.Helper()
	p, err := pool.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// ctxT returns a context bounded by 30 s (tests never wait that long).
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustAcquire acquires or fails the test.
func mustAcquire(t testing.TB, p *pool.Pool[int]) *pool.Conn[int] {
	t.Helper()
	c, err := p.Acquire(ctxT(t))
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	return c
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
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
