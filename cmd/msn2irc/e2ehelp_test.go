package main

// Helpers for the end-to-end tests that drive real IRC software (ZNC, irssi,
// WeeChat) against the msn2irc binary and an in-process MSN server.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// The MSN account the IRC side logs in with. The password is distinctive so
// that a leak into the logs can be searched for.
const (
	userPassport = "alice@example.com"
	userPassword = "Tr0ub4dor-e2e"
)

// binary is the msn2irc executable, built once per test run.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// raceEnabled reports whether this test binary was built with -race; the
// msn2irc binary is then built with it too, so that real clients' traffic
// runs under the race detector.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// msn2ircBinary builds the program in this directory (once) and returns its path.
func msn2ircBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "msn2irc-e2e-")
		if err != nil {
			binary.err = err
			return
		}
		binary.dir = dir
		binary.path = filepath.Join(dir, "msn2irc")
		// go test puts its own go command first in PATH.
		args := []string{"build", "-o", binary.path}
		if raceEnabled() {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, ".")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatalf("building msn2irc: %v", binary.err)
	}
	return binary.path
}

// needPrograms skips the test when a program is missing, except in CI
// (CI set), where the programs are part of the contract and missing is a failure.
func needPrograms(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			msg := fmt.Sprintf("%s is not installed (Debian: apt-get install %s)", name, debianPackage(name))
			if os.Getenv("CI") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

func debianPackage(program string) string {
	if program == "weechat-headless" {
		return "weechat-headless weechat-plugins"
	}
	return program
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// readFile returns a file's content, or "" when it does not exist (yet).
func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// lines splits text into non-empty lines.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// grepLines returns the lines of text that contain every one of subs.
func grepLines(text string, subs ...string) []string {
	var out []string
next:
	for _, l := range lines(text) {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		out = append(out, l)
	}
	return out
}

// clientConfig holds the values filled into the client configurations in
// testdata/clients (and, with documentation values, into docs/clients.md).
type clientConfig struct {
	BridgePort  string // msn2irc's IRC port
	Account     string // MSN address
	Password    string // MSN password
	LogDir      string // where the client writes its logs
	ZNCPort     string // ZNC's listener
	ZNCPassword string // ZNC user alice's password
}

// renderConfig fills testdata/clients/name with cfg.
func renderConfig(t *testing.T, name string, cfg clientConfig) string {
	t.Helper()
	tmpl, err := template.ParseFiles(filepath.Join("testdata", "clients", name))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, cfg); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// msnNetwork is an in-process MSN server with the user's account and contacts.
type msnNetwork struct {
	srv *msntest.Server
}

// newMSNNetwork starts an MSN server where the user has the given contacts
// (mutual friends, each with password "pw-<passport>").
func newMSNNetwork(t *testing.T, contacts ...string) *msnNetwork {
	t.Helper()
	srv, err := msntest.New(msntest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.AddAccount(userPassport, userPassword, "Alice"); err != nil {
		t.Fatal(err)
	}
	for _, c := range contacts {
		name := strings.ToUpper(c[:1]) + c[1:strings.IndexByte(c, '@')]
		if err := srv.AddAccount(c, "pw-"+c, name); err != nil {
			t.Fatal(err)
		}
		if err := srv.Befriend(userPassport, c); err != nil {
			t.Fatal(err)
		}
	}
	return &msnNetwork{srv: srv}
}

// bridge is a running msn2irc process.
type bridge struct {
	cmd     *exec.Cmd
	addr    string // IRC listener
	logPath string // stderr and stdout, debug level
	exited  chan struct{}
	waitErr error
}

// startBridge runs msn2irc on addr with the database at dbPath and waits
// until it accepts IRC connections.
func startBridge(t *testing.T, n *msnNetwork, addr, dbPath, versions string) *bridge {
	t.Helper()
	logFile, err := os.CreateTemp(t.TempDir(), "msn2irc-*.log")
	if err != nil {
		t.Fatal(err)
	}
	b := &bridge{addr: addr, logPath: logFile.Name(), exited: make(chan struct{})}
	b.cmd = exec.Command(msn2ircBinary(t))
	b.cmd.Env = append(os.Environ(),
		"MSN2IRC_LISTEN="+addr,
		"MSN2IRC_DB="+dbPath,
		"MSN2IRC_MSN_SERVER="+n.srv.NSAddr(),
		"MSN2IRC_MSN_NEXUS="+n.srv.NexusURL(),
		"MSN2IRC_MSN_LOGIN_URL="+n.srv.LoginURL(),
		"MSN2IRC_MSN_VERSIONS="+versions,
		"MSN2IRC_LOG_LEVEL=debug",
	)
	b.cmd.Stdout = logFile
	b.cmd.Stderr = logFile
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logFile.Close()
	go func() {
		b.waitErr = b.cmd.Wait()
		close(b.exited)
	}()
	t.Cleanup(func() {
		b.stop(t)
		log := readFile(b.logPath)
		if strings.Contains(log, "DATA RACE") {
			t.Errorf("msn2irc reported a data race:\n%s", log)
		}
		for _, secret := range []string{
			userPassword,
			base64.StdEncoding.EncodeToString([]byte("\x00" + userPassport + "\x00" + userPassword)),
			base64.StdEncoding.EncodeToString([]byte(userPassport + "\x00" + userPassport + "\x00" + userPassword)),
		} {
			if strings.Contains(log, secret) {
				t.Errorf("msn2irc logged the MSN password (%d bytes of secret text found in its debug log)", len(secret))
			}
		}
		if t.Failed() {
			t.Logf("msn2irc log (last 150 lines):\n%s", tail(log, 150))
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return b
		}
		select {
		case <-b.exited:
			t.Fatalf("msn2irc exited at start (%v):\n%s", b.waitErr, readFile(b.logPath))
		case <-time.After(25 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("msn2irc does not listen on %s after 20s:\n%s", addr, tail(readFile(b.logPath), 50))
		}
	}
}

// stop kills the process (like a crash or kill -9) and waits for it.
func (b *bridge) stop(t *testing.T) {
	t.Helper()
	select {
	case <-b.exited:
		return
	default:
	}
	b.cmd.Process.Kill()
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		t.Errorf("msn2irc (pid %d) did not exit after SIGKILL", b.cmd.Process.Pid)
	}
}

func tail(text string, n int) string {
	ls := strings.Split(text, "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

// contact is an MSN user played by the test with the real msn client.
type contact struct {
	t        *testing.T
	net      *msnNetwork
	passport string
	client   *msn.Client
	done     chan struct{}
	wg       sync.WaitGroup

	mu   sync.Mutex
	got  []msn.MessageReceived
	sbs  []*msn.Switchboard // switchboards we are in, newest last
	invs int                // invitations accepted
}

// signIn logs the contact in (online) and starts reading its events: it
// accepts every invitation and records every message.
func (n *msnNetwork) signIn(t *testing.T, passport string) *contact {
	t.Helper()
	c := &contact{t: t, net: n, passport: passport}
	c.login(t)
	t.Cleanup(c.signOut)
	return c
}

func (c *contact) login(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cl, err := c.net.srv.Login(ctx, c.passport, "pw-"+c.passport)
	if err != nil {
		t.Fatalf("%s: login: %v", c.passport, err)
	}
	c.mu.Lock()
	c.client = cl
	c.sbs = nil
	c.mu.Unlock()
	c.done = make(chan struct{})
	go c.readEvents(cl, c.done)
}

func (c *contact) readEvents(cl *msn.Client, done chan struct{}) {
	defer close(done)
	for ev := range cl.Events() {
		switch ev := ev.(type) {
		case msn.Invitation:
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				sb, err := cl.Accept(ctx, ev)
				if err != nil {
					c.t.Logf("%s: accepting a chat from %s: %v", c.passport, ev.From, err)
					return
				}
				c.mu.Lock()
				c.sbs = append(c.sbs, sb)
				c.invs++
				c.mu.Unlock()
			}()
		case msn.MessageReceived:
			c.mu.Lock()
			c.got = append(c.got, ev)
			c.mu.Unlock()
		case msn.SwitchboardClosed:
			c.mu.Lock()
			for i, sb := range c.sbs {
				if sb == ev.Switchboard {
					c.sbs = append(c.sbs[:i], c.sbs[i+1:]...)
					break
				}
			}
			c.mu.Unlock()
		}
	}
}

// signOut closes the client (the contact goes offline) and waits for its goroutines.
func (c *contact) signOut() {
	c.mu.Lock()
	cl := c.client
	c.client = nil
	c.mu.Unlock()
	if cl == nil {
		return
	}
	cl.Close()
	<-c.done
	c.wg.Wait()
}

// setStatus changes the contact's presence.
func (c *contact) setStatus(t *testing.T, s msn.Status) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.client.SetStatus(ctx, s); err != nil {
		t.Fatalf("%s: set status %s: %v", c.passport, s, err)
	}
}

// say sends text to the user in a one-to-one switchboard, opening one when
// the contact has none with just the user.
func (c *contact) say(t *testing.T, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for attempt := 0; ; attempt++ {
		sb := c.chatWith(userPassport)
		if sb == nil {
			var err error
			sb, err = c.client.OpenSwitchboard(ctx, userPassport)
			if err != nil {
				t.Fatalf("%s: open chat with %s: %v", c.passport, userPassport, err)
			}
			c.mu.Lock()
			c.sbs = append(c.sbs, sb)
			c.mu.Unlock()
		}
		err := sb.SendText(ctx, text, msn.Format{})
		if err == nil {
			return
		}
		if attempt > 0 || !errors.Is(err, msn.ErrClosed) {
			t.Fatalf("%s: send %q: %v", c.passport, text, err)
		}
		c.forget(sb)
	}
}

// chatWith returns the newest switchboard whose other participants are
// exactly peers.
func (c *contact) chatWith(peers ...string) *msn.Switchboard {
	c.mu.Lock()
	defer c.mu.Unlock()
	want := make([]string, len(peers))
	for i, p := range peers {
		want[i] = strings.ToLower(p)
	}
	slices.Sort(want)
	for i := len(c.sbs) - 1; i >= 0; i-- {
		var have []string
		for _, p := range c.sbs[i].Participants() {
			have = append(have, strings.ToLower(p))
		}
		slices.Sort(have)
		if slices.Equal(have, want) {
			return c.sbs[i]
		}
	}
	return nil
}

// waitChat waits until the contact is in a switchboard with exactly peers.
func (c *contact) waitChat(t *testing.T, peers ...string) *msn.Switchboard {
	t.Helper()
	var sb *msn.Switchboard
	waitFor(t, 15*time.Second, fmt.Sprintf("%s to be in a chat with %v", c.passport, peers), func() bool {
		sb = c.chatWith(peers...)
		return sb != nil
	})
	return sb
}

// sayIn sends text in a switchboard.
func (c *contact) sayIn(t *testing.T, sb *msn.Switchboard, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := sb.SendText(ctx, text, msn.Format{}); err != nil {
		t.Fatalf("%s: send %q: %v", c.passport, text, err)
	}
}

// invite calls peer into a switchboard.
func (c *contact) invite(t *testing.T, sb *msn.Switchboard, peer string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := sb.Invite(ctx, peer); err != nil {
		t.Fatalf("%s: invite %s: %v", c.passport, peer, err)
	}
}

func (c *contact) forget(sb *msn.Switchboard) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.sbs {
		if s == sb {
			c.sbs = append(c.sbs[:i], c.sbs[i+1:]...)
			return
		}
	}
}

// received reports whether the contact got a message from `from` containing text.
func (c *contact) received(from, text string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.got {
		if strings.EqualFold(m.From, from) && strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

// waitMessage waits until the contact got text from the user.
func (c *contact) waitMessage(t *testing.T, text string) {
	t.Helper()
	waitFor(t, 15*time.Second, fmt.Sprintf("%s to receive %q", c.passport, text), func() bool {
		return c.received(userPassport, text)
	})
}

// ircClient is a minimal IRC client over TCP for talking to ZNC directly.
type ircClient struct {
	conn  net.Conn
	lines chan string
	done  chan struct{}
}

func dialIRC(t *testing.T, addr string) *ircClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := &ircClient{conn: conn, lines: make(chan string, 4096), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer close(c.lines)
		sc := bufio.NewScanner(conn)
		sc.Buffer(make([]byte, 0, 64*1024), 64*1024)
		for sc.Scan() {
			select {
			case c.lines <- strings.TrimRight(sc.Text(), "\r"):
			default: // a test that stopped reading loses lines, never blocks
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-c.done
	})
	return c
}

func (c *ircClient) send(t *testing.T, line string) {
	t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		t.Fatalf("irc send: %v", err)
	}
}

// expect reads lines until one satisfies match, answering PINGs.
func (c *ircClient) expect(t *testing.T, timeout time.Duration, what string, match func(*irc.Message) bool) *irc.Message {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("connection closed while waiting for %s", what)
			}
			m, err := irc.ParseMessage(l)
			if err != nil {
				continue
			}
			if m.Command == "PING" {
				c.send(t, "PONG :"+m.Trailing())
			}
			if match(m) {
				return m
			}
		case <-timer.C:
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// tap is a TCP proxy in front of msn2irc that records what clients send, so
// that tests can see the capabilities real clients request.
type tap struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	sent   []string // lines from clients, with PASS and AUTHENTICATE payloads hidden
	caps   []string // CAP lines from msn2irc
}

func newTap(t *testing.T, target string) *tap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tap{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		p.closed = true
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *tap) addr() string { return p.ln.Addr().String() }

// track adds or removes a connection; it closes one added after the tap was closed.
func (p *tap) track(c net.Conn, add bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case add && p.closed:
		c.Close()
	case add:
		p.conns[c] = struct{}{}
	default:
		delete(p.conns, c)
	}
}

func (p *tap) accept() {
	defer p.wg.Done()
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			down.Close()
			continue
		}
		p.track(down, true)
		p.track(up, true)
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			p.copyLines(up, down, func(l string) {
				p.sent = append(p.sent, redactLine(l))
			})
			up.Close()
			down.Close()
		}()
		go func() {
			defer p.wg.Done()
			p.copyLines(down, up, func(l string) {
				if m, err := irc.ParseMessage(l); err == nil && m.Command == "CAP" {
					p.caps = append(p.caps, l)
				}
			})
			up.Close()
			down.Close()
			p.track(down, false)
			p.track(up, false)
		}()
	}
}

