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

// bytesConn is a net.Conn that reads from a buffer and discards writes.
type bytesConn struct{ r *bytes.Reader }

func (c *bytesConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *bytesConn) Write(p []byte) (int, error)      { return len(p), nil }
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
	w.SetUser(User{Nick: "bob", Online: true, Realname: "Bob", Info: []string{"info"}})
	w.SetUser(User{Nick: "carol", Online: true, Away: "Busy"})
	w.OpenChannel("&msn", "topic", true, []Member{{Nick: "bob", Voice: true}, {Nick: "carol"}})
	return w
})

// runFuzzInput runs data as the input of a registered client.
func runFuzzInput(t *testing.T, data []byte) {
	w := fuzzWorld()
	srv := w.srv
	c := newClient(srv, &bytesConn{r: bytes.NewReader(data)})
	// Counted as Serve counts a connection, and let go at the end as it does.
	if refusal := srv.limits.admit(c.Source()); refusal != "" {
		t.Fatal(refusal)
	}
	defer srv.limits.leaveGuest(c)
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
		checkQueued(t, c)
		select {
		case <-c.done:
			return
		default:
		}
	}
	checkQueued(t, c)
}

// checkQueued checks and takes the lines queued for c.
func checkQueued(t *testing.T, c *Client) {
	t.Helper()
	for {
		select {
		case m := <-c.out:
			checkOutgoing(t, m)
		default:
			return
		}
	}
}

// checkOutgoing checks that m serialises to one line that parses back to
// the same command and parameter count.
func checkOutgoing(t *testing.T, m *irc.Message) {
	t.Helper()
	line := encodeLine(m)
	if len(m.Tags) <= 1 { // tags come in map order
		if got := string(appendEncoded(nil, m)); got != line {
			t.Fatalf("appendEncoded gives %q, encodeLine %q", got, line)
		}
	}
	if strings.ContainsAny(line, "\r\n\x00") {
		t.Fatalf("line break in %q", line)
	}
	back, err := irc.ParseMessage(line)
	if err != nil {
		t.Fatalf("unparsable %q: %v", line, err)
	}
	if back.Command != m.Command || len(back.Params) != len(m.Params) {
		t.Fatalf("%q parses back as %v (sent %d params)", line, back, len(m.Params))
	}
}
