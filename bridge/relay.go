package bridge

import (
	"context"

	"github.com/msn2irc/msn2irc/msn"
)

// relayEvents passes the events of an MSN client (in) on to the session: a
// goroutine takes each one, puts it in the returned channel, which the
// session reads as its events (serveEvent), and wakes the session. The
// goroutine ends when in is closed, closing the returned channel, or when
// the session stops taking work; the session's WaitGroup waits for it.
//
// It stands in for the session actor of the next step, which reads the
// client's events itself.
func (s *session) relayEvents(in <-chan msn.Event) <-chan msn.Event {
	if in == nil {
		return nil
	}
	out := make(chan msn.Event, cap(in))
	s.spawn(func(context.Context) {
		defer func() {
			close(out)
			s.wake()
		}()
		for ev := range in {
			select {
			case out <- ev:
				s.wake()
			case <-s.quit:
				return
			}
		}
	})
	return out
}
