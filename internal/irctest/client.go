// Package irctest is the IRC client of the tests and the benchmark: it
// dials a server, sends lines, reads parsed messages with a deadline, and
// offers a PING/PONG barrier (Roundtrip) and registration helpers.
//
// One reader goroutine per client parses the lines it reads with
// gopkg.in/irc.v4 and queues them; Next, Expect and Roundtrip take them in
// order. A line the server should never send (one holding a CR or a NUL,
// one longer than MaxLine, or one that does not parse) ends the
// connection, and every wait after it reports why.
package irctest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"gopkg.in/irc.v4"
)

// MaxLine bounds a line read from the server, tags included: 512 bytes of
// message and 8191 of tags fit with room to spare.
const MaxLine = 64 * 1024

// queueSize is how many messages the reader keeps ahead of the test.
const queueSize = 10000

// logSize is how many of the last messages read the failure messages show.
const logSize = 40

// ErrBadLine is the reason of a connection ended by a line the server
// should not have sent.
var ErrBadLine = errors.New("irctest: bad line from the server")

// tokens numbers the Roundtrip tokens of every client of the process.
var tokens atomic.Uint64

// Client is one IRC connection.
type Client struct {
	conn net.Conn
	msgs chan *irc.Message
	done chan struct{}
	err  error // why the reader stopped; set before done is closed

	quit      chan struct{} // closed by Close, so that a full queue does not hold the reader
	closeOnce sync.Once

	wmu sync.Mutex // one Send at a time

	mu  sync.Mutex
	log []*irc.Message // the last messages taken by Next, oldest first
}

// Dial connects to addr over TCP.
func Dial(ctx context.Context, addr string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("irctest: %w", err)
	}
	return New(conn), nil
}

// New starts a client on conn, which it owns from now on.
func New(conn net.Conn) *Client {
	c := &Client{conn: conn, msgs: make(chan *irc.Message, queueSize), done: make(chan struct{}), quit: make(chan struct{})}
	go c.read()
	return c
}

// read parses lines into c.msgs until the connection ends or a bad line
// arrives.
func (c *Client) read() {
	// done before msgs, so that Err tells why once msgs is closed.
	defer close(c.msgs)
	defer close(c.done)
	r := bufio.NewReaderSize(c.conn, 4096)
	for {
		m, err := readMessage(r)
		if err != nil {
			c.err = err
			if errors.Is(err, ErrBadLine) {
				c.conn.Close()
			}
			return
		}
		select {
		case c.msgs <- m:
		case <-c.quit:
			c.err = net.ErrClosed
			return
		}
	}
}

// readMessage reads one line and parses it.
func readMessage(r *bufio.Reader) (*irc.Message, error) {
	var line []byte
	for {
		part, err := r.ReadSlice('\n')
		line = append(line, part...)
		if len(line) > MaxLine {
			return nil, fmt.Errorf("%w: longer than %d bytes", ErrBadLine, MaxLine)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	text := strings.TrimSuffix(strings.TrimSuffix(string(line), "\n"), "\r")
	if strings.ContainsAny(text, "\r\x00") {
		return nil, fmt.Errorf("%w: CR or NUL in %q", ErrBadLine, text)
	}
	m, err := irc.ParseMessage(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrBadLine, text, err)
	}
	return m, nil
}

// Conn returns the connection, for tests that write raw bytes or close it.
func (c *Client) Conn() net.Conn { return c.conn }

// Messages returns the queue of messages read, closed when the connection
// ends. Messages taken from it directly are not in Log.
func (c *Client) Messages() <-chan *irc.Message { return c.msgs }

// Done is closed once the connection has ended and every message read is
// queued.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended, once Done is closed: a read error
// (io.EOF when the server closed it) or ErrBadLine.
func (c *Client) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Close closes the connection and waits for the reader, which drops what
// it has not queued yet. Closing twice is harmless.
func (c *Client) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.quit)
		err = c.conn.Close()
	})
	<-c.done
	return err
}

// Send writes lines, each followed by CRLF, in one write. The context's
// deadline bounds the write.
func (c *Client) Send(ctx context.Context, lines ...string) error {
	var b strings.Builder
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			return fmt.Errorf("irctest: line end inside %q", l)
		}
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if dl, ok := ctx.Deadline(); ok {
		c.conn.SetWriteDeadline(dl)
	}
	if _, err := c.conn.Write([]byte(b.String())); err != nil {
		return fmt.Errorf("irctest: writing %q: %w", lines, err)
	}
	return nil
}

// Next returns the next message read, waiting for it until ctx ends.
func (c *Client) Next(ctx context.Context) (*irc.Message, error) {
	select {
	case m, ok := <-c.msgs:
		if !ok {
			return nil, fmt.Errorf("irctest: connection closed (%v); read:\n%s", c.Err(), c.Log())
		}
		c.remember(m)
		return m, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("irctest: %w; read:\n%s", ctx.Err(), c.Log())
	}
}

// remember adds m to the log, keeping the last logSize messages.
func (c *Client) remember(m *irc.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.log) >= 2*logSize {
		c.log = append(c.log[:0], c.log[len(c.log)-logSize+1:]...)
	}
	c.log = append(c.log, m)
}

// Log returns the last messages taken by Next, one per line, for failure
// messages.
func (c *Client) Log() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, m := range c.log[max(0, len(c.log)-logSize):] {
		b.WriteString("  " + m.String() + "\n")
	}
	return b.String()
}

// Expect reads messages until one matches and returns it; desc names what
// it waits for in the error.
func (c *Client) Expect(ctx context.Context, desc string, match func(m *irc.Message) bool) (*irc.Message, error) {
	for {
		m, err := c.Next(ctx)
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", desc, err)
		}
		if match(m) {
			return m, nil
		}
	}
}

// Command matches a message with command cmd whose first parameters are
// params; "*" matches any parameter.
func Command(cmd string, params ...string) func(m *irc.Message) bool {
	return func(m *irc.Message) bool {
		if m.Command != cmd || len(m.Params) < len(params) {
			return false
		}
		for i, p := range params {
			if p != "*" && m.Params[i] != p {
				return false
			}
		}
		return true
	}
}

// Roundtrip is a barrier: it sends a PING with a token of its own and reads
// until the PONG that answers it. It returns the messages read before the
// PONG: everything the server sent in answer to the lines sent earlier.
func (c *Client) Roundtrip(ctx context.Context) ([]*irc.Message, error) {
	token := fmt.Sprintf("irctest-%d", tokens.Add(1))
	if err := c.Send(ctx, "PING "+token); err != nil {
		return nil, err
	}
	var got []*irc.Message
	for {
		m, err := c.Next(ctx)
		if err != nil {
			return got, fmt.Errorf("waiting for PONG %s: %w", token, err)
		}
		if m.Command == "PONG" && len(m.Params) > 0 && m.Params[len(m.Params)-1] == token {
			return got, nil
		}
		got = append(got, m)
	}
}

// ReadUntilClosed reads until the server closes the connection and returns
// the messages read. A bad line is an error.
func (c *Client) ReadUntilClosed(ctx context.Context) ([]*irc.Message, error) {
	var got []*irc.Message
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				if errors.Is(c.Err(), ErrBadLine) {
					return got, c.Err()
				}
				return got, nil
			}
			c.remember(m)
			got = append(got, m)
		case <-ctx.Done():
			return got, fmt.Errorf("irctest: connection still open: %w; read:\n%s", ctx.Err(), c.Log())
		}
	}
}
