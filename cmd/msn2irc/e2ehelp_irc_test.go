package main

// The IRC side of the end-to-end tests: a small IRC client, a recording
// proxy in front of msn2irc, and a private tmux server for terminal clients.

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/irctest"
)

// ircClient is the shared test client (internal/irctest), for talking to
// ZNC or msn2irc directly; it answers PINGs while it waits.
type ircClient struct {
	ic *irctest.Client
}

func dialIRC(t *testing.T, addr string) *ircClient {
	t.Helper()
	return dialIRCFrom(t, addr, nil)
}

// dialIRCFrom is dialIRC from the local address from (another loopback
// address, for a login limited per address); the default when nil.
func dialIRCFrom(t *testing.T, addr string, from net.Addr) *ircClient {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: from}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	ic := irctest.New(conn)
	t.Cleanup(func() { ic.Close() })
	return &ircClient{ic: ic}
}

func (c *ircClient) send(t *testing.T, line string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ic.Send(ctx, line); err != nil {
		t.Fatalf("irc send: %v", err)
	}
}

// expect reads messages until one satisfies match, answering PINGs.
func (c *ircClient) expect(t *testing.T, timeout time.Duration, what string, match func(*irc.Message) bool) *irc.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	m, err := c.ic.Expect(ctx, what, func(m *irc.Message) bool {
		if m.Command == "PING" {
			if err := c.ic.Send(ctx, "PONG :"+m.Trailing()); err != nil {
				t.Fatalf("answering %v: %v", m, err)
			}
		}
		return match(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
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
