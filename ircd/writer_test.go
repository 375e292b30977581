package ircd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// A client that stops reading while a burst far larger than the socket
// buffers is sent to it: the senders never wait for it, and once it reads
// again it gets every line whole and in order, whether a line went out
// directly, queued, or split between the two.
func TestWriterSlowClientGetsEveryLineInOrder(t *testing.T) {
	const senders, perSender = 4, 150
	e := newEnv(t, Config{SendQueue: senders*perSender + 64})
	w, h := e.backend.world("alice@example.com")
	w.SetUser(User{Nick: "bob", Online: true})

	conn := dialSmallSendBuffer(t, e)
	conn.SetDeadline(time.Now().Add(testTimeout))
	r := registerRaw(t, conn)
	h.expectCall(t, "Attached")

	// The client reads nothing while this runs: about 300 KiB.
	pad := strings.Repeat("x", 400)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perSender {
				w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: fmt.Sprintf("s%d n%d %s", s, i, pad)})
			}
		}()
	}
	sent := make(chan struct{})
	go func() { wg.Wait(); close(sent) }()
	select {
	case <-sent:
	case <-time.After(testTimeout):
		t.Fatal("senders blocked on a client that does not read")
	}

	next := make([]int, senders)
	for got := 0; got < senders*perSender; got++ {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d lines: %v", got, err)
		}
		var s, n int
		body, ok := strings.CutPrefix(line, ":bob!bob@irc.test PRIVMSG alice :")
		body, crlf := strings.CutSuffix(body, " "+pad+"\r\n")
		if _, err := fmt.Sscanf(body, "s%d n%d", &s, &n); !ok || !crlf || err != nil {
			t.Fatalf("line %d broken: %.80q (%v)", got, line, err)
		}
		if n != next[s] {
			t.Fatalf("sender %d: got line %d, want %d", s, n, next[s])
		}
		next[s]++
	}
	if w.ClientCount() != 1 {
		t.Fatalf("the client was dropped")
	}
}

// A client that keeps reading a burst, slowly but never stalled for
// WriteTimeout, gets all of it, however long the whole burst takes.
func TestWriterSteadyReaderOfLongBurstKept(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := newEnv(t, Config{WriteTimeout: timeout})
	w, h := e.backend.world("alice@example.com")
	w.SetUser(User{Nick: "bob", Online: true})
	srvSide, conn := net.Pipe() // each write waits for the client to read it
	serveConn(t, e, srvSide, conn)
	r := registerRaw(t, conn)
	h.expectCall(t, "Attached")

	// About 650 KiB, queued at once: read 4 KiB every 5 ms, it takes
	// about 800 ms, and no write waits more than about 20 ms.
	const lines = 1500
	pad := strings.Repeat("y", 400)
	for range lines {
		w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: pad})
	}
	slow := bufio.NewReader(&pacedReader{r: r, every: 5 * time.Millisecond})
	for got := range lines {
		if _, err := slow.ReadString('\n'); err != nil {
			t.Fatalf("dropped after %d of %d lines: %v", got, lines, err)
		}
	}
}

// pacedReader reads at most 4 KiB a call from r, one call every every.
type pacedReader struct {
	r     io.Reader
	every time.Duration
	last  time.Time
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if wait := p.every - time.Since(p.last); wait > 0 {
		time.Sleep(wait) // the client is slow: that is what is tested
	}
	p.last = time.Now()
	return p.r.Read(b[:min(len(b), 4096)])
}

// A client whose queue fills while it does not read is dropped; the
// senders never wait for it.
func TestWriterStuckTCPClientDropped(t *testing.T) {
	e := newEnv(t, Config{SendQueue: 16})
	w, h := e.backend.world("alice@example.com")
	w.SetUser(User{Nick: "bob", Online: true})
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret")
	h.expectCall(t, "Attached")
	// A second client that registers and then never reads.
	stuck, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	stuck.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(stuck, "PASS alice@example.com:secret\r\nNICK s\r\nUSER s 0 * :s\r\n")
	h.expectCall(t, "Attached")
	pad := strings.Repeat("y", 400)
	for i := 0; w.ClientCount() == 2; i++ {
		if i > 100000 {
			t.Fatal("stuck client never dropped")
		}
		w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: pad})
		c.expectParams("PRIVMSG", "alice", pad)
	}
	h.expectCall(t, "Detached")
}

