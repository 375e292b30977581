package bridge

import (
	"context"
	"sync/atomic"
)

// The user's messages wait in their conversation's queue until its
// switchboard takes them. A client that sends faster than MSN takes them
// is slowed down instead of letting the queue grow without bound: once a
// conversation holds maxQueued messages, the account's clients wait
// before handing the session another message (the connection's reader
// stops, so TCP pushes back on the client) until that queue is down to
// half. Nothing is dropped.
const maxQueued = 1024

// backlog is the wait of the user's messages while a queue is full.
type backlog struct {
	full *conv                         // owned by the session goroutine: the queue at the bound, if any
	wait atomic.Pointer[chan struct{}] // set while full is; closed when it has room again
}

// noteQueued starts the wait when the user's message made cv's queue
// reach the bound.
func (s *session) noteQueued(cv *conv) {
	if cv == nil || len(cv.queue) < maxQueued || s.backlog.full != nil {
		return
	}
	s.backlog.full = cv
	ch := make(chan struct{})
	s.backlog.wait.Store(&ch)
}

// checkBacklog ends the wait once the full queue is down to half, or its
// conversation ended. The session goroutine calls it after each step.
func (s *session) checkBacklog() {
	cv := s.backlog.full
	if cv == nil || len(cv.queue) > maxQueued/2 && !cv.closed {
		return
	}
	s.backlog.full = nil
	close(*s.backlog.wait.Swap(nil))
}

// waitForRoom waits, when a queue of the user's messages is full, until
// it has room again. Safe from any goroutine.
func (s *session) waitForRoom(ctx context.Context) error {
	ch := s.backlog.wait.Load()
	if ch == nil {
		return nil
	}
	select {
	case <-*ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.quit:
		return errSessionGone
	}
}
