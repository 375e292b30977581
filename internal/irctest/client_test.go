package irctest

import (
	"bufio"
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

const waitTime = 10 * time.Second

// server is the other end of a client's connection, written and read by
// the test itself.
type server struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// pair connects a Client to a server over loopback TCP.
func pair(t *testing.T) (*Client, *server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	c, err := Dial(ctx, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(waitTime))
	return c, &server{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (s *server) write(text string) {
	s.t.Helper()
	if _, err := s.conn.Write([]byte(text)); err != nil {
		s.t.Fatal(err)
	}
}

// line reads the client's next line, without its CRLF.
func (s *server) line() string {
	s.t.Helper()
	l, err := s.r.ReadString('\n')
	if err != nil {
		s.t.Fatalf("reading the client's line: %v", err)
	}
	if !strings.HasSuffix(l, "\r\n") {
		s.t.Fatalf("client line %q does not end with CRLF", l)
	}
	return strings.TrimSuffix(l, "\r\n")
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	t.Cleanup(cancel)
	return ctx
}

// Lines arrive parsed, whether they end with CRLF or a bare LF.
func TestNextParsesLines(t *testing.T) {
	c, s := pair(t)
	s.write(":irc.test 001 alice :Welcome\r\n@time=2024-01-01T00:00:00.000Z :bob!b@h PRIVMSG alice :hi there\n")
	ctx := ctxT(t)
	m, err := c.Next(ctx)
	if err != nil || m.Command != irc.RPL_WELCOME || m.Param(0) != "alice" || m.Prefix.Name != "irc.test" {
		t.Fatalf("first message %v, %v", m, err)
	}
	m, err = c.Next(ctx)
	if err != nil || m.Command != "PRIVMSG" || m.Trailing() != "hi there" || m.Tags["time"] == "" {
		t.Fatalf("second message %v, %v", m, err)
	}
	if log := c.Log(); !strings.Contains(log, "001 alice") || !strings.Contains(log, "hi there") {
		t.Errorf("log %q misses the messages read", log)
	}
}

// A line the server must never send ends the connection, and the client
// says why instead of skipping it.
func TestBadLinesEndTheConnection(t *testing.T) {
	for _, tc := range []struct {
		name, line string
	}{
		{"CR inside", ":bob PRIVMSG alice :a\rb\r\n"},
		{"NUL inside", ":bob PRIVMSG alice :a\x00b\r\n"},
		{"empty", "\r\n"},
		{"tags only", "@time=x\r\n"},
		{"too long", ":bob PRIVMSG alice :" + strings.Repeat("x", MaxLine) + "\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := pair(t)
			s.write(":irc.test NOTICE alice :before\r\n" + tc.line)
			ctx := ctxT(t)
			if m, err := c.Next(ctx); err != nil || m.Trailing() != "before" {
				t.Fatalf("the line before: %v, %v", m, err)
			}
			m, err := c.Next(ctx)
			if err == nil || !errors.Is(c.Err(), ErrBadLine) {
				t.Fatalf("got %v, %v (reader: %v); want the connection ended by a bad line", m, err, c.Err())
			}
			if !strings.Contains(err.Error(), "bad line") {
				t.Errorf("error %q does not say the line was bad", err)
			}
		})
	}
}

// Roundtrip returns what came before the PONG of its own PING, whatever
// other PONGs arrive, and leaves what follows for the next read.
func TestRoundtrip(t *testing.T) {
	c, s := pair(t)
	ctx := ctxT(t)
	type result struct {
		msgs []*irc.Message
		err  error
	}
	done := make(chan result, 1)
	go func() {
		msgs, err := c.Roundtrip(ctx)
		done <- result{msgs, err}
	}()
	ping, err := irc.ParseMessage(s.line())
	if err != nil || ping.Command != "PING" || ping.Param(0) == "" {
		t.Fatalf("client sent %v, %v; want PING <token>", ping, err)
	}
	s.write(":irc.test NOTICE alice :one\r\n:irc.test PONG irc.test :other-token\r\n" +
		":irc.test PONG irc.test " + ping.Param(0) + "\r\n:irc.test NOTICE alice :after\r\n")
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got []string
	for _, m := range r.msgs {
		got = append(got, m.Command+" "+m.Trailing())
	}
	if want := "NOTICE one|PONG other-token"; strings.Join(got, "|") != want {
		t.Errorf("before the PONG: %q, want %q", got, want)
	}
	if m, err := c.Next(ctx); err != nil || m.Trailing() != "after" {
		t.Errorf("after the barrier: %v, %v", m, err)
	}
	// Two barriers never share a token.
	go func() {
		_, err := c.Roundtrip(ctx)
		done <- result{err: err}
	}()
	if next := s.line(); next == ping.String() {
		t.Errorf("second barrier reused %q", next)
	} else {
		s.write("PONG irc.test " + strings.TrimPrefix(next, "PING ") + "\r\n")
	}
	if r := <-done; r.err != nil {
		t.Fatal(r.err)
	}
}

// Expect gives up at the context's deadline and shows what it read.
func TestExpectTimesOutWithTheLog(t *testing.T) {
	c, s := pair(t)
	s.write(":irc.test NOTICE alice :not this\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.Expect(ctx, "a JOIN", Command("JOIN"))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "a JOIN") || !strings.Contains(err.Error(), "not this") {
		t.Errorf("error %v; want a timeout naming the wait and the lines read", err)
	}
}

func TestCommand(t *testing.T) {
	m := irc.MustParseMessage(":irc.test 366 alice &msn :End of /NAMES list")
	for _, tc := range []struct {
		cmd    string
		params []string
		want   bool
	}{
		{"366", nil, true},
		{"366", []string{"alice", "&msn"}, true},
		{"366", []string{"*", "&msn"}, true},
		{"366", []string{"*", "#other"}, false},
		{"353", nil, false},
		{"366", []string{"alice", "&msn", "End of /NAMES list", "more"}, false},
	} {
		if got := Command(tc.cmd, tc.params...)(m); got != tc.want {
			t.Errorf("Command(%q, %q) = %v, want %v", tc.cmd, tc.params, got, tc.want)
		}
	}
}

// The server's closing the connection ends ReadUntilClosed with what came
// before.
func TestReadUntilClosed(t *testing.T) {
	c, s := pair(t)
	s.write("ERROR :Closing link\r\n")
	s.conn.Close()
	msgs, err := c.ReadUntilClosed(ctxT(t))
	if err != nil || len(msgs) != 1 || msgs[0].Command != "ERROR" {
		t.Errorf("got %v, %v; want the ERROR", msgs, err)
	}
}

// Send refuses a line that would smuggle another one.
func TestSendRefusesLineEnds(t *testing.T) {
	c, s := pair(t)
	ctx := ctxT(t)
	if err := c.Send(ctx, "PRIVMSG bob :a\r\nQUIT"); err == nil {
		t.Error("a line with CRLF inside was sent")
	}
	if err := c.Send(ctx, "PRIVMSG bob :a", "PRIVMSG bob :b"); err != nil {
		t.Fatal(err)
	}
	if a, b := s.line(), s.line(); a != "PRIVMSG bob :a" || b != "PRIVMSG bob :b" {
		t.Errorf("server read %q, %q", a, b)
	}
}

// Close does not wait for a test to take what the server sent: a client
// whose queue is full still closes.
func TestCloseWithAFullQueue(t *testing.T) {
	c, s := pair(t)
	go func() {
		line := []byte(":irc.test NOTICE alice :flood\r\n")
		for {
			if _, err := s.conn.Write(line); err != nil {
				return
			}
		}
	}()
	ctx := ctxT(t)
	// Wait until the queue is full: the reader then holds one message more.
	for len(c.Messages()) < queueSize {
		select {
		case <-ctx.Done():
			t.Fatalf("the queue holds %d messages", len(c.Messages()))
		default:
			runtime.Gosched()
		}
	}
	closed := make(chan struct{})
	go func() {
		c.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-ctx.Done():
		t.Fatal("Close waits for the test to read the queue")
	}
}