// dialSmallSendBuffer serves a TCP connection whose server side has a small
// send buffer, so that the client's socket fills after a few lines.
func dialSmallSendBuffer(t *testing.T, e *testEnv) net.Conn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srvSide, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if err := srvSide.(*net.TCPConn).SetWriteBuffer(4096); err != nil {
		t.Fatal(err)
	}
	serveConn(t, e, srvSide, conn)
	return conn
}

// serveConn serves srvSide, the server's side of conn, until the test
// ends and closes conn.
func serveConn(t *testing.T, e *testEnv, srvSide, conn net.Conn) {
	t.Helper()
	served := make(chan struct{})
	go func() {
		defer close(served)
		e.srv.ServeConn(context.Background(), srvSide)
	}()
	t.Cleanup(func() {
		conn.Close()
		<-served
	})
}

// registerRaw registers alice over conn and reads up to the PONG after
// her welcome; it returns the reader of what follows.
func registerRaw(t *testing.T, conn net.Conn) *bufio.Reader {
	t.Helper()
	go io.WriteString(conn, "PASS alice@example.com:secret\r\nNICK alice\r\nUSER a 0 * :a\r\nPING :registered\r\n")
	r := bufio.NewReaderSize(conn, 1<<16)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("registration: %v", err)
		}
		if strings.Contains(line, "PONG") && strings.Contains(line, "registered") {
			return r
		}
	}
}

// Lines are encoded straight into the write buffer as encodeLine encodes
// them, with the same repairs.
func TestAppendEncodedMatchesEncodeLine(t *testing.T) {
	for _, m := range []*irc.Message{
		{Command: "PING"},
		{Command: "PRIVMSG", Params: []string{"bob", "hello"}},
		{Command: "PRIVMSG", Params: []string{"bob", "hello there"}},
		{Command: "PRIVMSG", Params: []string{"bob", ""}},
		{Command: "PRIVMSG", Params: []string{"bob", ":)"}},
		{Command: "PRIVMSG", Params: []string{"b o\rb", "two\r\nlines\x00"}},
		{Command: "353", Params: []string{"alice", "=", "&msn", "@alice +bob"}},
		{Command: "JOIN", Params: []string{":x", "\xff"}},
		{Prefix: &irc.Prefix{Name: "irc.test"}, Command: "001", Params: []string{"alice", "Welcome"}},
		{Prefix: &irc.Prefix{Name: "bob", User: "bob", Host: "hotmail.com"}, Command: "AWAY", Params: []string{"Busy"}},
		{Prefix: &irc.Prefix{Name: ":b!o b", User: "a@b", Host: "Zoë\xfe\r"}, Command: "NICK", Params: []string{"x"}},
		{Prefix: &irc.Prefix{Name: "", User: "u", Host: "h"}, Command: "NOTICE", Params: []string{"*", "x y"}},
		{Tags: irc.Tags{"time": "2026-01-01T00:00:00.000Z"}, Prefix: &irc.Prefix{Name: "bob"}, Command: "PRIVMSG", Params: []string{"alice", "hi"}},
		{Tags: irc.Tags{"+typing": "a;b c\\d\r\n"}, Command: "TAGMSG", Params: []string{"alice"}},
		{Tags: irc.Tags{"bot": ""}, Command: "PRIVMSG", Params: []string{"alice", "hi"}},
	} {
		if got, want := string(appendEncoded([]byte("x"), m)), "x"+encodeLine(m); got != want {
			t.Errorf("appendEncoded(%v) = %q, want %q", m, got, want)
		}
	}
}

