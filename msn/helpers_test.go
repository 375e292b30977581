package msn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// ioTimeout bounds every wait in the scripted tests, so a bug fails
// instead of hanging the suite.
const ioTimeout = 5 * time.Second

// fakeServer is a scripted MSN server: the test accepts connections and
// plays the server's side line by line, asserting the client's lines.
type fakeServer struct {
	t  *testing.T
	ln *net.TCPListener
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &fakeServer{t: t, ln: ln.(*net.TCPListener)}
}

func (s *fakeServer) addr() string { return s.ln.Addr().String() }

func (s *fakeServer) accept() *peer {
	s.t.Helper()
	s.ln.SetDeadline(time.Now().Add(ioTimeout))
	conn, err := s.ln.Accept()
	if err != nil {
		s.t.Fatalf("accept: %v", err)
	}
	s.t.Cleanup(func() { conn.Close() })
	return &peer{t: s.t, conn: conn, r: NewReader(conn, ClientPayloads)}
}

// peer is the server's end of one client connection.
type peer struct {
	t    *testing.T
	conn net.Conn
	r    *Reader
}

// read returns the next command from the client.
func (p *peer) read() *Command {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	cmd, err := p.r.ReadCommand()
	if err != nil {
		p.t.Fatalf("reading from client: %v", err)
	}
	return cmd
}

// expect reads the next command and checks its line (without payload).
func (p *peer) expect(line string) *Command {
	p.t.Helper()
	cmd := p.read()
	if got := cmd.String(); got != line {
		p.t.Fatalf("client sent %q, want %q", got, line)
	}
	return cmd
}

// expectPayload reads the next command and checks its line and payload;
// line includes the length, as on the wire.
func (p *peer) expectPayload(line, payload string) *Command {
	p.t.Helper()
	cmd := p.expect(line)
	if string(cmd.Payload) != payload {
		p.t.Fatalf("payload of %q = %q, want %q", line, cmd.Payload, payload)
	}
	return cmd
}

// send writes each line with CRLF.
func (p *peer) send(lines ...string) {
	p.t.Helper()
	for _, l := range lines {
		p.sendRaw(l + "\r\n")
	}
}

// sendPayload writes a payload command; line lacks the length.
func (p *peer) sendPayload(line, payload string) {
	p.t.Helper()
	p.sendRaw(fmt.Sprintf("%s %d\r\n%s", line, len(payload), payload))
}

func (p *peer) sendRaw(s string) {
	p.t.Helper()
	p.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := p.conn.Write([]byte(s)); err != nil {
		p.t.Fatalf("writing to client: %v", err)
	}
}

// expectClosed waits for the client to close the connection, skipping
// whatever it still sends (such as OUT).
func (p *peer) expectClosed() {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(ioTimeout))
	for {
		if _, err := p.r.ReadCommand(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				p.t.Fatal("client did not close the connection")
			}
			return
		}
	}
}

// passportServer is a Passport 1.4 nexus and login server that accepts
// one password and hands out a fixed ticket, as Escargot does.
type passportServer struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string // Authorization headers received by /login
}

func newPassportServer(t *testing.T, password, ticket string) *passportServer {
	t.Helper()
	ps := &passportServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/rdr/pprdr.asp", func(w http.ResponseWriter, r *http.Request) {
		// Escargot's nexus: title-cased header, an https URL although the
		// login server speaks http, so LoginURL must override it.
		w.Header()["Passporturls"] = []string{"DALogin=" + ps.URL + "/login"}
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusFound)
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		a := r.Header.Get("Authorization")
		ps.mu.Lock()
		ps.auth = append(ps.auth, a)
		ps.mu.Unlock()
		if !strings.Contains(a, ",pwd="+percentEncode(password)+",") {
			w.Header().Set("WWW-Authenticate", "Passport1.4 da-status=failed")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Authentication-Info", "Passport1.4 da-status=success,from-PP='"+ticket+"'")
	})
	ps.Server = httptest.NewServer(mux)
	t.Cleanup(ps.Close)
	return ps
}

func (ps *passportServer) lastAuth() string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if len(ps.auth) == 0 {
		return ""
	}
	return ps.auth[len(ps.auth)-1]
}

type loginResult struct {
	c   *Client
	err error
}

// startLogin runs Login in the background.
func startLogin(t *testing.T, cfg Config, st Status) <-chan loginResult {
	t.Helper()
	ch := make(chan loginResult, 1)
	go func() {
		c, err := Login(context.Background(), cfg, st)
		ch <- loginResult{c, err}
	}()
	return ch
}

func waitLogin(t *testing.T, ch <-chan loginResult) (*Client, error) {
	t.Helper()
	select {
	case r := <-ch:
		if r.c != nil {
			t.Cleanup(func() { closeClient(t, r.c) })
		}
		return r.c, r.err
	case <-time.After(2 * ioTimeout):
		t.Fatal("Login did not return")
		return nil, nil
	}
}

