package bridge

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestFloodWaitsForTheQueue: a client that sends far more messages than
// the switchboard takes is slowed down rather than queued without bound,
// and every message still arrives, in order.
func TestFloodWaitsForTheQueue(t *testing.T) {
	r := newRelayRig(t)
	r.conn.SetDeadline(time.Now().Add(2 * time.Minute))
	// The switchboard acknowledges slowly: the client outruns it.
	r.srv.SetReplyDelay(time.Millisecond)
	defer r.srv.SetReplyDelay(0)

	const n = 3 * maxQueued
	r.sinkAt.Store(n)
	written := make(chan error, 1)
	go func() {
		for i := range n {
			r.w.WriteString(fmt.Sprintf("PRIVMSG %s :s %d\r\n", r.peer, i))
		}
		written <- r.w.Flush()
	}()

	s := r.session(t)
	most := 0
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-r.sinkCh:
			if err := <-written; err != nil {
				t.Fatal(err)
			}
			if most < maxQueued {
				t.Fatalf("the queue held at most %d messages: the client never outran the switchboard", most)
			}
			if got := r.outOfOrder.Load(); got != 0 {
				t.Fatalf("%d messages arrived out of order", got)
			}
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages arrived", r.sunk.Load(), n)
		}
		var queued int
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := s.call(ctx, func() {
			for _, cv := range s.convs.queries {
				queued += len(cv.queue)
			}
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		most = max(most, queued)
		// The reader hands over at most an action channel's worth after
		// the queue reached the bound.
		if limit := maxQueued + cap(s.actions) + 1; queued > limit {
			t.Fatalf("%d messages queued, more than %d", queued, limit)
		}
	}
}
