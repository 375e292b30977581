package msn

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// The queue never blocks its producer: events wait until the consumer
// takes them, in order.
func TestEventQueueUnboundedInOrder(t *testing.T) {
	q := newEventQueue(4)
	const n = 10000
	for i := 0; i < n; i++ {
		q.push(SystemMessage{Text: string(rune('a' + i%26))})
	}
	q.push(Disconnected{})
	q.close()
	q.push(SystemMessage{Text: "after close"}) // dropped
	i := 0
	for e := range q.out {
		if i < n {
			if m, ok := e.(SystemMessage); !ok || m.Text != string(rune('a'+i%26)) {
				t.Fatalf("event %d = %#v", i, e)
			}
		} else if _, ok := e.(Disconnected); !ok {
			t.Fatalf("event %d = %#v, want Disconnected", i, e)
		}
		i++
	}
	if i != n+1 {
		t.Fatalf("got %d events, want %d", i, n+1)
	}
}

// finish gives up on a consumer that stopped reading, so no goroutine is
// left behind, but waits for one that keeps reading.
func TestEventQueueFinish(t *testing.T) {
	q := newEventQueue(1)
	for i := 0; i < 10; i++ {
		q.push(SystemMessage{Text: "x"})
	}
	start := time.Now()
	q.finish(50 * time.Millisecond)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("finish took %v", d)
	}
	select {
	case <-q.done:
	default:
		t.Fatal("pump still running")
	}

	q = newEventQueue(1)
	for i := 0; i < 100; i++ {
		q.push(SystemMessage{Text: "y"})
	}
	got := make(chan int)
	go func() {
		n := 0
		for range q.out {
			n++
		}
		got <- n
	}()
	q.finish(time.Second)
	if n := <-got; n != 100 {
		t.Errorf("reading consumer got %d events, want 100", n)
	}
}

// Events pushed while the consumer keeps up, falls behind and catches up
// again arrive in order, and an idle queue keeps no goroutine.
func TestEventQueueOrderAcrossBacklogAndIdle(t *testing.T) {
	base := runtime.NumGoroutine()
	q := newEventQueue(2)
	const rounds, burst = 50, 20
	got := make(chan int, rounds*burst)
	step := make(chan struct{})
	go func() {
		defer close(got)
		for e := range q.out {
			var i int
			fmt.Sscan(e.(SystemMessage).Text, &i)
			got <- i
			if i%burst == burst-1 {
				step <- struct{}{} // the consumer pauses after each burst
			}
		}
	}()
	next := 0
	for r := 0; r < rounds; r++ {
		for i := 0; i < burst; i++ {
			q.push(SystemMessage{Text: strconv.Itoa(r*burst + i)})
		}
		<-step
		for i := 0; i < burst; i++ {
			if v := <-got; v != next {
				t.Fatalf("got event %d, want %d", v, next)
			}
			next++
		}
		// Everything was delivered: no pump is left running.
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > base+1 {
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines with an idle queue, want %d", runtime.NumGoroutine(), base+1)
			}
			runtime.Gosched()
		}
	}
	q.close()
	if _, ok := <-got; ok {
		t.Fatal("an event after the last one")
	}
}
