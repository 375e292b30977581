package ircd

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gopkg.in/irc.v4"
)

// writer is the state of a client's socket writes. A line goes out one of
// two ways, and in order either way:
//
//   - directly: when nothing is queued, the sender writes the line itself
//     with one non-blocking write, so that no goroutine has to wake up for
//     it (waking the writer is most of what relaying a line costs);
//   - queued: otherwise, or when the socket does not take the whole line at
//     once, the line (or its unwritten end) waits in Client.out for
//     writeLoop, which blocks on a slow client instead of the sender.
//
// A sender never blocks: TryLock fails while writeLoop is writing, and a
// full queue disconnects the client.
//
// The writer goroutine, its buffer and its queue exist only once a line has
// had to wait (or the connection ends): a client that is never behind costs
// none of them.
type writer struct {
	mu       sync.Mutex      // held while writing to the socket
	raw      syscall.RawConn // nil when the connection cannot be written directly (TLS)
	queued   atomic.Int64    // entries sent to Client.out and not written yet
	bw       *bufio.Writer   // writeLoop's buffer, nil before it starts; under mu
	leftover []byte          // the unwritten end of a direct write; under mu
	start    sync.Once
	// While a command runs (corked), the lines that could go out directly
	// are held and written together when it ends: a burst of replies costs
	// one write. held comes after leftover and before anything queued.
	corked atomic.Bool
	held   []byte // under mu
}

// maxHeld is how much a corked client holds before it writes.
const maxHeld = 16 << 10

// initWriter prepares the writes of conn.
func (c *Client) initWriter() {
	if tc, ok := c.conn.(*net.TCPConn); ok {
		if raw, err := tc.SyscallConn(); err == nil {
			c.w.raw = raw
		}
	}
}

// startWriter starts the writer goroutine, once.
func (c *Client) startWriter() {
	c.w.start.Do(func() {
		c.w.mu.Lock()
		c.w.bw = bufio.NewWriterSize(c.conn, 4096)
		c.w.mu.Unlock()
		c.out = make(chan *irc.Message, c.srv.cfg.SendQueue)
		go c.writeLoop()
	})
}

// enqueue sends m to the client: directly when the connection is idle,
// through the queue otherwise. It never blocks.
func (c *Client) enqueue(m *irc.Message) {
	w := &c.w
	if w.raw != nil && w.queued.Load() == 0 && w.mu.TryLock() {
		if w.busyLocked() {
			w.mu.Unlock()
		} else if w.corked.Load() || len(w.held) > 0 {
			w.held = c.appendLine(w.held, m)
			if len(w.held) >= maxHeld {
				// A long burst goes out as it is made, in writes of
				// maxHeld, rather than held whole.
				if rest := c.writeRawLocked(w.held); len(rest) > 0 {
					w.leftover, w.held = rest, nil
					w.mu.Unlock()
					c.push(nil)
					return
				}
				w.held = w.held[:0]
			}
			w.mu.Unlock()
			return
		} else {
			rest := c.writeDirectLocked(m)
			if len(rest) == 0 {
				w.mu.Unlock()
				return
			}
			w.leftover = rest
			w.mu.Unlock()
			m = nil // wake writeLoop for the leftover alone
		}
	}
	c.push(m)
}

// busyLocked reports whether something must be written before a new line:
// queued lines, the end of a direct write, or buffered bytes.
func (w *writer) busyLocked() bool {
	return w.queued.Load() != 0 || len(w.leftover) > 0 || w.bw != nil && w.bw.Buffered() > 0
}

// push hands m to writeLoop, starting it if need be; nil m only wakes it
// for what is held or left over. A full queue disconnects the client.
func (c *Client) push(m *irc.Message) {
	c.startWriter()
	c.w.queued.Add(1)
	select {
	case c.out <- m:
	default:
		c.w.queued.Add(-1)
		c.logAt(slog.LevelWarn, "send queue full, disconnecting", slog.Int("queue", cap(c.out)))
		c.abort("SendQ exceeded")
		c.conn.Close() // unblock a writer stuck on this client
	}
}

// writeDirectLocked writes m with one non-blocking write and returns what
// the socket did not take: nothing when it took the whole line, and all or
// part of the line when the socket is full or failing (then writeLoop
// writes it, and meets the error if there is one).
func (c *Client) writeDirectLocked(m *irc.Message) []byte {
	return c.writeRawLocked(c.appendLine(nil, m))
}

// appendLine appends m, encoded with its CRLF, to buf.
func (c *Client) appendLine(buf []byte, m *irc.Message) []byte {
	n := len(buf)
	buf = appendEncoded(buf, m)
	c.logSend(m, buf[n:])
	return append(buf, '\r', '\n')
}

