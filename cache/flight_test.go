package cache

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestCoalescingOff(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	k := mustKey(t, "SELECT 1")
	for range 2 {
		if f, leader := c.Join(k, nil); f != nil || !leader {
			t.Fatal("Join coalesced before EnableCoalescing")
		}
	}
}

func TestCoalescing(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	c.EnableCoalescing()
	k := mustKey(t, "SELECT v FROM t")
	lead, leader := c.Join(k, nil)
	if !leader {
		t.Fatal("first Join is not the leader")
	}
	const waiters = 8
	var wg sync.WaitGroup
	got := make(chan *Result, waiters)
	for range waiters {
		f, leader := c.Join(k, nil)
		if leader || f != lead {
			t.Fatal("an identical miss became a leader")
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, ok := c.Await(context.Background(), f); ok {
				got <- r
			}
		}()
	}
	snap := c.Snapshot([]string{"t"})
	r := smallResult("v")
	c.Set(k, r, []string{"t"}, snap, 0)
	c.Finish(lead, r, snap)
	c.Finish(lead, nil, Snapshot{}) // harmless
	wg.Wait()
	close(got)
	n := 0
	for g := range got {
		if g != r {
			t.Fatal("a waiter got another result")
		}
		n++
	}
	if n != waiters || c.Stats().Coalesced != waiters {
		t.Fatalf("%d waiters served, Coalesced %d; want %d", n, c.Stats().Coalesced, waiters)
	}
	if _, ok := c.Get(k); !ok {
		t.Fatal("the leader's entry is not visible after Finish")
	}
	if _, leader := c.Join(k, nil); !leader {
		t.Fatal("a finished flight was joined")
	}
}

func TestCoalescingLeaderFails(t *testing.T) {
	tests := []struct {
		name string
		end  func(c *Cache, f *Flight, cancel context.CancelFunc)
	}{
		{"no result", func(c *Cache, f *Flight, _ context.CancelFunc) { c.Finish(f, nil, Snapshot{}) }},
		{"leader's context ends", func(_ *Cache, _ *Flight, cancel context.CancelFunc) { cancel() }},
		{"stale result", func(c *Cache, f *Flight, _ context.CancelFunc) {
			snap := c.Snapshot([]string{"t"})
			c.Invalidate([]string{"t"})
			c.Finish(f, smallResult("old"), snap)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCache(t, Config{})
			c.EnableCoalescing()
			k := mustKey(t, "SELECT v FROM t")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			lead, _ := c.Join(k, ctx.Done())
			f, leader := c.Join(k, nil)
			if leader {
				t.Fatal("second Join led")
			}
			done := make(chan bool)
			go func() {
				_, ok := c.Await(context.Background(), f)
				done <- ok
			}()
			tt.end(c, lead, cancel)
			select {
			case ok := <-done:
				if ok {
					t.Fatal("a waiter took a failed leader's result")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the waiter still waits for a failed leader")
			}
			if f, leader := c.Join(k, nil); !leader {
				t.Fatal("the failed flight is joined again")
			} else {
				c.Finish(f, nil, Snapshot{})
			}
		})
	}
}

func TestAwaitOwnContext(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	c.EnableCoalescing()
	k := mustKey(t, "SELECT 1")
	lead, _ := c.Join(k, nil)
	defer c.Finish(lead, nil, Snapshot{})
	f, _ := c.Join(k, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := c.Await(ctx, f); ok {
		t.Fatal("Await returned a result with its context cancelled")
	}
}
