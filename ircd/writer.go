package ircd

import (
	"bufio"
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

// writeLoop is the client's writer goroutine: it writes the queued lines
// into a buffer, flushes it whenever the queue is empty, and when the
// connection ends writes what is left and the final ERROR, then closes it.
func (c *Client) writeLoop() {
	defer close(c.writerDone)
	defer c.conn.Close()
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("panic in writer", slog.Uint64("conn", c.id), slog.Any("panic", r))
			c.abort("")
		}
	}()
	bw := bufio.NewWriterSize(c.conn, 4096)
	timeout := c.srv.cfg.WriteTimeout
	var batch []*irc.Message
	for {
		select {
		case <-c.out.ready:
			batch = c.out.take(batch)
			_ = c.conn.SetWriteDeadline(time.Now().Add(timeout))
			var err error
			for _, m := range batch {
				if err = c.writeLine(bw, m); err != nil {
					break
				}
			}
			if err == nil && c.out.empty() {
				err = bw.Flush()
			}
			if err != nil {
				c.abort("")
				return
			}
		case <-c.done:
			c.writeLast(bw)
			return
		}
	}
}

// writeLast writes, once the connection is to end, the queued lines when
// it ends with quit, then the final ERROR if any.
func (c *Client) writeLast(bw *bufio.Writer) {
	c.mu.Lock()
	flush, text := c.flush, c.errorText
	c.mu.Unlock()
	if flush {
		_ = c.conn.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
		for _, m := range c.out.take(nil) {
			if c.writeLine(bw, m) != nil {
				return
			}
		}
	} else {
		_ = c.conn.SetWriteDeadline(time.Now().Add(finalWriteTimeout))
	}
	if text != "" {
		_ = c.writeLine(bw, &irc.Message{Command: "ERROR", Params: []string{text}})
	}
	if err := bw.Flush(); err != nil && !errors.Is(err, net.ErrClosed) {
		c.logAt(slog.LevelDebug, "final flush", slog.Any("err", err))
	}
}

// writeLine writes m and its CRLF into bw.
func (c *Client) writeLine(bw *bufio.Writer, m *irc.Message) error {
	buf := appendEncoded(bw.AvailableBuffer(), m)
	c.logSend(m, buf)
	_, err := bw.Write(append(buf, '\r', '\n'))
	return err
}

// logSend logs a line sent to the client, at debug level, without secrets.
func (c *Client) logSend(m *irc.Message, line []byte) {
	if c.srv.log.Enabled(context.Background(), slog.LevelDebug) {
		c.logAt(slog.LevelDebug, "send", slog.String("line", c.redactLine(m, string(line))))
	}
}
