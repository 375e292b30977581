package ircd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"time"
)

// Line limits (message-tags "Size limit"): 512 bytes of message including
// CRLF, plus 4096 bytes of tags including the leading '@' and the space.
const (
	maxBodyLen = 512
	maxTagsLen = 4096
	maxLineLen = maxTagsLen + maxBodyLen
)

var errLineTooLong = errors.New("ircd: line too long")

// readBufLen is the size of a client's read buffer: most lines fit, and
// an idle client holds no more. A longer line is gathered in lineReader.long.
const readBufLen = 512

// lineReader reads CRLF- or LF-terminated lines of at most maxLineLen
// bytes, without their terminator.
type lineReader struct {
	br         *bufio.Reader
	long       []byte // the start of a line that did not fit br, or was cut by a read error
	discarding bool   // skipping the rest of a line that was too long
}

// newLineReader reads lines from r.
func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, readBufLen)}
}

// readLine returns the next line, valid until the next call. A line longer
// than maxLineLen returns errLineTooLong once and is skipped up to its end.
// A read error (a deadline that wakes the read loop) loses nothing: the
// part of a line read so far is kept for the next call.
func (r *lineReader) readLine() ([]byte, error) {
	for {
		frag, err := r.br.ReadSlice('\n')
		if r.discarding {
			if err == nil {
				r.discarding = false
				continue
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			return nil, err
		}
		if err == nil && len(r.long) == 0 {
			return trimLine(frag), nil // the whole line is in br
		}
		r.long = append(r.long, frag...)
		// A line may have maxLineLen bytes and its CRLF.
		if len(r.long) > maxLineLen+2 || err != nil && len(r.long) > maxLineLen+1 {
			r.long = nil
			r.discarding = err != nil
			return nil, errLineTooLong
		}
		if err == nil {
			line := r.long
			r.long = nil
			return trimLine(line), nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

// trimLine cuts the LF or CRLF off a line.
func trimLine(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	return bytes.TrimSuffix(line, []byte{'\r'})
}

// readState is what readLoop keeps from one line to the next.
type readState struct {
	r           *lineReader
	regDeadline time.Time
	lastActive  time.Time
	armed       time.Time // the read deadline set last; zero when unknown
	deadline    time.Time // when the current read gives up
	pinged      bool
	debug       bool
}

// readLoop reads and handles lines until the connection ends. An idle
// client waits here, in readLine: the loop keeps its frame small and does
// everything else in functions of their own, so that the goroutine uses
// under a quarter of an 8 KiB stack and the garbage collector halves it
// (stacks per idle session at 1,000 sessions, BENCHMARKS.md).
func (c *Client) readLoop(ctx context.Context) {
	defer c.srv.recoverConn(c)
	rs := c.newReadState(ctx)
	for {
		if ok, read := c.beforeRead(ctx, rs); !ok {
			return
		} else if !read {
			continue
		}
		line, err := rs.r.readLine()
		if !c.afterRead(ctx, rs, line, err) {
			return
		}
	}
}

// newReadState is the state of a new connection's read loop.
func (c *Client) newReadState(ctx context.Context) *readState {
	now := time.Now()
	return &readState{
		r:           newLineReader(c.conn),
		regDeadline: now.Add(c.srv.cfg.RegistrationTimeout),
		lastActive:  now,
		debug:       c.srv.log.Enabled(ctx, slog.LevelDebug),
	}
}

// beforeRead sets the read deadline and runs what other goroutines posted.
// ok is false when the connection ends; read, when a line is to be read.
func (c *Client) beforeRead(ctx context.Context, rs *readState) (ok, read bool) {
	cfg := &c.srv.cfg
	var deadline time.Time
	switch {
	case !c.registered:
		deadline = rs.regDeadline
	case rs.pinged:
		deadline = rs.lastActive.Add(cfg.PingInterval + cfg.PingTimeout)
	default:
		deadline = rs.lastActive.Add(cfg.PingInterval)
	}
	if !c.guestUntil.IsZero() && c.guestUntil.Before(deadline) {
		deadline = c.guestUntil
	}
	rs.deadline = deadline
	// The deadline is moved only when it must come earlier or has
	// moved by more than a second, not for every line: a deadline
	// armed a little early is harmless, it wakes the loop, which
	// sets it again.
	if rs.armed.IsZero() || deadline.Before(rs.armed) || deadline.Sub(rs.armed) > time.Second {
		if err := c.conn.SetReadDeadline(deadline); err != nil {
			return false, false
		}
		rs.armed = deadline
	}
	if c.hasPending() {
		c.runPending(ctx)
		return true, false
	}
	return true, true
}

// afterRead handles what readLine returned: a line, a deadline or the end
// of the connection. It returns false when the connection ends.
func (c *Client) afterRead(ctx context.Context, rs *readState, line []byte, err error) bool {
	cfg := &c.srv.cfg
	select {
	case <-c.done:
		return false
	default:
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		rs.armed = time.Time{} // post may have moved it
		if c.hasPending() {
			return true
		}
		if time.Now().Before(rs.deadline) {
			return true // woken by post, nothing left to do
		}
		if !c.guestUntil.IsZero() && !time.Now().Before(c.guestUntil) {
			if c.srv.limits.isGuest(c) {
				c.logAt(slog.LevelInfo, "guest timed out")
				c.quit("Closing link: not logged in to MSN after " + cfg.GuestTimeout.String())
				return false
			}
			c.guestUntil = time.Time{} // it logged in
			return true
		}
		switch {
		case !c.registered:
			c.quit("Connection registration timed out")
			return false
		case !rs.pinged:
			rs.pinged = true
			c.reply("PING", c.srv.cfg.ServerName)
			return true
		default:
			c.quit("Ping timeout")
			return false
		}
	}
	if errors.Is(err, errLineTooLong) {
		c.numeric(errInputTooLong, "Input line was too long")
		return true
	}
	if err != nil {
		return false
	}
	rs.lastActive = time.Now()
	c.lineAt = rs.lastActive
	rs.pinged = false
	if len(line) == 0 {
		return true
	}
	if !lineFits(line) {
		c.numeric(errInputTooLong, "Input line was too long")
		return true
	}
	msg, perr := parseLine(string(line))
	if perr != nil {
		return true
	}
	if rs.debug {
		c.logAt(slog.LevelDebug, "recv", slog.String("line", c.redactLine(msg, string(line))))
	}
	c.handleLine(ctx, msg)
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// lineFits checks the tag and body budgets of one line (without CRLF).
func lineFits(line []byte) bool {
	body := line
	if len(line) > 0 && line[0] == '@' {
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 {
			return len(line) <= maxTagsLen
		}
		if sp+1 > maxTagsLen {
			return false
		}
		body = bytes.TrimLeft(line[sp+1:], " ")
	}
	return len(body)+2 <= maxBodyLen
}
