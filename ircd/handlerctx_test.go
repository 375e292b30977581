package ircd

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

// A handler's context ends at its deadline once something waits on it,
// when the connection's context ends, or when the call is over.
func TestHandlerCtx(t *testing.T) {
	const short = 20 * time.Millisecond
	ctx, cancel := handlerCtxWithin(context.Background(), short)
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > short {
		t.Fatalf("deadline %v %v", d, ok)
	}
	if err := ctx.Err(); err != nil {
		t.Fatalf("fresh context: %v", err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the deadline never ended the context")
	}
	if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after the deadline: %v", err)
	}
	cancel()
	if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancel after the deadline changed the error: %v", err)
	}

	// Nobody waited: Err still sees the deadline pass.
	ctx, cancel = handlerCtxWithin(context.Background(), short)
	giveUp := time.Now().Add(5 * time.Second)
	for ctx.Err() == nil {
		if time.Now().After(giveUp) {
			t.Fatal("an unwatched context never ended")
		}
		runtime.Gosched()
	}
	if err := ctx.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("unwatched, after the deadline: %v", err)
	}
	select {
	case <-ctx.Done():
	default:
		t.Fatal("Done is not closed after the deadline")
	}
	cancel()

	// The connection ends first.
	parent, stop := context.WithCancel(context.Background())
	ctx, cancel = handlerCtx(parent)
	done := ctx.Done()
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the parent's end did not end the context")
	}
	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("after the parent ended: %v", err)
	}
	cancel()

	// The call is over.
	ctx, cancel = handlerCtx(context.Background())
	cancel()
	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}
	select {
	case <-ctx.Done():
	default:
		t.Fatal("Done is not closed after cancel")
	}

	// A parent with an earlier deadline keeps it.
	parent, stop = context.WithTimeout(context.Background(), time.Millisecond)
	defer stop()
	ctx, cancel = handlerCtx(parent)
	defer cancel()
	if d, _ := ctx.Deadline(); time.Until(d) > time.Second {
		t.Fatalf("deadline %v, want the parent's", d)
	}
}

// A client's message contexts: one nobody waited on serves the next call;
// one somebody waited on stays ended, and the next call gets another.
func TestMessageCtx(t *testing.T) {
	c := &Client{}
	now := time.Now()
	first := c.messageCtx(context.Background(), now)
	if d, ok := first.Deadline(); !ok || !d.Equal(now.Add(handleTimeout)) {
		t.Fatalf("deadline %v %v, want %v", d, ok, now.Add(handleTimeout))
	}
	first.cancel()
	later := now.Add(time.Second)
	second := c.messageCtx(context.Background(), later)
	if second != first {
		t.Error("an unwatched context was not used again")
	}
	if err := second.Err(); err != nil {
		t.Fatalf("a context used again: %v", err)
	}
	if d, _ := second.Deadline(); !d.Equal(later.Add(handleTimeout)) {
		t.Fatalf("a context used again has deadline %v, want %v", d, later.Add(handleTimeout))
	}
	watched := second.Done()
	second.cancel()
	third := c.messageCtx(context.Background(), later)
	if third == second {
		t.Fatal("a watched context was used again")
	}
	select {
	case <-watched:
	default:
		t.Fatal("a watched context is open again")
	}
	if err := second.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("a watched context after its call: %v", err)
	}
	// A call still running (not cancelled) is never shared.
	if fourth := c.messageCtx(context.Background(), later); fourth == third {
		t.Fatal("a context in use was handed out again")
	}
}
