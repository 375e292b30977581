package msn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	// those nothing answered in time.
	timed   []*call
	sweeper *time.Timer
	sweepAt time.Time

	done chan struct{} // closed when the read loop has ended
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
// What it does besides reading is in functions of their own: an idle link
// waits in run, and a small frame lets its goroutine's stack shrink.
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
			l.logReceived(cmd)
		}
		handle(cmd)
		l.deliver(cmd)
	}
	return l.end(err)
}

// logReceived logs a command read from the server, without secrets.
func (l *link) logReceived(cmd *Command) {
	attrs := []any{"dir", "<-", "line", redactLine(cmd)}
	if cmd.Payload != nil {
		attrs = append(attrs, "payload_bytes", len(cmd.Payload))
	}
	l.log.Debug("msn line", attrs...)
}

// end closes the link after err ended run, fails every pending request
// and returns the error that ended the link.
func (l *link) end(err error) error {
	l.conn.Close()
	l.mu.Lock()
	if l.err == nil {
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
			l.err = ErrClosed
		} else {
			l.err = fmt.Errorf("%w: %w", ErrClosed, err)
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
