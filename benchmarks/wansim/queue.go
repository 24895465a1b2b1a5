package wansim

import (
	"sync"
	"time"
)

// queueBudget is how many bytes (plus chunkOverhead per chunk) one direction
// may hold in flight before its reader stops reading.
const queueBudget = 4 << 20

// chunkOverhead is the budget charged per queued chunk on top of its bytes,
// so that floods of tiny chunks are bounded too.
const chunkOverhead = 64

// chunk is one read from the sending side, or the end of the stream.
type chunk struct {
	data    []byte
	release time.Time
	// end is nil for data, io.EOF for a FIN to forward, and any other error
	// for a failed read after which the connection is torn down.
	end error
}

// cost is the budget a chunk occupies while queued.
func (c chunk) cost() int { return len(c.data) + chunkOverhead }

// queue is a FIFO of chunks bounded by a byte budget, with one producer
// (the reader) and one consumer (the writer). Both block until there is
// room or an item, or until done is closed. Safe for concurrent use.
type queue struct {
	mu    sync.Mutex
	items []chunk
	head  int
	bytes int

	itemReady  chan struct{} // signalled after a push
	spaceReady chan struct{} // signalled after a pop
	done       <-chan struct{}
}

// newQueue returns an empty queue whose waits end when done is closed.
func newQueue(done <-chan struct{}) *queue {
	return &queue{
		itemReady:  make(chan struct{}, 1),
		spaceReady: make(chan struct{}, 1),
		done:       done,
	}
}

// push appends c, waiting while the budget is exhausted. A chunk larger than
// the whole budget is accepted into an empty queue. It returns false if done
// was closed first.
func (q *queue) push(c chunk) bool {
	for {
		q.mu.Lock()
		if q.len() == 0 || q.bytes+c.cost() <= queueBudget {
			q.items = append(q.items, c)
			q.bytes += c.cost()
			q.mu.Unlock()
			signal(q.itemReady)
			return true
		}
		q.mu.Unlock()
		select {
		case <-q.spaceReady:
		case <-q.done:
			return false
		}
	}
}

// pop removes and returns the oldest chunk, waiting while the queue is
// empty. It returns false if done was closed first.
func (q *queue) pop() (chunk, bool) {
	for {
		q.mu.Lock()
		if q.len() > 0 {
			c := q.items[q.head]
			q.items[q.head] = chunk{}
			q.head++
			q.compact()
			q.bytes -= c.cost()
			q.mu.Unlock()
			signal(q.spaceReady)
			return c, true
		}
		q.mu.Unlock()
		select {
		case <-q.itemReady:
		case <-q.done:
			return chunk{}, false
		}
	}
}

// compact reclaims the consumed prefix of q.items so that a queue that is
// never empty does not grow without bound. Callers must hold q.mu.
func (q *queue) compact() {
	switch {
	case q.head == len(q.items):
		q.items, q.head = q.items[:0], 0
	case q.head >= 64 && 2*q.head >= len(q.items):
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}

// len is the number of queued chunks. Callers must hold q.mu.
func (q *queue) len() int { return len(q.items) - q.head }

// signal wakes a waiter on ch without blocking; one pending signal is kept.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
