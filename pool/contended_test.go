package pool_test

import (
	"testing"

	"github.com/turso-pooled/tursopooled/pool"
)

// TestContended: Contended is true exactly while a caller is queued.
func TestContended(t *testing.T) {
	db := &fakeDB{}
	cfg := db.config()
	cfg.MinConns, cfg.MaxConns = 0, 1
	p := newPool(t, cfg)
	c := mustAcquire(t, p)
	if p.Contended() {
		t.Fatal("Contended with nobody waiting")
	}
	got := make(chan *pool.Conn[int])
	go func() {
		c2, err := p.Acquire(ctxT(t))
		if err != nil {
			t.Error(err)
		}
		got <- c2
	}()
	waitFor(t, "a queued caller", p.Contended)
	c.Release()
	c2 := <-got
	if p.Contended() {
		t.Fatal("still Contended after the waiter was served")
	}
	c2.Release()
}
