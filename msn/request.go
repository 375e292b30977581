package msn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// call is a request waiting for its reply: on ch (request), or through
// done (start, for messages). The sweeper fails it with ErrTimeout at
// deadline.
type call struct {
	names    []string // reply command names accepted besides numeric errors
	self     bool     // a reply named like the request is accepted too
	ch       chan reply
	done     Outcome
	name     string // the request's command, for errors
	trid     uint32
	deadline time.Time
}

// accepts reports whether a reply named name answers c.
func (c *call) accepts(name string) bool {
	return c.self && name == c.name || contains(c.names, name)
}

// finish hands r to whoever waits for c. The caller has removed c from
// pending, so it runs once per call. A message's outcome is an error
// wrapped as SendText returns it: ErrNAK for NAK.
func (c *call) finish(r reply) {
	switch {
	case c.done == nil:
		c.ch <- r
	case r.err != nil:
		c.done.MessageOutcome(fmt.Errorf("msn: %s: %w", c.name, r.err))
	case r.cmd.IsError():
		code, _ := strconv.Atoi(r.cmd.Name)
		c.done.MessageOutcome(fmt.Errorf("msn: %w", &ServerError{Code: code, Command: c.name}))
	case r.cmd.Name == "NAK":
		c.done.MessageOutcome(fmt.Errorf("msn: %s: %w", c.name, ErrNAK))
	default:
		c.done.MessageOutcome(nil)
	}
}

type reply struct {
	cmd *Command
	err error
}

// request sends name with a fresh TrID as its first parameter and waits for
// the reply with the same TrID whose name is name or one of also, or for a
// numeric error (returned as *ServerError). It gives up after timeout with
// ErrTimeout, when ctx ends, or when the link ends (ErrClosed).
func (l *link) request(ctx context.Context, timeout time.Duration, name string, params []string, payload []byte, also ...string) (*Command, error) {
	t := l.nextTrID()
	c := &call{names: also, self: true, ch: make(chan reply, 1), name: name, trid: t}
	l.mu.Lock()
	if l.closed {
		err := l.err
		l.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c.deadline = time.Now().Add(timeout)
	l.pending[t] = c
	l.timeLocked(c)
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		if l.pending[t] == c {
			delete(l.pending, t)
		}
		l.mu.Unlock()
	}()
	if err := l.sendParts(name, t, params, payload); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return l.wait(ctx, name, c)
}

// start sends name with a fresh TrID as its first parameter, at now, and
// returns once it is written, without waiting. done gets the outcome once,
// from another goroutine: nil for a reply with the same TrID named one of
// replies (ErrNAK for NAK), a *ServerError for a numeric error, ErrClosed
// when the link ends first, or ErrTimeout after timeout. When start
// returns an error, done is never called.
func (l *link) start(now time.Time, timeout time.Duration, name string, params []string, payload []byte, replies []string, done Outcome) error {
	t := l.nextTrID()
	c := &call{names: replies, done: done, name: name}
	l.mu.Lock()
	if l.closed {
		err := l.err
		l.mu.Unlock()
		return fmt.Errorf("%s: %w", name, err)
	}
	c.trid, c.deadline = t, now.Add(timeout)
	l.pending[t] = c
	l.timeLocked(c)
	l.mu.Unlock()
	if err := l.sendParts(name, t, params, payload); err != nil {
		l.mu.Lock()
		mine := l.pending[t] == c
		if mine {
			delete(l.pending, t)
		}
		l.mu.Unlock()
		if !mine {
			// The reader failed it meanwhile (the link ended): done was
			// called already, so the caller must see success here and
			// take the outcome from done.
			return nil
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// timeLocked adds a started call to those the sweeper watches.
func (l *link) timeLocked(c *call) {
	// Answered calls leave from the front; answers mostly come in order.
	for len(l.timed) > 0 && l.pending[l.timed[0].trid] != l.timed[0] {
		l.timed[0] = nil
		l.timed = l.timed[1:]
	}
	l.timed = append(l.timed, c)
	switch {
	case l.sweeper == nil:
		l.sweepAt = c.deadline
		l.sweeper = time.AfterFunc(time.Until(c.deadline), l.sweep)
	case c.deadline.Before(l.sweepAt) || l.sweepAt.IsZero():
		l.sweepAt = c.deadline
		l.sweeper.Reset(time.Until(c.deadline))
	}
}

// sweep fails, in start order, the started calls whose deadline passed,
// and sets the timer for the next deadline.
func (l *link) sweep() {
	now := time.Now()
	var expired []*call
	l.mu.Lock()
	keep := l.timed[:0]
	var next time.Time
	for _, c := range l.timed {
		if l.pending[c.trid] != c {
			continue // answered
		}
		if !now.Before(c.deadline) {
			delete(l.pending, c.trid)
			expired = append(expired, c)
			continue
		}
		keep = append(keep, c)
		if next.IsZero() || c.deadline.Before(next) {
			next = c.deadline
		}
	}
	clear(l.timed[len(keep):])
	l.timed = keep
	l.sweepAt = next
	if !next.IsZero() && !l.closed {
		l.sweeper.Reset(time.Until(next))
	}
	l.mu.Unlock()
	for _, c := range expired {
		c.finish(reply{err: ErrTimeout})
	}
}

// wait waits for the reply to c, which the sweeper fails at its deadline.
func (l *link) wait(ctx context.Context, name string, c *call) (*Command, error) {
	select {
	case r := <-c.ch:
		if r.err != nil {
			return nil, fmt.Errorf("%s: %w", name, r.err)
		}
		if r.cmd.IsError() {
			code, _ := strconv.Atoi(r.cmd.Name)
			return r.cmd, &ServerError{Code: code, Command: name}
		}
		return r.cmd, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%s: %w (%v)", name, ErrTimeout, ctx.Err())
		}
		return nil, fmt.Errorf("%s: %w", name, ctx.Err())
	}
}

// deliver hands cmd to the request it answers, if any.
func (l *link) deliver(cmd *Command) {
	t, ok := parseTrID(cmd.Param(0))
	if !ok {
		return
	}
	l.mu.Lock()
	c, ok := l.pending[t]
	if ok && !cmd.IsError() && !c.accepts(cmd.Name) {
		ok = false
	}
	if ok {
		delete(l.pending, t)
	}
	l.mu.Unlock()
	if ok {
		c.finish(reply{cmd: cmd})
	}
}

// parseTrID reads a transaction ID: a decimal number from 1 to 2^32-1.
// Most lines that have none (LST, ILN, NLN) have a word there instead, so
// it reports false without making an error.
func parseTrID(s string) (uint32, bool) {
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		if n = n*10 + uint64(d); n > math.MaxUint32 {
			return 0, false
		}
	}
	return uint32(n), n != 0
}