// writeRawLocked writes buf with one non-blocking write and returns what
// the socket did not take.
func (c *Client) writeRawLocked(buf []byte) []byte {
	n := 0
	err := c.w.raw.Write(func(fd uintptr) bool {
		for {
			k, werr := syscall.Write(int(fd), buf)
			if werr == syscall.EINTR {
				continue
			}
			if werr == nil && k > 0 {
				n = k
			}
			return true // never wait for the socket here
		}
	})
	if err != nil {
		return buf
	}
	return buf[n:]
}

// cork holds the lines that could go out directly until uncork. The
// reader corks the client while a command runs.
func (c *Client) cork() {
	if c.w.raw != nil {
		c.w.corked.Store(true)
	}
}

// uncork writes what was held since cork, at once when the connection is
// idle, through the writer otherwise. It never blocks.
func (c *Client) uncork() {
	w := &c.w
	if w.raw == nil {
		return
	}
	w.corked.Store(false)
	if !w.mu.TryLock() {
		// A direct writer holds the lock, or writeLoop does: either
		// way the lines must not wait for the next one.
		c.push(nil)
		return
	}
	if len(w.held) == 0 {
		w.mu.Unlock()
		return
	}
	if w.busyLocked() {
		w.mu.Unlock()
		c.push(nil)
		return
	}
	held := w.held
	w.held = nil
	if rest := c.writeRawLocked(held); len(rest) > 0 {
		w.leftover = rest
		w.mu.Unlock()
		c.push(nil)
		return
	}
	w.mu.Unlock()
}

// logSend logs a line sent to the client, at debug level, without secrets.
func (c *Client) logSend(m *irc.Message, line []byte) {
	if c.srv.log.Enabled(context.Background(), slog.LevelDebug) {
		c.logAt(slog.LevelDebug, "send", slog.String("line", c.redactLine(m, string(line))))
	}
}

// writeQueuedLocked writes the leftover of a direct write and then m (nil
// for none) into the buffer, and flushes when nothing else is queued.
func (c *Client) writeQueuedLocked(m *irc.Message, flush bool) error {
	w := &c.w
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	if len(w.leftover) > 0 {
		if _, err := w.bw.Write(w.leftover); err != nil {
			return err
		}
		w.leftover = nil
	}
	if len(w.held) > 0 {
		if _, err := w.bw.Write(w.held); err != nil {
			return err
		}
		w.held = nil
	}
	if m != nil {
		if _, err := w.bw.Write(c.appendLine(w.bw.AvailableBuffer(), m)); err != nil {
			return err
		}
	}
	if w.queued.Add(-1) == 0 && flush {
		if err := w.bw.Flush(); err != nil {
			return err
		}
		// Direct writes go through the poller, which refuses them once
		// a deadline has passed; they never block, so they need none.
		_ = c.conn.SetWriteDeadline(time.Time{})
	}
	return nil
}

// writeLoop writes what is queued, and the final ERROR when the connection
// ends.
func (c *Client) writeLoop() {
	defer close(c.writerDone)
	defer c.conn.Close()
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("panic in writer", slog.Uint64("conn", c.id), slog.Any("panic", r))
			c.abort("")
		}
	}()
	w := &c.w
	for {
		select {
		case m := <-c.out:
			w.mu.Lock()
			err := c.writeQueuedLocked(m, true)
			w.mu.Unlock()
			if err != nil {
				c.abort("")
				return
			}
		case <-c.done:
			c.mu.Lock()
			doFlush, text := c.flush, c.errorText
			c.mu.Unlock()
			w.mu.Lock()
			defer w.mu.Unlock()
			if len(w.leftover) > 0 {
				// Finish the line begun by a direct write.
				_ = c.conn.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
				if _, err := w.bw.Write(w.leftover); err != nil {
					return
				}
				w.leftover = nil
			}
			if doFlush && len(w.held) > 0 {
				if _, err := w.bw.Write(w.held); err != nil {
					return
				}
				w.held = nil
			}
			if doFlush {
				for more := true; more; {
					select {
					case m := <-c.out:
						if c.writeQueuedLocked(m, false) != nil {
							return
						}
					default:
						more = false
					}
				}
			}
			if text != "" {
				if !doFlush {
					// Do not wait on a client that stopped reading.
					_ = c.conn.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
				}
				w.bw.WriteString(encodeLine(&irc.Message{Command: "ERROR", Params: []string{text}}) + "\r\n")
			}
			if err := w.bw.Flush(); err != nil && !errors.Is(err, net.ErrClosed) {
				c.logAt(slog.LevelDebug, "final flush", slog.Any("err", err))
			}
			return
		}
	}
}
