package ircd

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// testTimeout bounds every wait; it is generous because CI machines can be busy.
const testTimeout = 10 * time.Second

// fakeBackend accepts the accounts in passwords and returns one world per account.
type fakeBackend struct {
	srv       *Server
	mu        sync.Mutex
	passwords map[string]string
	worlds    map[string]*World
	handlers  map[string]*fakeHandler
	guest     *World
	guestH    *fakeHandler
	authCalls []Credentials
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{
		passwords: map[string]string{"alice@example.com": "secret"},
		worlds:    map[string]*World{},
		handlers:  map[string]*fakeHandler{},
	}
}

func (b *fakeBackend) Authenticate(ctx context.Context, creds Credentials) (*World, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.authCalls = append(b.authCalls, creds)
	if pw, ok := b.passwords[creds.Account]; !ok || pw != creds.Password {
		return nil, errors.New("wrong address or password")
	}
	return b.worldLocked(creds.Account), nil
}

func (b *fakeBackend) worldLocked(account string) *World {
	if w, ok := b.worlds[account]; ok {
		return w
	}
	h := newFakeHandler()
	w := b.srv.NewWorld(h)
	h.world = w
	b.worlds[account] = w
	b.handlers[account] = h
	return w
}

// world returns the world of an account, creating it.
func (b *fakeBackend) world(account string) (*World, *fakeHandler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.worldLocked(account)
	return w, b.handlers[account]
}

func (b *fakeBackend) Guest(ctx context.Context) (*World, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.guest == nil {
		b.guestH = newFakeHandler()
		b.guest = b.srv.NewWorld(b.guestH)
		b.guestH.world = b.guest
	}
	return b.guest, nil
}

// call is one Handler call.
type call struct {
	method string
	client *Client
	args   []string
	msg    Message
}

// fakeHandler records calls; Join opens the channel, Part closes it.
type fakeHandler struct {
	world *World
	calls chan call
	mu    sync.Mutex
	err   error // returned by the next calls
	onMsg func(c *Client, m Message) error
}

func newFakeHandler() *fakeHandler { return &fakeHandler{calls: make(chan call, 1000)} }

func (h *fakeHandler) record(cl call) error {
	h.calls <- cl
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

func (h *fakeHandler) setErr(err error) {
	h.mu.Lock()
	h.err = err
	h.mu.Unlock()
}

// Secret says a text starting with "secret:" carries a secret, as the
// bridge says of its login command.
func (h *fakeHandler) Secret(m Message) bool { return strings.HasPrefix(m.Text, "secret:") }

func (h *fakeHandler) Attached(ctx context.Context, c *Client) {
	h.record(call{method: "Attached", client: c})
}
func (h *fakeHandler) Detached(ctx context.Context, c *Client) {
	h.record(call{method: "Detached", client: c})
}
func (h *fakeHandler) Message(ctx context.Context, c *Client, m Message) error {
	if err := h.record(call{method: "Message", client: c, msg: m}); err != nil {
		return err
	}
	h.mu.Lock()
	f := h.onMsg
	h.mu.Unlock()
	if f != nil {
		return f(c, m)
	}
	return nil
}
func (h *fakeHandler) Join(ctx context.Context, c *Client, channel string) error {
	if err := h.record(call{method: "Join", client: c, args: []string{channel}}); err != nil {
		return err
	}
	h.world.OpenChannel(channel, "", true, nil)
	return nil
}
func (h *fakeHandler) Part(ctx context.Context, c *Client, channel, reason string) error {
	if err := h.record(call{method: "Part", client: c, args: []string{channel, reason}}); err != nil {
		return err
	}
	h.world.CloseChannel(channel, reason)
	return nil
}
func (h *fakeHandler) Invite(ctx context.Context, c *Client, nick, channel string) error {
	return h.record(call{method: "Invite", client: c, args: []string{nick, channel}})
}
func (h *fakeHandler) Kick(ctx context.Context, c *Client, channel, nick, reason string) error {
	return h.record(call{method: "Kick", client: c, args: []string{channel, nick, reason}})
}
func (h *fakeHandler) Topic(ctx context.Context, c *Client, channel, topic string) error {
	if err := h.record(call{method: "Topic", client: c, args: []string{channel, topic}}); err != nil {
		return err
	}
	h.world.SetTopic(channel, topic, c.Nick())
	return nil
}
func (h *fakeHandler) Away(ctx context.Context, c *Client, text string) error {
	return h.record(call{method: "Away", client: c, args: []string{text}})
}
func (h *fakeHandler) Realname(ctx context.Context, c *Client, name string) error {
	return h.record(call{method: "Realname", client: c, args: []string{name}})
}
func (h *fakeHandler) NickChanged(ctx context.Context, c *Client, oldNick, newNick string) {
	h.record(call{method: "NickChanged", client: c, args: []string{oldNick, newNick}})
}

// expectCall waits for the next call of method, skipping others.
func (h *fakeHandler) expectCall(t *testing.T, method string) call {
	t.Helper()
	deadline := time.After(testTimeout)
	for {
		select {
		case cl := <-h.calls:
			if cl.method == method {
				return cl
			}
		case <-deadline:
			t.Fatalf("no %s call on the handler", method)
		}
	}
}

// noCall checks that no call of method is queued.
func (h *fakeHandler) noCall(t *testing.T, method string) {
	t.Helper()
	for {
		select {
		case cl := <-h.calls:
			if cl.method == method {
				t.Fatalf("unexpected %s call: %+v", method, cl)
			}
		default:
			return
		}
	}
}

// testEnv is a server with a fake backend.
type testEnv struct {
	t       *testing.T
	srv     *Server
	backend *fakeBackend
	addr    string
}

// newEnv starts a server on 127.0.0.1 and checks at the end that every
// goroutine it started is gone.
func newEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() { waitGoroutines(t, base) })
	if cfg.ServerName == "" {
		cfg.ServerName = "irc.test"
	}
	b := newFakeBackend()
	srv := NewServer(cfg, b)
	b.srv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), testTimeout)
		defer scancel()
		if err := srv.Shutdown(sctx, "test over"); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		cancel()
		<-served
	})
	return &testEnv{t: t, srv: srv, backend: b, addr: ln.Addr().String()}
}

