package ircd

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"gopkg.in/irc.v4"
)

// finalWriteTimeout bounds the last lines written to a client that is
// being dropped (abort): a client that stopped reading is not waited for.
const finalWriteTimeout = 50 * time.Millisecond

// sendQueue holds the lines waiting for a client's writer goroutine: a
// slice under a mutex, at most limit lines, so that an idle client holds
// no buffer and a burst (a replay, a long list) needs no room set aside.
type sendQueue struct {
	mu    sync.Mutex
	lines []*irc.Message
	limit int
	ready chan struct{} // a token when lines were added
	room  chan struct{} // a token when the writer took lines
}

func newSendQueue(limit int) sendQueue {
	return sendQueue{limit: limit, ready: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

// push adds m and reports false when the queue is full.
func (q *sendQueue) push(m *irc.Message) bool {
	q.mu.Lock()
	if len(q.lines) >= q.limit {
		q.mu.Unlock()
		return false
	}
	q.lines = append(q.lines, m)
	q.mu.Unlock()
	signal(q.ready)
	return true
}

// take moves the queued lines into batch (emptied first) and returns it.
func (q *sendQueue) take(batch []*irc.Message) []*irc.Message {
	clear(batch)
	q.mu.Lock()
	batch, q.lines = q.lines, batch[:0]
	q.mu.Unlock()
	signal(q.room)
	return batch
}

// empty reports whether nothing is queued.
func (q *sendQueue) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.lines) == 0
}

// signal leaves a token in ch unless one is there.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// enqueue hands m to the client's writer goroutine. It never blocks: a
// client whose queue is full is disconnected, so that a client that does
// not read never holds up the world that sends to it.
func (c *Client) enqueue(m *irc.Message) {
	if !c.out.push(m) {
		c.sendQueueFull()
	}
}

// sendQueueFull drops a client that does not read what it is sent.
func (c *Client) sendQueueFull() {
	c.logAt(slog.LevelWarn, "send queue full, disconnecting", slog.Int("queue", c.out.limit))
	c.abort("SendQ exceeded")
	c.conn.Close() // unblock the writer if it is stuck on this client
}

// writeBufLen is how many bytes of lines the writer gathers before it
// writes them.
const writeBufLen = 4096

// writeLoop is the client's writer goroutine: it gathers the queued lines
// in a buffer, writes it when full and whenever the queue is empty, and
// when the connection ends writes what is left and the final ERROR, then
// closes it. The buffer is dropped once written with nothing queued, so
// that an idle client holds none.
func (c *Client) writeLoop() {
	defer close(c.writerDone)
	defer c.conn.Close()
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("panic in writer", slog.Uint64("conn", c.id), slog.Any("panic", r))
			c.abort("")
		}
	}()
	timeout := c.srv.cfg.WriteTimeout
	var buf []byte
	var batch []*irc.Message
	for {
		select {
		case <-c.out.ready:
			batch = c.out.take(batch)
			_ = c.conn.SetWriteDeadline(time.Now().Add(timeout))
			var err error
			for _, m := range batch {
				buf = c.appendLine(buf, m)
				if len(buf) >= writeBufLen {
					_, err = c.conn.Write(buf)
					buf = buf[:0]
					if err != nil {
						break
					}
				}
			}
			if err == nil && c.out.empty() {
				if len(buf) > 0 {
					_, err = c.conn.Write(buf)
				}
				buf = nil
			}
			if err != nil {
				c.abort("")
				return
			}
		case <-c.done:
			c.writeLast(buf)
			return
		}
	}
}

// writeLast writes, once the connection is to end, what buf holds and the
// queued lines when it ends with quit, then the final ERROR if any.
func (c *Client) writeLast(buf []byte) {
	c.mu.Lock()
	flush, text := c.flush, c.errorText
	c.mu.Unlock()
	if flush {
		_ = c.conn.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
		for _, m := range c.out.take(nil) {
			buf = c.appendLine(buf, m)
		}
	} else {
		buf = buf[:0]
		_ = c.conn.SetWriteDeadline(time.Now().Add(finalWriteTimeout))
	}
	if text != "" {
		buf = c.appendLine(buf, &irc.Message{Command: "ERROR", Params: []string{text}})
	}
	if len(buf) == 0 {
		return
	}
	if _, err := c.conn.Write(buf); err != nil && !errors.Is(err, net.ErrClosed) {
		c.logAt(slog.LevelDebug, "final flush", slog.Any("err", err))
	}
}

// appendLine appends m and its CRLF to buf.
func (c *Client) appendLine(buf []byte, m *irc.Message) []byte {
	start := len(buf)
	buf = appendEncoded(buf, m)
	c.logSend(m, buf[start:])
	return append(buf, '\r', '\n')
}

// logSend logs a line sent to the client, at debug level, without secrets.
func (c *Client) logSend(m *irc.Message, line []byte) {
	if c.srv.log.Enabled(context.Background(), slog.LevelDebug) {
		c.logAt(slog.LevelDebug, "send", slog.String("line", c.redactLine(m, string(line))))
	}
}