// copyLines forwards lines from src to dst and passes each to record,
// which runs with p.mu held.
func (p *tap) copyLines(dst, src net.Conn, record func(line string)) {
	r := bufio.NewReader(src)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			if _, werr := dst.Write([]byte(line)); werr != nil {
				return
			}
			p.mu.Lock()
			record(strings.TrimRight(line, "\r\n"))
			p.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// redactLine hides credentials in a client line.
func redactLine(l string) string {
	f := strings.Fields(l)
	if len(f) >= 2 && (strings.EqualFold(f[0], "PASS") || (strings.EqualFold(f[0], "AUTHENTICATE") && f[1] != "PLAIN" && f[1] != "+")) {
		return f[0] + " <hidden>"
	}
	return l
}

// sentLines returns the recorded client lines with the given command.
func (p *tap) sentLines(command string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, l := range p.sent {
		m, err := irc.ParseMessage(l)
		if err == nil && strings.EqualFold(m.Command, command) {
			out = append(out, l)
		}
	}
	return out
}

// refusedCaps returns the CAP NAK lines msn2irc sent: capabilities it
// offered but refused when a real client asked for them.
func (p *tap) refusedCaps() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, l := range p.caps {
		if m, _ := irc.ParseMessage(l); len(m.Params) >= 2 && m.Params[1] == "NAK" {
			out = append(out, l)
		}
	}
	return out
}

