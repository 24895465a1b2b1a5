package wansim

import (
	"testing"
	"time"
)

func TestQueueFIFO(t *testing.T) {
	q := newQueue(make(chan struct{}))
	next := 0 // value expected from the next pop
	popCheck := func() {
		t.Helper()
		c, ok := q.pop()
		if !ok || int(c.data[0]) != next%256 {
			t.Fatalf("pop = %v, %v; want %d", c.data, ok, next%256)
		}
		next++
	}
	for i := range 1000 { // interleaved pops keep the queue non-empty: exercises compaction
		if !q.push(chunk{data: []byte{byte(i)}}) {
			t.Fatalf("push %d refused", i)
		}
		if i%3 == 0 {
			popCheck()
		}
	}
	if n := q.len(); n != 1000-next || cap(q.items) > 4*n {
		t.Fatalf("queue holds %d chunks in a slice of cap %d; want %d and compaction", n, cap(q.items), 1000-next)
	}
	for next < 1000 {
		popCheck()
	}
	if q.len() != 0 || q.bytes != 0 {
		t.Fatalf("after draining: len %d, bytes %d; want 0, 0", q.len(), q.bytes)
	}
}

func TestQueueBackpressure(t *testing.T) {
	q := newQueue(make(chan struct{}))
	big := chunk{data: make([]byte, queueBudget)} // larger than the budget with overhead
	if !q.push(big) {
		t.Fatal("oversized chunk refused by an empty queue")
	}
	pushed := make(chan bool)
	go func() { pushed <- q.push(chunk{data: []byte("x")}) }()
	select {
	case <-pushed:
		t.Fatal("push over budget did not block")
	default:
	}
	if c, ok := q.pop(); !ok || len(c.data) != queueBudget {
		t.Fatalf("pop = %d bytes, %v", len(c.data), ok)
	}
	select {
	case ok := <-pushed:
		if !ok {
			t.Fatal("blocked push returned false after space freed")
		}
	case <-time.After(ioTimeout):
		t.Fatal("push still blocked after pop")
	}
}

func TestQueueDoneUnblocks(t *testing.T) {
	done := make(chan struct{})
	q := newQueue(done)
	q.push(chunk{data: make([]byte, queueBudget)})
	results := make(chan bool, 2)
	go func() { results <- q.push(chunk{data: []byte("x")}) }()
	empty := newQueue(done)
	go func() { _, ok := empty.pop(); results <- ok }()
	close(done)
	for range 2 {
		select {
		case ok := <-results:
			if ok {
				t.Fatal("wait ended by done reported success")
			}
		case <-time.After(ioTimeout):
			t.Fatal("wait not ended by done")
		}
	}
}
