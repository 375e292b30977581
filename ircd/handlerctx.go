package ircd

import (
	"context"
	"sync"
	"time"
)

// handlerCtx bounds one Handler call: the context ends after handleTimeout,
// or with ctx. Its timer starts only once something waits on Done, so the
// many calls that return without waiting (a message handed to a queue)
// cost no timer.
func handlerCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return handlerCtxWithin(ctx, handleTimeout)
}

// handlerCtxWithin is handlerCtx with another timeout.
func handlerCtxWithin(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	c := handlerCtxAt(ctx, time.Now(), timeout)
	return c, c.cancel
}

// endingCtx is a context with what ends it.
type endingCtx interface {
	context.Context
	cancel()
}

// handlerCtxAt is handlerCtxWithin for a call that starts at now, in one
// allocation: the caller ends it with cancel.
func handlerCtxAt(ctx context.Context, now time.Time, timeout time.Duration) endingCtx {
	deadline := now.Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		c, cancel := context.WithDeadline(ctx, d)
		return cancelCtx{c, cancel}
	}
	return &lazyDeadlineCtx{Context: ctx, deadline: deadline}
}

// messageCtx is handlerCtxAt for Handler.Message, which the client calls
// for every message it sends: the context of the previous call is used
// again when nothing waited on it, so that a burst allocates none. Only the
// client's goroutine calls it.
func (c *Client) messageCtx(ctx context.Context, now time.Time) endingCtx {
	deadline := now.Add(handleTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		return handlerCtxAt(ctx, now, handleTimeout)
	}
	if c.msgCtx == nil || !c.msgCtx.reuse(ctx, deadline) {
		c.msgCtx = &lazyDeadlineCtx{Context: ctx, deadline: deadline}
	}
	return c.msgCtx
}

// cancelCtx is a context and its CancelFunc.
type cancelCtx struct {
	context.Context
	stop context.CancelFunc
}

func (c cancelCtx) cancel() { c.stop() }

// lazyDeadlineCtx is a context with a deadline whose timer is armed on the
// first call to Done.
type lazyDeadlineCtx struct {
	context.Context // the parent
	deadline        time.Time

	mu         sync.Mutex
	done       chan struct{}
	err        error
	timer      *time.Timer
	stopParent func() bool
}

func (c *lazyDeadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *lazyDeadlineCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return c.done
	}
	c.done = make(chan struct{})
	if c.err == nil {
		c.err = c.expiredLocked()
	}
	if c.err != nil {
		close(c.done)
		return c.done
	}
	c.timer = time.AfterFunc(time.Until(c.deadline), func() { c.end(context.DeadlineExceeded) })
	c.stopParent = context.AfterFunc(c.Context, func() { c.end(c.Context.Err()) })
	return c.done
}

func (c *lazyDeadlineCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && c.done == nil {
		// Nothing is armed: work out whether it ended.
		return c.expiredLocked()
	}
	return c.err
}

// expiredLocked is the error of a context whose end nothing has noticed yet.
func (c *lazyDeadlineCtx) expiredLocked() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// reuse makes an ended context that nothing waited on a new one with
// parent ctx and deadline; it reports false, changing nothing, when
// something did (its Done channel exists), as that may still be watched.
func (c *lazyDeadlineCtx) reuse(ctx context.Context, deadline time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil || c.err == nil {
		return false
	}
	c.Context, c.deadline, c.err = ctx, deadline, nil
	return true
}

// cancel ends the context with context.Canceled.
func (c *lazyDeadlineCtx) cancel() { c.end(context.Canceled) }

// end ends the context with err, once, and releases its timer.
func (c *lazyDeadlineCtx) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
	if c.done != nil {
		select {
		case <-c.done:
		default:
			close(c.done)
		}
	}
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	if c.stopParent != nil {
		c.stopParent()
		c.stopParent = nil
	}
}