// checkCaps logs the capabilities a client requested and fails when
// msn2irc refused any.
func (p *tap) checkCaps(t *testing.T, client string) {
	t.Helper()
	t.Logf("%s requested capabilities: %s", client, strings.Join(p.requestedCaps(), " "))
	if nak := p.refusedCaps(); len(nak) > 0 {
		t.Errorf("msn2irc refused capabilities %s asked for: %v", client, nak)
	}
}

// requestedCaps returns the capabilities the clients asked for with CAP REQ.
func (p *tap) requestedCaps() []string {
	var caps []string
	seen := map[string]bool{}
	for _, l := range p.sentLines("CAP") {
		m, _ := irc.ParseMessage(l)
		if len(m.Params) < 2 || !strings.EqualFold(m.Params[0], "REQ") {
			continue
		}
		for _, c := range strings.Fields(m.Params[len(m.Params)-1]) {
			if !seen[c] {
				seen[c] = true
				caps = append(caps, c)
			}
		}
	}
	return caps
}

// tmux is a private tmux server (its own socket) running one program.
type tmux struct {
	sock string
}

// startTmux runs command in a detached session of a private tmux server,
// killed when the test ends.
func startTmux(t *testing.T, dir string, command ...string) *tmux {
	t.Helper()
	tm := &tmux{sock: filepath.Join(dir, "tmux.sock")}
	args := append([]string{"new-session", "-d", "-s", "main", "-x", "200", "-y", "50"}, command...)
	if out, err := tm.run(args...); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { tm.run("kill-server") })
	return tm
}

func (tm *tmux) run(args ...string) ([]byte, error) {
	cmd := exec.Command("tmux", append([]string{"-S", tm.sock, "-f", "/dev/null"}, args...)...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	return cmd.CombinedOutput()
}

// typeLine types text into the program followed by Enter.
func (tm *tmux) typeLine(t *testing.T, text string) {
	t.Helper()
	if out, err := tm.run("send-keys", "-t", "main", "-l", text); err != nil {
		t.Fatalf("tmux send-keys: %v: %s", err, out)
	}
	if out, err := tm.run("send-keys", "-t", "main", "Enter"); err != nil {
		t.Fatalf("tmux send-keys: %v: %s", err, out)
	}
}

// screen returns what the program shows.
func (tm *tmux) screen() string {
	out, _ := tm.run("capture-pane", "-p", "-t", "main")
	return string(out)
}
