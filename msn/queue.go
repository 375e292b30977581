package msn

import (
	"sync"
	"time"
)

// maxEventBacklog is how many events may wait behind a full Events
// channel: enough for the login of a list of 10,000 contacts, all online
// and all asking for authorization, with nobody reading the channel yet.
const maxEventBacklog = 25000

// eventQueue delivers events in order on a channel without ever blocking
// the goroutine that produces them. An event goes straight into the channel
// when it has room and nothing waits before it; otherwise events wait in a
// slice and a pump goroutine, started on demand and gone once the slice is
// empty, feeds them to the consumer. Nothing is dropped while the client
// runs, unless limit events already wait: the queue then overflows, keeps
// only the final Disconnected from then on, and the client ends its
// connection (Client.endIfOverflowed).
type eventQueue struct {
	out chan Event

	mu         sync.Mutex
	items      []Event
	limit      int  // most events waiting in items
	overflowed bool // an event was dropped: only Disconnected is taken now
	closed     bool
	pumping    bool // a pump goroutine is running; it owns out's closing then
	ended      bool // out is closed

	abandon chan struct{} // stop delivering (Close gave up waiting for the consumer)
	done    chan struct{} // out is closed: everything was delivered or abandoned
	once    sync.Once
}

func newEventQueue(capacity int) *eventQueue {
	return &eventQueue{
		out:     make(chan Event, capacity),
		limit:   maxEventBacklog,
		abandon: make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// push queues e; after close it is dropped.
func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if _, last := e.(Disconnected); !last && (q.overflowed || len(q.items) >= q.limit) {
		q.overflowed = true
		return
	}
	if !q.pumping {
		select {
		case q.out <- e:
			return
		default:
		}
		q.pumping = true
		go q.pump()
	}
	q.items = append(q.items, e)
}

// isOverflowed reports whether the queue has dropped an event.
func (q *eventQueue) isOverflowed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.overflowed
}

// close ends the queue: the events already queued are still delivered,
// then the channel is closed.
func (q *eventQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	if !q.pumping {
		q.endLocked()
	}
}

// endLocked closes out once.
func (q *eventQueue) endLocked() {
	if !q.ended {
		q.ended = true
		close(q.out)
		close(q.done)
	}
}

// pump feeds the waiting events to the consumer until none is left.
func (q *eventQueue) pump() {
	for {
		q.mu.Lock()
		if len(q.items) == 0 {
			q.pumping = false
			if q.closed {
				q.endLocked()
			}
			q.mu.Unlock()
			return
		}
		e := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		if len(q.items) == 0 {
			q.items = nil // let the backing array go
		}
		q.mu.Unlock()
		select {
		case q.out <- e:
		case <-q.abandon:
			q.mu.Lock()
			q.items = nil
			q.pumping = false
			q.endLocked()
			q.mu.Unlock()
			return
		}
	}
}

// finish closes the queue and waits for the pump to deliver what is left.
// If the consumer takes nothing for grace, the rest is dropped so that no
// goroutine is left behind.
func (q *eventQueue) finish(grace time.Duration) {
	q.close()
	t := time.NewTimer(grace)
	defer t.Stop()
	for {
		q.mu.Lock()
		n := len(q.items)
		q.mu.Unlock()
		select {
		case <-q.done:
			return
		case <-t.C:
			q.mu.Lock()
			progressed := len(q.items) < n
			q.mu.Unlock()
			if progressed {
				t.Reset(grace)
				continue
			}
			q.once.Do(func() { close(q.abandon) })
			<-q.done
			return
		}
	}
}

// abandonNow drops whatever is queued and ends the pump.
func (q *eventQueue) abandonNow() {
	q.close()
	q.once.Do(func() { close(q.abandon) })
	<-q.done
}
