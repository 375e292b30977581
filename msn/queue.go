package msn

import (
	"sync"
	"time"
)

// eventQueue delivers events in order on a channel without ever blocking
// the goroutine that produces them. An event goes straight into the channel
// when it has room and nothing waits before it; otherwise events wait in a
// slice and a pump goroutine, started on demand and gone once the slice is
// empty, feeds them to the consumer. It is unbounded by design (events are
// small and the consumer reads continuously); nothing is dropped while the
// client runs.
type eventQueue struct {
	out chan Event

	mu      sync.Mutex
	items   []Event
	closed  bool
	pumping bool // a pump goroutine is running; it owns out's closing then
	ended   bool // out is closed

	notify func() // Config.EventsReady; called after an event is put in out, and after out is closed

	abandon chan struct{} // stop delivering (Close gave up waiting for the consumer)
	done    chan struct{} // out is closed: everything was delivered or abandoned
	once    sync.Once
}

func newEventQueue(capacity int, notify func()) *eventQueue {
	return &eventQueue{
		out:     make(chan Event, capacity),
		notify:  notify,
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
	if !q.pumping {
		select {
		case q.out <- e:
			if q.notify != nil {
				q.notify()
			}
			return
		default:
		}
		q.pumping = true
		go q.pump()
	}
	q.items = append(q.items, e)
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
		if q.notify != nil {
			q.notify()
		}
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
			if q.notify != nil {
				q.notify()
			}
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
