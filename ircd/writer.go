package ircd

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"gopkg.in/irc.v4"
)

// finalWriteTimeout bounds the last lines written to a client that is
// being dropped (abort): a client that stopped reading is not waited for.
const finalWriteTimeout = 50 * time.Millisecond

// enqueue hands m to the client's writer goroutine. It never blocks: a
// client whose queue is full is disconnected, so that a client that does
// not read never holds up the world that sends to it.
func (c *Client) enqueue(m *irc.Message) {
	select {
	case c.out <- m:
	default:
		c.logAt(slog.LevelWarn, "send queue full, disconnecting", slog.Int("queue", cap(c.out)))
		c.abort("SendQ exceeded")
		c.conn.Close() // unblock the writer if it is stuck on this client
	}
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
	for {
		select {
		case m := <-c.out:
			_ = c.conn.SetWriteDeadline(time.Now().Add(timeout))
			err := c.writeLine(bw, m)
			if err == nil && len(c.out) == 0 {
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
		for more := true; more; {
			select {
			case m := <-c.out:
				if c.writeLine(bw, m) != nil {
					return
				}
			default:
				more = false
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
		c.logAt(slog.LevelDebug, "send", slog.String("line", redactLine(m, string(line))))
	}
}
