package bridge_test

import (
	"context"
	"encoding/base64"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/irctest"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// The test accounts. alice is the IRC user; the others are her contacts.
const (
	alice    = "alice@example.com"
	bob      = "bob@example.com"
	carol    = "carol@example.com"
	dave     = "dave@example.com"
	password = "s3cret-pw"
)

// waitTime bounds every wait of a test.
const waitTime = 10 * time.Second

// versions are the MSN protocol versions the end-to-end tests run over:
// MD5 login (MSNP2, MSNP7) and TWN login (MSNP10 with GUIDs, MSNP12).
var versions = []string{"MSNP2", "MSNP7", "MSNP10", "MSNP12", "MSNP15", "MSNP18"}

// versionNumber is the env's protocol version as a number.
func (e *env) versionNumber() int {
	n, _ := strconv.Atoi(strings.TrimPrefix(e.version, "MSNP"))
	return n
}

// env is a bridge and IRC server over real TCP, signed in to an in-process
// MSN server.
type env struct {
	t       *testing.T
	version string
	msn     *msntest.Server
	dbPath  string
	addr    string
	stop    func() // stops the bridge and the IRC server (not the MSN server)
	bridge  *bridge.Bridge
	store   *db.Store // the running bridge's store
	tweak   func(*bridge.Config)
	clock   *testClock // the bridge's clock for the login limits
}

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// advance moves the clock forward, e.g. past a login block.
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newEnv starts the MSN server with alice, bob, carol and dave (alice's
// mutual contacts) and a bridge speaking version.
func newEnv(t *testing.T, version string) *env {
	t.Helper()
	return newEnvWith(t, version, nil)
}

// newEnvWith is newEnv with a hook that adjusts the bridge configuration.
func newEnvWith(t *testing.T, version string, tweak func(*bridge.Config)) *env {
	t.Helper()
	return newEnvServer(t, version, msntest.Options{}, tweak)
}

// newEnvServer is newEnvWith with the MSN server's options.
func newEnvServer(t *testing.T, version string, opts msntest.Options, tweak func(*bridge.Config)) *env {
	t.Helper()
	before := runtime.NumGoroutine()
	ms, err := msntest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, version: version, msn: ms, dbPath: filepath.Join(t.TempDir(), "msn2irc.db"), tweak: tweak,
		clock: &testClock{t: time.Now()}}
	for _, a := range []struct{ p, n string }{{alice, "Alice"}, {bob, "Bob"}, {carol, "Carol"}, {dave, "Dave"}} {
		if err := ms.AddAccount(a.p, password, a.n); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{bob, carol, dave} {
		if err := ms.Befriend(alice, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := ms.Befriend(bob, carol); err != nil {
		t.Fatal(err)
	}
	e.start()
	t.Cleanup(func() {
		e.stop()
		ms.Close()
		deadline := time.Now().Add(waitTime)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			runtime.Gosched()
			time.Sleep(10 * time.Millisecond) // polling for goroutines to end, not synchronisation
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("%d goroutines left behind (%d before):\n%s", n-before, before, buf)
		}
	})
	return e
}

// start runs a bridge and an IRC server on the env's database.
func (e *env) start() {
	t := e.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	store, err := db.Open(ctx, e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	mcfg := e.msn.Config("", "", e.version)
	mcfg.RequestTimeout = 3 * time.Second
	bcfg := bridge.Config{
		Store:          store,
		MSN:            mcfg,
		ServerName:     "msn2irc",
		LoginTimeout:   5 * time.Second,
		RequestTimeout: 3 * time.Second,
		ReconnectMin:   20 * time.Millisecond,
		ReconnectMax:   100 * time.Millisecond,
		TypingTimeout:  200 * time.Millisecond,
		Now:            e.clock.now,
	}
	if e.tweak != nil {
		e.tweak(&bcfg)
	}
	b := bridge.NewBridge(bcfg)
	srv := ircd.NewServer(ircd.Config{ServerName: "msn2irc", Logger: bcfg.Logger}, b)
	b.SetServer(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = ln.Addr().String()
	e.bridge = b
	e.store = store
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ctx, ln)
	}()
	e.stop = func() {
		sctx, scancel := context.WithTimeout(context.Background(), waitTime)
		defer scancel()
		if err := b.Close(sctx, "test over"); err != nil {
			t.Errorf("bridge close: %v", err)
		}
		if err := srv.Shutdown(sctx, "test over"); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		cancel()
		<-served
		store.Close()
	}
}

// restart stops the bridge and starts a new one on the same database.
func (e *env) restart() {
	e.stop()
	e.start()
}

// client is the shared test client (internal/irctest) with the helpers
// the bridge's tests call; its methods fail the test instead of returning
// errors.
type client struct {
	t    *testing.T
	ic   *irctest.Client
	conn net.Conn
	msgs <-chan *irc.Message // every message read, for tests that take them directly
	nick string
	seen []*irc.Message // everything expect read, for the tests to look through
}

// dial connects an IRC client to the bridge.
func (e *env) dial() *client {
	e.t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	ic, err := irctest.Dial(ctx, e.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { ic.Close() })
	return &client{t: e.t, ic: ic, conn: ic.Conn(), msgs: ic.Messages()}
}

func (c *client) send(line string) {
	c.t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	if err := c.ic.Send(ctx, line); err != nil {
		c.t.Fatal(err)
	}
}

// expect reads until a message matches and returns it. A line with a CR
// or a NUL inside fails the test.
func (c *client) expect(desc string, match func(m *irc.Message) bool) *irc.Message {
	c.t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	m, err := c.ic.Expect(ctx, desc, func(m *irc.Message) bool {
		c.seen = append(c.seen, m)
		return match(m)
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

// history returns the last messages expect read, for failure messages.
func (c *client) history() string {
	var b strings.Builder
	for _, m := range c.seen[max(0, len(c.seen)-40):] {
		b.WriteString("  " + m.String() + "\n")
	}
	return b.String()
}

// expectCmd waits for a command whose params (as many as given) match.
func (c *client) expectCmd(cmd string, params ...string) *irc.Message {
	c.t.Helper()
	return c.expect(cmd+" "+strings.Join(params, " "), irctest.Command(cmd, params...))
}

// expectFrom waits for cmd from nick whose last param contains text.
func (c *client) expectFrom(nick, cmd, text string) *irc.Message {
	c.t.Helper()
	return c.expect(nick+" "+cmd+" ~"+text, func(m *irc.Message) bool {
		return m.Command == cmd && m.Prefix != nil && m.Prefix.Name == nick && strings.Contains(m.Trailing(), text)
	})
}

// expectMsn waits for the msn service user to say something containing text.
func (c *client) expectMsn(text string) *irc.Message {
	c.t.Helper()
	return c.expect("msn: ~"+text, func(m *irc.Message) bool {
		return (m.Command == "PRIVMSG" || m.Command == "NOTICE") && m.Prefix != nil && m.Prefix.Name == "msn" && strings.Contains(m.Trailing(), text)
	})
}

// sync waits until everything sent before was handled: a PING/PONG
// round trip. What came before the PONG is added to seen.
func (c *client) sync() {
	c.t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	msgs, err := c.ic.Roundtrip(ctx)
	c.seen = append(c.seen, msgs...)
	if err != nil {
		c.t.Fatal(err)
	}
}

// forget asks msn to forget the account and confirms, and returns the
// ERROR that ends the connection.
func (c *client) forget() *irc.Message {
	c.t.Helper()
	c.send("PRIVMSG msn :forget")
	return c.confirmForget()
}

// confirmForget waits for the code that confirms forget, says it, and
// returns the ERROR that ends the connection.
func (c *client) confirmForget() *irc.Message {
	c.t.Helper()
	m := c.expectMsn("To confirm, say")
	code := strings.TrimSuffix(strings.SplitN(strings.SplitN(m.Trailing(), "\"forget ", 2)[1], "\"", 2)[0], "\"")
	c.send("PRIVMSG msn :forget " + code)
	return c.expectCmd("ERROR")
}

// startGroupChat joins channel, an empty group chat, invites nick into
// it, and waits until nick joins.
func (c *client) startGroupChat(channel, nick string) {
	c.t.Helper()
	c.send("JOIN " + channel)
	c.expectCmd("JOIN", channel)
	c.send("INVITE " + nick + " " + channel)
	c.expect(nick+" joins "+channel, func(m *irc.Message) bool {
		return m.Command == "JOIN" && m.Prefix.Name == nick && m.Param(0) == channel
	})
}

// allCaps are the capabilities test clients ask for.
const allCaps = "server-time message-tags away-notify echo-message extended-monitor setname standard-replies"

// login registers with PASS address:password and waits for the end of the &msn burst.
func (e *env) login(nick, account, pass string, caps string) *client {
	e.t.Helper()
	c := e.dial()
	c.nick = nick
	if caps != "" {
		c.send("CAP LS 302")
		c.send("CAP REQ :" + caps)
	}
	c.send("PASS " + account + ":" + pass)
	c.send("NICK " + nick)
	c.send("USER " + nick + " 0 * :IRC user")
	if caps != "" {
		c.send("CAP END")
	}
	c.expectCmd(irc.RPL_WELCOME)
	c.expectCmd(irc.RPL_ENDOFNAMES, "*", "&msn")
	return c
}

// loginSASL registers with SASL PLAIN.
func (e *env) loginSASL(nick, account, pass string) *client {
	e.t.Helper()
	c := e.dial()
	c.nick = nick
	c.send("CAP LS 302")
	c.send("CAP REQ :sasl " + allCaps)
	c.send("NICK " + nick)
	c.send("USER " + nick + " 0 * :IRC user")
	c.send("AUTHENTICATE PLAIN")
	c.expectCmd("AUTHENTICATE", "+")
	c.send("AUTHENTICATE " + base64.StdEncoding.EncodeToString([]byte("\x00"+account+"\x00"+pass)))
	c.expectCmd(irc.RPL_SASLSUCCESS)
	c.send("CAP END")
	c.expectCmd(irc.RPL_WELCOME)
	c.expectCmd(irc.RPL_ENDOFNAMES, "*", "&msn")
	return c
}

// peer is a scripted MSN client playing a contact.
type peer struct {
	t      *testing.T
	c      *msn.Client
	events chan msn.Event
	done   chan struct{}
}

// peer signs a contact in; it accepts every invitation.
func (e *env) peer(passport string) *peer {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	c, err := e.msn.Login(ctx, passport, password, e.version)
	if err != nil {
		e.t.Fatalf("peer %s login: %v", passport, err)
	}
	p := &peer{t: e.t, c: c, events: make(chan msn.Event, 1024), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for ev := range c.Events() {
			if inv, ok := ev.(msn.Invitation); ok {
				actx, acancel := context.WithTimeout(context.Background(), waitTime)
				c.Accept(actx, inv)
				acancel()
			}
			select {
			case p.events <- ev:
			default:
			}
		}
	}()
	e.t.Cleanup(p.close)
	return p
}

func (p *peer) close() {
	p.c.Close()
	<-p.done
}

// expect waits for an event that matches.
func (p *peer) expect(desc string, match func(ev msn.Event) bool) msn.Event {
	p.t.Helper()
	timer := time.NewTimer(waitTime)
	defer timer.Stop()
	for {
		select {
		case ev := <-p.events:
			if match(ev) {
				return ev
			}
		case <-timer.C:
			p.t.Fatalf("peer %s: timed out waiting for %s", p.c.Passport(), desc)
			return nil
		}
	}
}

// expectText waits for a text message containing text.
func (p *peer) expectText(text string) msn.MessageReceived {
	p.t.Helper()
	return p.expect("text ~"+text, func(ev msn.Event) bool {
		m, ok := ev.(msn.MessageReceived)
		return ok && strings.Contains(m.Text, text)
	}).(msn.MessageReceived)
}

// chat opens a switchboard to passport.
func (p *peer) chat(passport string) *msn.Switchboard {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	sb, err := p.c.OpenSwitchboard(ctx, passport)
	if err != nil {
		p.t.Fatalf("peer %s: open switchboard to %s: %v", p.c.Passport(), passport, err)
	}
	return sb
}

func ctxT() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), waitTime)
}

// forVersions runs f for each protocol version as a parallel-safe subtest.
func forVersions(t *testing.T, f func(t *testing.T, e *env)) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f(t, newEnv(t, v))
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// expectAll waits until each of the matchers matched a message, in any order.
func (c *client) expectAll(matchers map[string]func(m *irc.Message) bool) {
	c.t.Helper()
	left := map[string]func(m *irc.Message) bool{}
	for k, v := range matchers {
		left[k] = v
	}
	var names []string
	for k := range left {
		names = append(names, k)
	}
	c.expect(strings.Join(names, ", "), func(m *irc.Message) bool {
		for k, f := range left {
			if f(m) {
				delete(left, k)
			}
		}
		return len(left) == 0
	})
}

// expectVoiced waits until each of nicks was voiced in the contacts
// channel (a MODE naming them): they are online, in any order.
func (c *client) expectVoiced(nicks ...string) {
	c.t.Helper()
	matchers := map[string]func(m *irc.Message) bool{}
	for _, nick := range nicks {
		matchers["+v "+nick] = func(m *irc.Message) bool { return m.Command == "MODE" && m.Param(2) == nick }
	}
	c.expectAll(matchers)
}

// pollPause yields between two polls of a condition with a deadline.
func pollPause() { time.Sleep(5 * time.Millisecond) }

// waitFor polls cond until it holds, failing the test after waitTime.
func waitFor(t *testing.T, desc string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: timed out", desc)
		}
		pollPause()
	}
}
