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
// slice under a mutex, at most limit lines and maxBytes bytes of them, so
// that an idle client holds no buffer and a burst (a replay, a long list)
// needs no room set aside. The bytes are bounded too because a line may
// carry up to 8 KiB of tags: a count of lines alone let a client that does
// not read hold tens of MiB.
//
// The writer goroutine runs only while lines are queued: an idle client
// then holds no goroutine stack (4 KiB of the memory of an idle session).
type sendQueue struct {
	mu       sync.Mutex
	lines    []*irc.Message
	limit    int
	bytes    int // lineSize of the lines
	maxBytes int
	writing  bool           // a writer goroutine runs
	stopped  bool           // no writer is started any more (finishWriting)
	writer   sync.WaitGroup // the running writer, if any
	room     chan struct{}  // a token when the writer took lines
}

func newSendQueue(limit, maxBytes int) sendQueue {
	return sendQueue{limit: limit, maxBytes: maxBytes, room: make(chan struct{}, 1)}
}

// lineSize is about the size of m's line: the bytes of its parts, which
// is what it holds in a queue.
func lineSize(m *irc.Message) int {
	n := len(m.Command) + 2
	if p := m.Prefix; p != nil {
		n += len(p.Name) + len(p.User) + len(p.Host) + 3
	}
	for _, p := range m.Params {
		n += len(p) + 2
	}
	for k, v := range m.Tags {
		n += len(k) + len(v) + 2
	}
	return n
}

// fits reports whether lines more lines of bytes more bytes fit beside
// queued ones of queuedLines lines and queuedBytes bytes. A first line
// always fits, however long.
func (q *sendQueue) fits(queuedLines, queuedBytes, lines, bytes int) bool {
	return queuedLines+lines <= q.limit && (queuedLines == 0 || queuedBytes+bytes <= q.maxBytes)
}

// push adds the first of ms that fit, in order, and returns how many it
// added; start is set when the caller is to start a writer goroutine (Add
// was called for it). Adding a reply's lines together hands them to the
// writer together, which writes them in few writes.
func (q *sendQueue) push(ms ...*irc.Message) (n int, start bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for n < len(ms) {
		size := lineSize(ms[n])
		if !q.fits(len(q.lines)+n, q.bytes, 1, size) {
			break
		}
		q.bytes += size
		n++
	}
	if n == 0 {
		return 0, false
	}
	q.lines = append(q.lines, ms[:n]...)
	if !q.writing && !q.stopped {
		q.writing = true
		q.writer.Add(1)
		return n, true
	}
	return n, false
}

// take returns the queued lines and empties the queue. When nothing is
// queued it returns nil and the writer is to return: the next push starts
// another.
func (q *sendQueue) take() []*irc.Message {
	q.mu.Lock()
	lines := q.lines
	q.lines, q.bytes = nil, 0
	if len(lines) == 0 {
		q.writing = false
	}
	q.mu.Unlock()
	if len(lines) > 0 {
		signal(q.room)
	}
	return lines
}

// stop makes push start no more writers and waits for the running one.
func (q *sendQueue) stop() {
	q.mu.Lock()
	q.stopped = true
	q.mu.Unlock()
	q.writer.Wait()
}

// signal leaves a token in ch unless one is there.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// push queues the first of ms that fit for the writer, starting the
// writer goroutine when none runs, and returns how many it queued.
func (c *Client) push(ms ...*irc.Message) int {
	n, start := c.out.push(ms...)
	if start {
		go c.writeLoop()
	}
	return n
}

// sendQueueFull drops a client that does not read what it is sent.
func (c *Client) sendQueueFull() {
	c.logAt(slog.LevelWarn, "send queue full, disconnecting", slog.Int("queue", c.out.limit), slog.Int("bytes", c.out.maxBytes))
	c.abort("SendQ exceeded")
	c.conn.Close() // unblock the writer if it is stuck on this client
}

// writeLoop is the client's writer goroutine: it writes the queued lines
// and returns when the queue is empty or the connection is to end
// (finishWriting writes the rest).
func (c *Client) writeLoop() {
	defer c.out.writer.Done()
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("panic in writer", slog.Uint64("conn", c.id), slog.Any("panic", r))
			c.abort("")
		}
	}()
	var buf []byte
	for {
		select {
		case <-c.done:
			c.out.mu.Lock()
			c.out.writing = false
			c.out.mu.Unlock()
			return
		default:
		}
		batch := c.out.take()
		if batch == nil {
			return
		}
		if err := c.writeBatch(&buf, batch); err != nil {
			c.abort("")
			c.out.mu.Lock()
			c.out.writing = false
			c.out.mu.Unlock()
			return
		}
	}
}

// writeBufLen is how many bytes of lines the writer gathers before it
// writes them: a CHATHISTORY batch of 100 messages (about 20 KiB with
// their tags) goes out in one or two writes. The buffer lives only while
// the writer runs.
const writeBufLen = 16 * 1024

// writeBatch writes lines, in pieces of about writeBufLen bytes gathered
// in *buf. Each piece has WriteTimeout to go: a client that keeps reading
// a long burst, however slowly, is not dropped for the burst's length.
func (c *Client) writeBatch(buf *[]byte, lines []*irc.Message) error {
	b := (*buf)[:0]
	for i, m := range lines {
		b = c.appendLine(b, m)
		if len(b) >= writeBufLen || i == len(lines)-1 {
			_ = c.conn.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
			if _, err := c.conn.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	*buf = b
	return nil
}

// finishWriting ends the client's writing once the connection is to end
// (c.done closed): it waits for the running writer, writes the last lines
// (writeLast) and closes the connection, which also ends the reader.
func (c *Client) finishWriting() {
	defer close(c.writerDone)
	c.out.stop()
	c.writeLast(nil)
	c.conn.Close()
}

// writeLast writes, once the connection is to end, what buf holds and the
// queued lines when it ends with quit, then the final ERROR if any.
func (c *Client) writeLast(buf []byte) {
	c.mu.Lock()
	flush, text := c.flush, c.errorText
	c.mu.Unlock()
	if flush {
		_ = c.conn.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
		for _, m := range c.out.take() {
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