// closeClient closes c while draining its events.
func closeClient(t *testing.T, c *Client) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		for range c.Events() {
		}
		close(done)
	}()
	c.Close()
	select {
	case <-done:
	case <-time.After(ioTimeout):
		t.Error("Events not closed after Close")
	}
}

// nextEvent returns the next event.
func nextEvent(t *testing.T, c *Client) Event {
	t.Helper()
	select {
	case e, ok := <-c.Events():
		if !ok {
			t.Fatal("events closed")
		}
		return e
	case <-time.After(ioTimeout):
		t.Fatal("no event")
		return nil
	}
}

// waitFor skips events until one of type T arrives.
func waitFor[T Event](t *testing.T, c *Client) T {
	t.Helper()
	for {
		if e, ok := nextEvent(t, c).(T); ok {
			return e
		}
	}
}

// testConfig is a Config for the fake servers, with short timeouts.
func testConfig(server string, ps *passportServer, versions ...string) Config {
	cfg := Config{
		Server:         server,
		Versions:       versions,
		Passport:       "alice@example.com",
		Password:       "secret123",
		RequestTimeout: 2 * time.Second,
		LoginTimeout:   8 * time.Second,
	}
	if ps != nil {
		cfg.NexusURL = ps.URL + "/rdr/pprdr.asp"
		cfg.LoginURL = ps.URL + "/login"
	}
	return cfg
}

// profile is the login profile message Escargot sends after USR OK.
const profile = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1795472750\r\nEmailEnabled: 0\r\nMemberIdHigh: 2679357164\r\nMemberIdLow: 2683486097\r\nlang_preference: 1033\r\npreferredEmail:\r\ncountry:\r\nPostalCode:\r\nGender:\r\nKid: 0\r\nAge:\r\nBDayPre:\r\nBirthday:\r\nWallet:\r\nFlags: 536872513\r\nsid: 507\r\nMSPAuth: 8Vj2bQ7Z0s$$\r\nClientIP: 127.0.0.1\r\nClientPort: 38354\r\nABCHMigrated: 1\r\nMPOPEnabled: 0\r\n\r\n"

const mdata = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialmdatanotification; charset=UTF-8\r\n\r\nMail-Data: <MD><E><I>0</I><IU>0</IU><O>0</O><OU>0</OU></E><Q><QTM>409600</QTM><QNM>204800</QNM></Q></MD>\r\n"

const cvrReply = "CVR 2 6.2.0208 6.2.0208 6.2.0208 https://escargot.log1p.xyz https://escargot.log1p.xyz"

// session is a signed-in client with the server's end of its NS connection.
type session struct {
	c   *Client
	ns  *peer
	srv *fakeServer
	ps  *passportServer
	nt  int // the next TrID the client will use on the NS
}

