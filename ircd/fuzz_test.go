package ircd

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// bytesConn is a net.Conn that reads from a buffer and keeps what is written.
type bytesConn struct {
	r  *bytes.Reader
	mu sync.Mutex
	w  bytes.Buffer
}

func (c *bytesConn) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *bytesConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Write(p)
}

// written returns what the server wrote so far.
func (c *bytesConn) written() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.String()
}

func (c *bytesConn) Close() error                     { return nil }
func (c *bytesConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (c *bytesConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (c *bytesConn) SetDeadline(time.Time) error      { return nil }
func (c *bytesConn) SetReadDeadline(time.Time) error  { return nil }
func (c *bytesConn) SetWriteDeadline(time.Time) error { return nil }

// nopHandler accepts everything and changes nothing.
type nopHandler struct{}

func (nopHandler) Attached(context.Context, *Client)                           {}
func (nopHandler) Detached(context.Context, *Client)                           {}
func (nopHandler) Message(context.Context, *Client, Message) error             { return nil }
func (nopHandler) Join(context.Context, *Client, string) error                 { return nil }
func (nopHandler) Part(context.Context, *Client, string, string) error         { return nil }
func (nopHandler) Invite(context.Context, *Client, string, string) error       { return nil }
func (nopHandler) Kick(context.Context, *Client, string, string, string) error { return nil }
func (nopHandler) Topic(context.Context, *Client, string, string) error        { return nil }
func (nopHandler) Away(context.Context, *Client, string) error                 { return nil }
func (nopHandler) Realname(context.Context, *Client, string) error             { return nil }
func (nopHandler) NickChanged(context.Context, *Client, string, string)        {}

type fixedBackend struct{ w *World }

func (b *fixedBackend) Authenticate(context.Context, Credentials) (*World, error) { return b.w, nil }
func (b *fixedBackend) Guest(context.Context) (*World, error)                     { return b.w, nil }

// FuzzHandleLine feeds arbitrary bytes through the line reader and the
// command handlers of a registered client and checks that every line the
// server queues is well formed.
func FuzzHandleLine(f *testing.F) {
	for _, s := range []string{
		"PRIVMSG bob :hi\r\n",
		"@+typing=active;label=x TAGMSG bob\r\n",
		"WHOIS bob\r\nWHO &msn\r\nNAMES &msn\r\n",
		"MONITOR + bob,carol,dan\r\nMONITOR L\r\nMONITOR S\r\n",
		"AUTHENTICATE PLAIN\r\nAUTHENTICATE +\r\n",
		"CAP REQ :-echo-message batch\r\nCAP LIST\r\n",
		"NICK :a b\r\nNICK bob\r\nNICK new\r\n",
		"MODE &msn +o bob\r\nMODE &msn b\r\nKICK &msn bob :x\r\n",
		"SETNAME :new name\r\nAWAY :gone\r\nAWAY\r\n",
		":prefix PRIVMSG &msn :\x01ACTION waves\x01\n",
		"@" + strings.Repeat("a", 5000) + " PING x\r\nPING y\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(runFuzzInput)
}

var fuzzWorld = sync.OnceValue(func() *World {
	srv := NewServer(Config{ServerName: "fuzz.test", SendQueue: 4096}, nil)
	w := srv.NewWorld(nopHandler{})
	srv.backend = &fixedBackend{w: w}
	w.SetUser(User{Nick: "bob", Online: true, Realname: "Bob"})
	w.SetUser(User{Nick: "carol", Online: true, Away: "Busy"})
	w.OpenChannel("&msn", "topic", true, []Member{{Nick: "bob", Voice: true}, {Nick: "carol"}})
	return w
})

// runFuzzInput runs data as the input of a registered client.
func runFuzzInput(t *testing.T, data []byte) {
	w := fuzzWorld()
	srv := w.srv
	conn := &bytesConn{r: bytes.NewReader(data)}
	c := newClient(srv, conn)
	// Counted as Serve counts a connection, and let go at the end as it does.
	if refusal := srv.limits.admit(c.Source()); refusal != "" {
		t.Fatal(refusal)
	}
	defer srv.limits.leaveWelcomed(c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.cancel = cancel
	for _, l := range []string{"CAP LS 302", "CAP REQ :message-tags echo-message labeled-response batch server-time multi-prefix",
		"NICK fuzzer", "USER fuzzer 0 * :Fuzzer", "CAP END"} {
		c.handleLine(ctx, irc.MustParseMessage(l))
	}
	if !c.registered {
		t.Fatal("not registered")
	}
	defer checkWritten(t, c, conn)
	defer w.detach(c)
	r := newLineReader(c.conn)
	for {
		line, err := r.readLine()
		if err == errLineTooLong {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(line) == 0 || !lineFits(line) {
			continue
		}
		msg, err := parseLine(string(line))
		if err != nil {
			continue
		}
		c.handleLine(ctx, msg)
		select {
		case <-c.done:
			return
		default:
		}
	}
}

// checkWritten ends the client, waits for its writer and checks every line
// it wrote: one line each, parsable, its body within 512 bytes, and no
// control character in a tag value.
func checkWritten(t *testing.T, c *Client, conn *bytesConn) {
	t.Helper()
	c.quit("")
	<-c.writerDone
	for _, line := range strings.SplitAfter(conn.written(), "\r\n") {
		if line == "" {
			continue
		}
		checkLine(t, line)
	}
}

// checkLine checks one line written to a client, with its CRLF.
func checkLine(t *testing.T, line string) {
	t.Helper()
	body, ok := strings.CutSuffix(line, "\r\n")
	if !ok {
		t.Fatalf("line without CRLF: %q", line)
	}
	if strings.ContainsAny(body, "\r\n\x00") {
		t.Fatalf("line break or NUL in %q", line)
	}
	m, err := irc.ParseMessage(body)
	if err != nil {
		t.Fatalf("unparsable %q: %v", line, err)
	}
	for k, v := range m.Tags {
		if !validTagValue(v) {
			t.Fatalf("tag %s has control characters in %q", k, line)
		}
	}
	if body[0] == '@' {
		_, body, _ = strings.Cut(body, " ")
	}
	if len(body)+2 > maxBodyLen {
		t.Fatalf("line of %d bytes (tags apart): %q", len(body)+2, line)
	}
}

// FuzzTagValue sends a client tag value as a label and as client-only tags
// on messages that are echoed and relayed, and checks every line written:
// no control character in a tag, no line over 512 bytes plus tags.
func FuzzTagValue(f *testing.F) {
	for _, s := range []string{"x", "1\x00", "a\rb\nc", "a;b c\\d", "\x07", "é\u202e", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		ev := irc.EncodeTagValue(v)
		var in strings.Builder
		for _, l := range []string{
			"@label=" + ev + " PING x",
			"@label=" + ev + ";+typing=" + ev + " TAGMSG bob",
			"@+draft/reply=" + ev + ";+typing=active PRIVMSG bob :hi",
			"@label=" + ev + ";+x=" + ev + " NOTICE fuzzer :self",
			"@label=" + ev + " WHOIS bob",
		} {
			in.WriteString(l + "\r\n")
		}
		runFuzzInput(t, []byte(in.String()))
	})
}

// FuzzMsgIDTime checks that any reference text reads as a msgid's time
// (48 bits of milliseconds, from 20 characters) or as none, without
// panicking.
func FuzzMsgIDTime(f *testing.F) {
	for _, s := range []string{NewMsgID(), "kept-12", "", "--------------------", "zzzzzzzzzzzzzzzzzzzz", "!!!!!!!!!!!!!!!!!!!!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		got, ok := MsgIDTime(id)
		if !ok {
			return
		}
		if len(id) != 20 {
			t.Fatalf("a time from %q of %d characters", id, len(id))
		}
		if ms := got.UnixMilli(); ms < 0 || ms >= 1<<48 {
			t.Fatalf("time %v from %q is out of 48 bits", got, id)
		}
	})
}