func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("%d goroutines left behind (had %d):\n%s", n-base, base, buf)
			return
		}
		<-tick.C
	}
}

// testClient is a minimal IRC client for tests.
type testClient struct {
	t    *testing.T
	conn net.Conn
	msgs chan *irc.Message
	done chan struct{}
	wmu  sync.Mutex
	nick string
}

func (e *testEnv) dial() *testClient {
	e.t.Helper()
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	return newTestClient(e.t, conn)
}

// pipe serves one end of a net.Pipe with ServeConn and returns a client on the other.
func (e *testEnv) pipe() *testClient {
	e.t.Helper()
	srvSide, cliSide := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.srv.ServeConn(context.Background(), srvSide)
	}()
	e.t.Cleanup(func() {
		cliSide.Close()
		<-done
	})
	return newTestClient(e.t, cliSide)
}

func newTestClient(t *testing.T, conn net.Conn) *testClient {
	c := &testClient{t: t, conn: conn, msgs: make(chan *irc.Message, 10000), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer close(c.msgs)
		sc := bufio.NewScanner(conn)
		sc.Buffer(make([]byte, 0, 1024), 1<<20)
		for sc.Scan() {
			m, err := irc.ParseMessage(sc.Text())
			if err != nil {
				continue
			}
			c.msgs <- m
		}
	}()
	t.Cleanup(c.close)
	return c
}

func (c *testClient) close() {
	c.conn.Close()
	<-c.done
}

// send writes one line; a failed write fails the test.
func (c *testClient) send(format string, args ...any) {
	c.t.Helper()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(testTimeout))
	if _, err := fmt.Fprintf(c.conn, format+"\r\n", args...); err != nil {
		c.t.Fatalf("write %q: %v", fmt.Sprintf(format, args...), err)
	}
}

// next returns the next message.
func (c *testClient) next() *irc.Message {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("connection closed")
		}
		return m
	case <-time.After(testTimeout):
		c.t.Fatalf("timed out waiting for a message")
	}
	return nil
}

// expect skips messages until one with command cmd arrives.
func (c *testClient) expect(cmd string) *irc.Message {
	c.t.Helper()
	var skipped []string
	deadline := time.After(testTimeout)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("connection closed waiting for %s; got %v", cmd, skipped)
			}
			if m.Command == cmd {
				return m
			}
			skipped = append(skipped, m.String())
		case <-deadline:
			c.t.Fatalf("timed out waiting for %s; got %v", cmd, skipped)
		}
	}
}

