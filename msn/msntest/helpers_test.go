package msntest

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ioTimeout bounds every read and write of the test client, so that a bug
// fails the test instead of hanging it.
const ioTimeout = 5 * time.Second

// tconn is a scripted MSNP client: send a line, expect a line.
type tconn struct {
	t    *testing.T
	name string
	c    net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, name, addr string) *tconn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("%s: dial %s: %v", name, addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &tconn{t: t, name: name, c: c, r: bufio.NewReader(c)}
}

func (c *tconn) send(line string) {
	c.t.Helper()
	c.raw(line + "\r\n")
}

func (c *tconn) sendPayload(line, payload string) {
	c.t.Helper()
	c.raw(line + " " + strconv.Itoa(len(payload)) + "\r\n" + payload)
}

func (c *tconn) raw(data string) {
	c.t.Helper()
	c.c.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c.c, data); err != nil {
		c.t.Fatalf("%s: write: %v", c.name, err)
	}
}

func (c *tconn) readLine() (string, error) {
	c.c.SetReadDeadline(time.Now().Add(ioTimeout))
	line, err := c.r.ReadString('\n')
	if err != nil {
		return line, err
	}
	if !strings.HasSuffix(line, "\r\n") {
		return line, errors.New("line not ended by CRLF: " + strconv.Quote(line))
	}
	return strings.TrimSuffix(line, "\r\n"), nil
}

// placeholders stand for the random parts of lines in expectations.
var placeholders = map[string]string{
	"{cookie}": `([0-9a-f]{20})`,
	"{sid}":    `([0-9a-f]{31})`,
	"{salt}":   `([0-9a-f]{15})`,
	"{guid}":   `([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`,
	"{num}":    `([0-9]+)`,
	"{any}":    `(\S+)`,
	"{rest}":   `(.*)`,
}

var placeholderRE = regexp.MustCompile(`\{[a-z]+\}`)