// A reply longer than the whole send queue (WHO of a big contact list)
// reaches the client whole, and a client that sends a burst of commands
// faster than it reads the replies is slowed down, not dropped.
func TestWriterRepliesLongerThanQueue(t *testing.T) {
	const users, pings = 300, 500
	e := newEnv(t, Config{SendQueue: 8})
	w, _ := e.backend.world("alice@example.com")
	var members []Member
	for i := range users {
		nick := fmt.Sprintf("u%03d", i)
		w.SetUser(User{Nick: nick, Online: true})
		members = append(members, Member{Nick: nick})
	}
	w.OpenChannel("#big", "", true, members)
	c, _, _ := loggedIn(t, e)
	c.send("WHO #big")
	who := 0
	for m := c.next(); m.Command != irc.RPL_ENDOFWHO; m = c.next() {
		if m.Command == irc.RPL_WHOREPLY {
			who++
		}
	}
	if want := users + 1; who != want { // alice too
		t.Fatalf("got %d WHO lines, want %d", who, want)
	}
	var b strings.Builder
	for i := range pings {
		fmt.Fprintf(&b, "PING :p%d\r\n", i)
	}
	c.send("%s", strings.TrimSuffix(b.String(), "\r\n"))
	for i := range pings {
		c.expectParams("PONG", "irc.test", fmt.Sprintf("p%d", i))
	}
	if w.ClientCount() != 1 {
		t.Fatal("the client was dropped")
	}
}

// An idle client holds no writer goroutine (and its stack): the writer
// runs while lines are queued, and a line sent later still arrives.
func TestWriterIdleClientHoldsNoWriter(t *testing.T) {
	e := newEnv(t, Config{})
	w, _ := e.backend.world("alice@example.com")
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret")
	c.sync()
	// Polled: the writer returns just after its last write.
	deadline := time.Now().Add(testTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for writersRunning() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d writer goroutines still run for an idle client", writersRunning())
		}
		<-tick.C
	}
	w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: "still here"})
	if m := c.expect("PRIVMSG"); m.Trailing() != "still here" {
		t.Fatalf("got %v", m)
	}
}

// writersRunning counts the goroutines in Client.writeLoop.
func writersRunning() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "ircd.(*Client).writeLoop(")
}

// Tag values are escaped as message-tags says, as the irc package escapes
// them (values are valid UTF-8 by then: sendableTag).
func TestAppendTagValue(t *testing.T) {
	for _, v := range []string{"", "plain", "a;b c\\d\r\ne", ";;  \\\\", "Zoë ☃;", "2024-05-01T12:00:00.000Z"} {
		if got, want := string(appendTagValue([]byte("x"), v)), "x"+irc.EncodeTagValue(v); got != want {
			t.Errorf("appendTagValue(%q) = %q, want %q", v, got, want)
		}
	}
}

// stuckClient registers a client with caps (none when "") over a pipe,
// reads up to the answer to its PING, then reads no more: net.Pipe
// buffers nothing, so the server's writer blocks on the next line and the
// queue fills. served is closed when the server is done with it.
func stuckClient(t *testing.T, e *testEnv, caps string) (served <-chan struct{}) {
	t.Helper()
	srvSide, cliSide := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.srv.ServeConn(context.Background(), srvSide)
	}()
	t.Cleanup(func() {
		cliSide.Close()
		<-done
	})
	cliSide.SetDeadline(time.Now().Add(testTimeout))
	login := "PASS alice@example.com:secret\r\nNICK s\r\nUSER s 0 * :s\r\nPING :done\r\n"
	if caps != "" {
		login = "CAP LS 302\r\nCAP REQ :" + caps + "\r\nPASS alice@example.com:secret\r\nNICK s\r\nUSER s 0 * :s\r\nCAP END\r\nPING :done\r\n"
	}
	go io.WriteString(cliSide, login)
	r := bufio.NewReader(cliSide)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stuck client registration: %v", err)
		}
		if strings.Contains(line, "PONG") && strings.Contains(line, "done") {
			return done
		}
	}
}

// The send queue is bounded in bytes as well as lines: a client that does
// not read lines carrying kilobytes of tags is dropped once they fill
// SendQueueBytes, long before SendQueue lines.
func TestSendQueueBytesBound(t *testing.T) {
	const lines, bytes = 1000, 32 << 10
	e := newEnv(t, Config{SendQueue: lines, SendQueueBytes: bytes})
	good, w, h := loggedIn(t, e)
	served := stuckClient(t, e, "message-tags")
	h.expectCall(t, "Attached")
	pad := map[string]string{"+pad": strings.Repeat("p", 3000)}
	sent := 0
	for ; w.ClientCount() == 2; sent++ {
		if sent > bytes/3000+10 {
			t.Fatalf("stuck client not dropped after %d lines of 3 KB (SendQueueBytes %d)", sent, bytes)
		}
		w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: "flood", Tags: pad})
		good.expectParams("PRIVMSG", "alice", "flood")
	}
	h.expectCall(t, "Detached")
	<-served
}