// expectParams waits for cmd and compares its parameters.
func (c *testClient) expectParams(cmd string, params ...string) *irc.Message {
	c.t.Helper()
	m := c.expect(cmd)
	checkParams(c.t, m, params...)
	return m
}

// checkParams compares parameters; "*any*" matches anything.
func checkParams(t *testing.T, m *irc.Message, params ...string) {
	t.Helper()
	if len(m.Params) != len(params) {
		t.Fatalf("%s: params %q, want %q", m.Command, m.Params, params)
	}
	for i, p := range params {
		if p != "*any*" && m.Params[i] != p {
			t.Fatalf("%s: params %q, want %q", m.Command, m.Params, params)
		}
	}
}

// sync sends a PING and returns everything received before its PONG.
func (c *testClient) sync() []*irc.Message {
	c.t.Helper()
	token := fmt.Sprintf("sync%d", time.Now().UnixNano())
	c.send("PING %s", token)
	var got []*irc.Message
	deadline := time.After(testTimeout)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("connection closed during sync; got %v", got)
			}
			if m.Command == "PONG" && m.Param(1) == token {
				return got
			}
			got = append(got, m)
		case <-deadline:
			c.t.Fatalf("timed out in sync; got %v", got)
		}
	}
}

// expectClosed waits until the server closes the connection and returns
// the messages received until then.
func (c *testClient) expectClosed() []*irc.Message {
	c.t.Helper()
	var got []*irc.Message
	deadline := time.After(testTimeout)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				return got
			}
			got = append(got, m)
		case <-deadline:
			c.t.Fatalf("connection still open; got %v", got)
		}
	}
}

// register runs NICK and USER and waits for the end of the burst.
func (c *testClient) register(nick string) []*irc.Message {
	c.t.Helper()
	c.send("NICK %s", nick)
	c.send("USER %s 0 * :Real %s", nick, nick)
	c.expect(irc.RPL_WELCOME)
	c.nick = nick
	return c.sync()
}

// registerCaps negotiates caps with CAP LS 302 and registers.
func (c *testClient) registerCaps(nick string, caps ...string) []*irc.Message {
	c.t.Helper()
	c.send("CAP LS 302")
	c.send("NICK %s", nick)
	c.send("USER %s 0 * :Real %s", nick, nick)
	if len(caps) > 0 {
		c.send("CAP REQ :%s", strings.Join(caps, " "))
		checkParams(c.t, c.expectCap("ACK"), "*any*", "ACK", strings.Join(caps, " "))
	}
	c.send("CAP END")
	c.expect(irc.RPL_WELCOME)
	c.nick = nick
	return c.sync()
}

// loginSASL registers with SASL PLAIN as account.
func (c *testClient) loginSASL(nick, account, password string, caps ...string) []*irc.Message {
	c.t.Helper()
	c.send("CAP LS 302")
	c.send("CAP REQ :%s", strings.Join(append([]string{"sasl"}, caps...), " "))
	c.expectCap("ACK")
	c.send("NICK %s", nick)
	c.send("USER %s 0 * :Real %s", nick, nick)
	c.send("AUTHENTICATE PLAIN")
	c.expectParams("AUTHENTICATE", "+")
	c.send("AUTHENTICATE %s", plainPayload(account, password))
	c.expect(irc.RPL_SASLSUCCESS)
	c.send("CAP END")
	c.expect(irc.RPL_WELCOME)
	c.nick = nick
	return c.sync()
}

func plainPayload(account, password string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + account + "\x00" + password))
}

// find returns the messages with command cmd.
func find(msgs []*irc.Message, cmd string) []*irc.Message {
	var out []*irc.Message
	for _, m := range msgs {
		if m.Command == cmd {
			out = append(out, m)
		}
	}
	return out
}

func commandsOf(msgs []*irc.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Command
	}
	return out
}

// expectCap waits for a CAP reply with the subcommand sub.
func (c *testClient) expectCap(sub string) *irc.Message {
	c.t.Helper()
	for {
		m := c.expect("CAP")
		if m.Param(1) == sub {
			return m
		}
	}
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func mustDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}