func patternRE(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range placeholderRE.FindAllStringIndex(pattern, -1) {
		b.WriteString(regexp.QuoteMeta(pattern[last:m[0]]))
		p, ok := placeholders[pattern[m[0]:m[1]]]
		if !ok {
			p = regexp.QuoteMeta(pattern[m[0]:m[1]])
		}
		b.WriteString(p)
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(pattern[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// expect reads one line and compares it with pattern, where placeholders
// match random values. It returns the values the placeholders matched.
func (c *tconn) expect(pattern string) []string {
	c.t.Helper()
	line, err := c.readLine()
	if err != nil {
		c.t.Fatalf("%s: expecting %q: %v", c.name, pattern, err)
	}
	m := patternRE(pattern).FindStringSubmatch(line)
	if m == nil {
		c.t.Fatalf("%s: got %q, want %q", c.name, line, pattern)
	}
	return m[1:]
}

// expectPayload reads a payload command whose line (without the length)
// matches pattern, and checks its payload.
func (c *tconn) expectPayload(pattern, payload string) []string {
	c.t.Helper()
	got, vals := c.readPayload(pattern)
	if got != payload {
		c.t.Fatalf("%s: payload of %q:\n got %q\nwant %q", c.name, pattern, got, payload)
	}
	return vals
}

// readPayload reads a payload command matching pattern and returns its payload.
func (c *tconn) readPayload(pattern string) (string, []string) {
	c.t.Helper()
	vals := c.expect(pattern + " {num}")
	n, _ := strconv.Atoi(vals[len(vals)-1])
	buf := make([]byte, n)
	c.c.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := io.ReadFull(c.r, buf); err != nil {
		c.t.Fatalf("%s: reading %d payload bytes: %v", c.name, n, err)
	}
	return string(buf), vals[:len(vals)-1]
}

// expectClosed checks that the server closes the connection without
// sending anything more.
func (c *tconn) expectClosed() {
	c.t.Helper()
	line, err := c.readLine()
	if err == nil {
		c.t.Fatalf("%s: got %q, want the connection closed", c.name, line)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.t.Fatalf("%s: connection still open", c.name)
	}
	if line != "" {
		c.t.Fatalf("%s: got partial line %q before close", c.name, line)
	}
}

// newServer starts a server with alice, bob and carol, all mutual
// contacts, as in the Escargot transcripts. Close is checked at cleanup.
func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	for _, u := range []struct{ p, pw, name string }{
		{"alice@example.com", "secret123", "Alice"},
		{"bob@example.com", "secret123", "Bob"},
		{"carol@example.com", "secret123", "Carol"},
	} {
		if err := s.AddAccount(u.p, u.pw, u.name); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range [][2]string{{"alice@example.com", "bob@example.com"}, {"alice@example.com", "carol@example.com"}, {"bob@example.com", "carol@example.com"}} {
		if err := s.Befriend(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

const cvrLine = "CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS "
const cvrReply = "CVR 2 6.2.0208 6.2.0208 6.2.0208 https://escargot.log1p.xyz https://escargot.log1p.xyz"

var httpClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: ioTimeout}

// passportLogin does the Passport 1.4 login and returns the status code and
// the ticket (empty on failure).
func passportLogin(t *testing.T, loginURL, user, pass string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", loginURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in="+
		strings.ReplaceAll(user, "@", "%40")+",pwd="+pass+","+twnParams)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		if got := resp.Header.Values("WWW-Authenticate"); len(got) != 1 || got[0] != "Passport1.4 da-status=failed" {
			t.Errorf("failed login: WWW-Authenticate = %q", got)
		}
		return resp.StatusCode, ""
	}
	m := regexp.MustCompile(`^Passport1\.4 da-status=success,from-PP='([0-9a-f]{20})'$`).FindStringSubmatch(resp.Header.Get("Authentication-Info"))
	if m == nil {
		t.Fatalf("Authentication-Info = %q", resp.Header.Get("Authentication-Info"))
	}
	return resp.StatusCode, m[1]
}

// usrOK is the USR OK line of each version.
func usrOK(ver int, user, name string) string {
	switch {
	case ver >= 10:
		return "USR {num} OK " + user + " 1 0"
	case ver >= 8:
		return "USR {num} OK " + user + " " + name + " 1 0"
	case ver >= 6:
		return "USR {num} OK " + user + " " + name + " 1"
	}
	return "USR {num} OK " + user + " " + name
}

// login signs user in with version ver up to the profile message and
// returns the connection and the next free TrID. A wrong password expects
// 911 and a closed connection, and returns nil.
func login(t *testing.T, s *Server, name string, ver int, user, pass, friendly string) (*tconn, int) {
	t.Helper()
	c := dial(t, name, s.NSAddr())
	v := "MSNP" + strconv.Itoa(ver)
	c.send("VER 1 " + v + " CVR0")
	c.expect("VER 1 " + v)
	tr := 2
	if ver >= 3 {
		c.send(cvrLine + user)
		c.expect(cvrReply)
		tr++
	}
	if ver < 8 {
		c.send("INF " + strconv.Itoa(tr))
		c.expect("INF " + strconv.Itoa(tr) + " MD5")
		tr++
		c.send("USR " + strconv.Itoa(tr) + " MD5 I " + user)
		salt := c.expect("USR " + strconv.Itoa(tr) + " MD5 S {any}")[0]
		tr++
		c.send("USR " + strconv.Itoa(tr) + " MD5 S " + md5hex(salt+pass))
	} else {
		c.send("USR " + strconv.Itoa(tr) + " TWN I " + user)
		c.expect("USR " + strconv.Itoa(tr) + " TWN S ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1")
		tr++
		code, tok := passportLogin(t, s.LoginURL(), user, pass)
		if code != http.StatusOK {
			if code != http.StatusUnauthorized {
				t.Fatalf("passport login: status %d", code)
			}
			tok = "bogus"
		} else {
			tok = "t=" + tok + "&p="
		}
		c.send("USR " + strconv.Itoa(tr) + " TWN S " + tok)
	}
	if pass == "wrong-password" {
		c.expect("911 " + strconv.Itoa(tr))
		c.expectClosed()
		return nil, 0
	}
	c.expect(strings.Replace(usrOK(ver, user, friendly), "{num}", strconv.Itoa(tr), 1))
	if ver >= 11 {
		c.expect("SBS 0 null")
	}
	profile, _ := c.readPayload("MSG Hotmail Hotmail")
	checkProfile(t, profile)
	return c, tr + 1
}

var profileRE = regexp.MustCompile(`^MIME-Version: 1\.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n` +
	`LoginTime: \d+\r\nEmailEnabled: 0\r\nMemberIdHigh: \d+\r\nMemberIdLow: \d+\r\nlang_preference: 1033\r\n` +
	`preferredEmail:\r\ncountry:\r\nPostalCode:\r\nGender:\r\nKid: 0\r\nAge:\r\nBDayPre:\r\nBirthday:\r\nWallet:\r\n` +
	`Flags: 536872513\r\nsid: 507\r\nMSPAuth: [0-9a-f]{575}[0-9a-f]{575}\r\nClientIP: 127\.0\.0\.1\r\nClientPort: \d+\r\n` +
	`ABCHMigrated: 1\r\nMPOPEnabled: 0\r\n\r\n$`)

func checkProfile(t *testing.T, p string) {
	t.Helper()
	if !profileRE.MatchString(p) {
		t.Fatalf("profile message has the wrong shape:\n%q", p)
	}
}

// ping sends PNG and expects the QNG of the version: everything the
// server sent before has then been read.
func (c *tconn) ping(ver int) {
	c.t.Helper()
	c.send("PNG")
	if ver >= 9 {
		c.expect("QNG 60")
	} else {
		c.expect("QNG")
	}
}

const initialMail = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialmdatanotification; charset=UTF-8\r\n\r\n" +
	"Mail-Data: <MD><E><I>0</I><IU>0</IU><O>0</O><OU>0</OU></E><Q><QTM>409600</QTM><QNM>204800</QNM></Q></MD>\r\n"

// clientIDs is the client id each version's probe sent in CHG.
func clientID(ver int) string {
	switch {
	case ver >= 10:
		return "1342177280"
	case ver >= 8:
		return "268435456"
	}
	return ""
}

// chg sends CHG with the version's client id and expects the echo.
func (c *tconn) chg(ver, tr int, st string) {
	c.t.Helper()
	line := "CHG " + strconv.Itoa(tr) + " " + st
	if id := clientID(ver); id != "" {
		line += " " + id
	}
	c.send(line)
	c.expect(line)
}

// online signs user in, syncs (reading the SYN output up to the last
// line) and goes NLN, reading what the first CHG brings. It returns the
// connection and the next TrID.
func online(t *testing.T, s *Server, name string, ver int, user, friendly string) (*tconn, int) {
	t.Helper()
	c, tr := login(t, s, name, ver, user, "secret123", friendly)
	c.send("SYN " + strconv.Itoa(tr) + " 0")
	c.send("PNG")
	c.skipTo("QNG{rest}")
	c.chg(ver, tr+1, "NLN")
	c.send("PNG")
	c.skipTo("QNG{rest}")
	return c, tr + 2
}

// payloadCommands are the server commands followed by a payload.
var payloadCommands = map[string]bool{"MSG": true, "UBX": true, "NOT": true, "IPG": true, "GCF": true}

// skipTo reads lines (and their payloads) until one matches pattern.
func (c *tconn) skipTo(pattern string) []string {
	c.t.Helper()
	re := patternRE(pattern)
	for {
		line, err := c.readLine()
		if err != nil {
			c.t.Fatalf("%s: waiting for %q: %v", c.name, pattern, err)
		}
		if m := re.FindStringSubmatch(line); m != nil {
			return m[1:]
		}
		f := strings.Fields(line)
		if len(f) > 1 && payloadCommands[f[0]] {
			n, _ := strconv.Atoi(f[len(f)-1])
			c.c.SetReadDeadline(time.Now().Add(ioTimeout))
			if _, err := io.ReadFull(c.r, make([]byte, n)); err != nil {
				c.t.Fatalf("%s: skipping payload: %v", c.name, err)
			}
		}
	}
}

func dialRaw(addr string) (*tconn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &tconn{c: c, r: bufio.NewReader(c)}, nil
}

func splitFields(line string) []string { return strings.Fields(line) }

// ticketFor gets a Passport ticket over HTTP without a *testing.T.
func ticketFor(s *Server, user string) (string, error) {
	req, err := http.NewRequest("GET", s.LoginURL(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Passport1.4 OrgVerb=GET,sign-in="+strings.ReplaceAll(user, "@", "%40")+",pwd=secret123,"+twnParams)
	resp, err := httpClient.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	m := regexp.MustCompile(`from-PP='([0-9a-f]{20})'`).FindStringSubmatch(resp.Header.Get("Authentication-Info"))
	if m == nil {
		return "", errors.New("no ticket for " + user)
	}
	return m[1], nil
}

// openSB asks the notification server c for a switchboard with "XFR tr SB"
// and signs in to it as user, whose friendly name is name; conn names the
// connection in failure messages. It returns the connection and the cookie.
func openSB(t *testing.T, s *Server, c *tconn, tr int, conn, user, name string) (sb *tconn, cookie string) {
	t.Helper()
	c.send("XFR " + strconv.Itoa(tr) + " SB")
	ck := c.expect("XFR " + strconv.Itoa(tr) + " SB " + s.SBAddr() + " CKI {cookie}")[0]
	sb = dial(t, conn, s.SBAddr())
	sb.send("USR 1 " + user + " " + ck)
	sb.expect("USR 1 OK " + user + " " + name)
	return sb, ck
}