// loginAs plays a recorded Escargot login of alice for version v (2, 7, 8,
// 10, 11 or 12), with bob and carol as mutual contacts, and returns the
// session after the initial CHG. extraLST is sent at the end of the list.
func loginAs(t *testing.T, v int, tweak func(*Config)) *session {
	t.Helper()
	srv := newFakeServer(t)
	var ps *passportServer
	if v >= 8 {
		ps = newPassportServer(t, "secret123", "b990b68bf7e3dfe3ef2f")
	}
	ver := fmt.Sprintf("MSNP%d", v)
	cfg := testConfig(srv.addr(), ps, ver)
	if tweak != nil {
		tweak(&cfg)
	}
	res := startLogin(t, cfg, "")
	p := srv.accept()
	p.expect("VER 1 " + ver + " CVR0")
	p.send("VER 1 " + ver)
	n := 2
	if v >= 3 {
		p.expect("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com")
		p.send(cvrReply)
		n = 3
	}
	tr := func(k int) string { return fmt.Sprint(n + k) }
	if v <= 7 {
		p.expect("INF " + tr(0))
		p.send("INF " + tr(0) + " MD5")
		p.expect("USR " + tr(1) + " MD5 I alice@example.com")
		p.send("USR " + tr(1) + " MD5 S b2fc8b3450b0638")
		p.expect("USR " + tr(2) + " MD5 S 00d16f3de2dcf7d0df8446e6fa7d51a6")
		if v >= 6 {
			p.send("USR " + tr(2) + " OK alice@example.com Alice 1")
		} else {
			p.send("USR " + tr(2) + " OK alice@example.com Alice")
		}
		n += 3
	} else {
		p.expect("USR " + tr(0) + " TWN I alice@example.com")
		p.send("USR " + tr(0) + " TWN S ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1")
		p.expect("USR " + tr(1) + " TWN S t=b990b68bf7e3dfe3ef2f&p=")
		if v >= 10 {
			p.send("USR " + tr(1) + " OK alice@example.com 1 0")
		} else {
			p.send("USR " + tr(1) + " OK alice@example.com Alice 1 0")
		}
		if v >= 11 {
			p.send("SBS 0 null")
		}
		n += 2
	}
	p.sendPayload("MSG Hotmail Hotmail", profile)
	s := fmt.Sprint(n)
	switch {
	case v <= 6:
		p.expect("SYN " + s + " 0")
		p.send("SYN "+s+" 1", "GTC "+s+" 1 A", "BLP "+s+" 1 AL",
			"LST "+s+" FL 1 1 2 bob@example.com Bob", "LST "+s+" FL 1 2 2 carol@example.com Carol",
			"LST "+s+" AL 1 1 2 bob@example.com Bob", "LST "+s+" AL 1 2 2 carol@example.com Carol",
			"LST "+s+" BL 1 0 0",
			"LST "+s+" RL 1 1 2 bob@example.com Bob", "LST "+s+" RL 1 2 2 carol@example.com Carol")
	case v == 7:
		p.expect("SYN " + s + " 0")
		p.send("SYN "+s+" 1", "GTC "+s+" 1 A", "BLP "+s+" 1 AL", "LSG "+s+" 1 1 1 0 Other%20Contacts 0",
			"LST "+s+" FL 1 1 2 bob@example.com Bob 0", "LST "+s+" FL 1 2 2 carol@example.com Carol 0",
			"LST "+s+" AL 1 1 2 bob@example.com Bob", "LST "+s+" AL 1 2 2 carol@example.com Carol",
			"LST "+s+" BL 1 0 0",
			"LST "+s+" RL 1 1 2 bob@example.com Bob", "LST "+s+" RL 1 2 2 carol@example.com Carol")
	case v <= 9:
		p.expect("SYN " + s + " 0")
		p.send("SYN "+s+" 1 2 1", "GTC A", "BLP AL", "LSG 0 Other%20Contacts 0",
			"LST bob@example.com Bob 11 0", "LST carol@example.com Carol 11 0")
	default:
		p.expect("SYN " + s + " 0 0")
		lst := " "
		if v >= 12 {
			lst = " 1 "
		}
		p.send("SYN "+s+" 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 2 0", "GTC A", "BLP AL", "PRP MFN Alice",
			"LST N=bob@example.com F=Bob C=9fb3beec-9e9e-4e85-8d22-a14f9ff2bf91 11"+lst,
			"LST N=carol@example.com F=Carol C=bbc2b9f4-b67f-456f-a3df-1cd011633d21 11"+lst)
	}
	n++
	s = fmt.Sprint(n)
	if v >= 8 {
		p.expect(fmt.Sprintf("CHG %s NLN %d", s, cfg.ClientID))
		p.send(fmt.Sprintf("CHG %s NLN %d", s, cfg.ClientID))
	} else {
		p.expect("CHG " + s + " NLN")
		p.send("CHG " + s + " NLN")
	}
	p.answerPresenceBarrier(v)
	c, err := waitLogin(t, res)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return &session{c: c, ns: p, srv: srv, ps: ps, nt: n + 1}
}

// exchange expects the client's next command want on the notification
// server and answers reply; "{tr}" in both stands for the transaction id
// the command must carry.
func (s *session) exchange(want, reply string) {
	tr := s.trid()
	s.ns.expect(strings.ReplaceAll(want, "{tr}", tr))
	s.ns.send(strings.ReplaceAll(reply, "{tr}", tr))
}

// greetMSNP7 plays the server's side of alice's MSNP7 login as Escargot
// recorded it, up to the MD5 challenge: the client must answer "USR 5 MD5 S"
// with md5 of "b2fc8b3450b0638" and her password.
func (p *peer) greetMSNP7() {
	p.expect("VER 1 MSNP7 CVR0")
	p.send("VER 1 MSNP7")
	p.expect("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com")
	p.send(cvrReply)
	p.expect("INF 3")
	p.send("INF 3 MD5")
	p.expect("USR 4 MD5 I alice@example.com")
	p.send("USR 4 MD5 S b2fc8b3450b0638")
}

// trid returns the TrID of the client's next NS request and advances.
func (s *session) trid() string {
	t := fmt.Sprint(s.nt)
	s.nt++
	return t
}

// logBuffer collects debug logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// waitGoroutines polls until at most n goroutines run.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(ioTimeout)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for runtime.NumGoroutine() > n {
		select {
		case <-deadline:
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		case <-tick.C:
		}
	}
}

// answerPresenceBarrier answers the PNG the client sends after its first CHG
// (the end of the initial ILN lines) the way Escargot does for version v.
func (p *peer) answerPresenceBarrier(v int) {
	p.t.Helper()
	p.expect("PNG")
	if v >= 9 {
		p.send("QNG 60")
	} else {
		p.send("QNG")
	}
}
