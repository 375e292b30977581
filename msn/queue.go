package msn

import (
	"sync"
	"time"
)

// eventQueue delivers events in order on a channel without ever blocking
// the goroutine that produces them: events wait in a slice until the
// consumer takes them. It is unbounded by design (events are small and the
// consumer reads continuously); nothing is dropped while the client runs.
type eventQueue struct {
	out chan Event

	mu     sync.Mutex
	items  []Event
	closed bool

	wake    chan struct{} // a push or close happened
	abandon chan struct{} // stop delivering (Close gave up waiting for the consumer)
	done    chan struct{} // the pump has ended and out is closed
	once    sync.Once
}

func newEventQueue(capacity int) *eventQueue {
	q := &eventQueue{
		out:     make(chan Event, capacity),
		wake:    make(chan struct{}, 1),
		abandon: make(chan struct{}),
		done:    make(chan struct{}),
	}
	go q.pump()
	return q
}

// push queues e; after close it is dropped.
func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, e)
	q.mu.Unlock()
	q.signal()
}

func (q *eventQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close ends the queue: the events already queued are still delivered,
// then the channel is closed.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *eventQueue) pump() {
	defer close(q.done)
	defer close(q.out)
	for {
		q.mu.Lock()
		if len(q.items) == 0 {
			closed := q.closed
			q.mu.Unlock()
			if closed {
				return
			}
			select {
			case <-q.wake:
			case <-q.abandon:
				return
			}
			continue
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
