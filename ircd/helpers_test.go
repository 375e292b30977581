package ircd

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/irctest"
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
	refuse    error // when not nil, every login is refused with it
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
	if b.refuse != nil {
		return nil, b.refuse
	}
	if pw, ok := b.passwords[creds.Account]; !ok || pw != creds.Password {
		return nil, ErrBadCredentials
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

// testClient is the shared test client (internal/irctest) with the
// helpers the ircd tests call; its methods fail the test instead of
// returning errors.
type testClient struct {
	t    *testing.T
	ic   *irctest.Client
	conn net.Conn
	msgs <-chan *irc.Message // every message read, for tests that take them directly
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
	ic := irctest.New(conn)
	t.Cleanup(func() { ic.Close() })
	return &testClient{t: t, ic: ic, conn: conn, msgs: ic.Messages()}
}

// close closes the connection and waits for the client's reader.
func (c *testClient) close() { c.ic.Close() }

// ctx bounds one wait of the test.
func (c *testClient) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), testTimeout)
}

// send writes one line, or several separated by CRLF in one write; a
// failed write fails the test.
func (c *testClient) send(format string, args ...any) {
	c.t.Helper()
	lines := strings.Split(fmt.Sprintf(format, args...), "\r\n")
	ctx, cancel := c.ctx()
	defer cancel()
	if err := c.ic.Send(ctx, lines...); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next message.
func (c *testClient) next() *irc.Message {
	c.t.Helper()
	ctx, cancel := c.ctx()
	defer cancel()
	m, err := c.ic.Next(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

// expect skips messages until one with command cmd arrives.
func (c *testClient) expect(cmd string) *irc.Message {
	c.t.Helper()
	ctx, cancel := c.ctx()
	defer cancel()
	m, err := c.ic.Expect(ctx, cmd, irctest.Command(cmd))
	if err != nil {
		c.t.Fatal(err)
	}
	return m
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
	ctx, cancel := c.ctx()
	defer cancel()
	msgs, err := c.ic.Roundtrip(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	return msgs
}

// expectClosed waits until the server closes the connection and returns
// the messages received until then.
func (c *testClient) expectClosed() []*irc.Message {
	c.t.Helper()
	ctx, cancel := c.ctx()
	defer cancel()
	msgs, err := c.ic.ReadUntilClosed(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	return msgs
}

// register runs NICK and USER and waits for the end of the burst.
func (c *testClient) register(nick string) []*irc.Message {
	c.t.Helper()
	return c.registerWith(irctest.Registration{Nick: nick})
}

// registerCaps negotiates caps with CAP LS 302 and registers.
func (c *testClient) registerCaps(nick string, caps ...string) []*irc.Message {
	c.t.Helper()
	return c.registerWith(irctest.Registration{Nick: nick, Caps: caps})
}

// loginSASL registers with SASL PLAIN as account.
func (c *testClient) loginSASL(nick, account, password string, caps ...string) []*irc.Message {
	c.t.Helper()
	return c.registerWith(irctest.Registration{Nick: nick, Account: account, Password: password, Caps: caps})
}

// registerWith registers, checks that every capability asked for was
// acknowledged, and returns what arrived after the welcome until a
// Roundtrip.
func (c *testClient) registerWith(r irctest.Registration) []*irc.Message {
	c.t.Helper()
	ctx, cancel := c.ctx()
	defer cancel()
	msgs, err := c.ic.Register(ctx, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if len(r.Caps) > 0 && r.Account == "" {
		var ack *irc.Message
		for _, m := range find(msgs, "CAP") {
			if m.Param(1) == "ACK" {
				ack = m
			}
		}
		if ack == nil {
			c.t.Fatalf("no CAP ACK for %q: %v", r.Caps, msgs)
		}
		checkParams(c.t, ack, "*any*", "ACK", strings.Join(r.Caps, " "))
	}
	c.nick = r.Nick
	return c.sync()
}

func plainPayload(account, password string) string { return irctest.PlainPayload(account, password) }

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
