package msn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// writeTimeout bounds every write to a server connection.
const writeTimeout = 10 * time.Second

// link is one MSNP connection (notification server or switchboard): a
// reader goroutine that hands every command to a handler and then to the
// request waiting for it, and serialized writes. Requests are matched to
// replies by TrID.
type link struct {
	conn net.Conn
	r    *Reader
	log  *slog.Logger
	trid *atomic.Uint32

	wmu    sync.Mutex // serializes writes
	corked bool       // hold commands in held until flush; under wmu
	held   []byte     // commands sent while corked; under wmu

	mu      sync.Mutex
	pending map[uint32]*call // by TrID
	closed  bool
	err     error // why the link ended
	// timed holds the calls started with start, in start order, until
	// answered; one timer, set to the earliest deadline among them, fails
	// those nothing answered in time (a timer per call costs more than the
	// rest of sending a message).
	timed   []*call
	sweeper *time.Timer
	sweepAt time.Time

	done chan struct{} // closed when the read loop has ended
}

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

func newLink(conn net.Conn, log *slog.Logger, trid *atomic.Uint32) *link {
	return &link{
		conn:    conn,
		r:       NewReader(conn, ServerPayloads),
		log:     log,
		trid:    trid,
		pending: map[uint32]*call{},
		done:    make(chan struct{}),
	}
}

// nextTrID returns a fresh transaction id.
func (l *link) nextTrID() uint32 {
	for {
		if t := l.trid.Add(1); t != 0 { // 0 is no TrID
			return t
		}
	}
}

// send writes one command.
func (l *link) send(cmd *Command) error {
	return l.sendParts(cmd.Name, 0, cmd.Params, cmd.Payload)
}

// sendParts writes the command name with params, preceded by trid unless
// it is 0, and payload unless it is nil.
func (l *link) sendParts(name string, trid uint32, params []string, payload []byte) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.corked {
		n := len(l.held)
		var err error
		if l.held, err = appendCommand(l.held, name, trid, params, payload); err != nil {
			l.held = l.held[:n]
			return err
		}
		l.logSent(name, trid, params, payload)
		return nil
	}
	buf, err := appendCommand(nil, name, trid, params, payload)
	if err != nil {
		return err
	}
	l.logSent(name, trid, params, payload)
	if err := l.writeLocked(buf); err != nil {
		return fmt.Errorf("%w: writing %s: %v", ErrClosed, name, err)
	}
	return nil
}

// logSent logs an outgoing command at debug level, without secrets or payload.
func (l *link) logSent(name string, trid uint32, params []string, payload []byte) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		cmd := &Command{Name: name, Params: params}
		if trid != 0 {
			cmd.Params = append([]string{strconv.FormatUint(uint64(trid), 10)}, params...)
		}
		attrs := []any{"dir", "->", "line", redactLine(cmd)}
		if payload != nil {
			attrs = append(attrs, "payload_bytes", len(payload))
		}
		l.log.Debug("msn line", attrs...)
	}
}

// writeLocked writes buf; a failed write closes the connection, so that
// the reader ends and every request waiting for a reply fails.
func (l *link) writeLocked(buf []byte) error {
	l.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := l.conn.Write(buf); err != nil {
		l.conn.Close()
		return err
	}
	return nil
}

// cork holds the commands sent from now on until flush.
func (l *link) cork() {
	l.wmu.Lock()
	l.corked = true
	l.wmu.Unlock()
}

// flush writes the commands held since cork, in one write, and stops
// holding them.
func (l *link) flush() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.corked = false
	if len(l.held) == 0 {
		return nil
	}
	err := l.writeLocked(l.held)
	if cap(l.held) > 64<<10 {
		l.held = nil // do not keep a burst's buffer for good
	} else {
		l.held = l.held[:0]
	}
	if err != nil {
		return fmt.Errorf("%w: writing: %v", ErrClosed, err)
	}
	return nil
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// run reads commands until the connection ends, calling handle for each
// one before delivering it to a waiting request. It returns the error that
// ended the link (wrapping ErrClosed) after failing every pending request.
func (l *link) run(handle func(*Command)) error {
	var err error
	for {
		var cmd *Command
		cmd, err = l.r.ReadCommand()
		if err != nil {
			if errors.Is(err, ErrEmptyLine) || errors.Is(err, ErrBadCommand) {
				l.log.Debug("msn: skipping malformed line", "err", err)
				continue
			}
			break
		}
		if l.log.Enabled(context.Background(), slog.LevelDebug) {
			attrs := []any{"dir", "<-", "line", redactLine(cmd)}
			if cmd.Payload != nil {
				attrs = append(attrs, "payload_bytes", len(cmd.Payload))
			}
			l.log.Debug("msn line", attrs...)
		}
		handle(cmd)
		l.deliver(cmd)
	}
	l.conn.Close()
	l.mu.Lock()
	if l.err == nil {
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
			l.err = ErrClosed
		} else {
			l.err = fmt.Errorf("%w: %v", ErrClosed, err)
		}
	}
	l.closed = true
	pend := l.pending
	l.pending = map[uint32]*call{}
	l.timed = nil
	if l.sweeper != nil {
		l.sweeper.Stop()
	}
	final := l.err
	l.mu.Unlock()
	for _, c := range pend {
		c.finish(reply{err: final})
	}
	close(l.done)
	return final
}

// closeWith closes the connection, recording err (which should wrap
// ErrClosed, or be nil for a normal close) as the reason the link ended.
func (l *link) closeWith(err error) {
	l.mu.Lock()
	if l.err == nil && !l.closed {
		if err == nil {
			err = ErrClosed
		}
		l.err = err
	}
	l.mu.Unlock()
	l.conn.Close()
}

// isClosed reports whether the link has ended.
func (l *link) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// redactLine renders a command for the debug log without secrets: the MD5
// hash or Passport ticket of "USR t MD5|TWN S x" and the switchboard
// cookies of USR, ANS, RNG and XFR. Payloads are never logged.
func redactLine(cmd *Command) string {
	c := *cmd
	c.Params = append([]string(nil), cmd.Params...)
	switch c.Name {
	case "USR":
		if len(c.Params) >= 4 && c.Params[2] == "S" {
			for i := 3; i < len(c.Params); i++ {
				c.Params[i] = "[redacted]"
			}
		} else if len(c.Params) == 3 { // switchboard: USR t passport cookie
			c.Params[2] = "[redacted]"
		}
	case "ANS":
		if len(c.Params) >= 3 {
			c.Params[2] = "[redacted]"
		}
	case "RNG": // RNG sessid addr CKI cookie ...
		if len(c.Params) >= 4 && c.Params[2] == "CKI" {
			c.Params[3] = "[redacted]"
		}
	case "XFR": // XFR t SB addr CKI cookie ...
		if len(c.Params) >= 5 && c.Params[3] == "CKI" {
			c.Params[4] = "[redacted]"
		}
	}
	return c.String()
}
