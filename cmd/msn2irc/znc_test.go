package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/msn"
)

const zncPassword = "znc-e2e-pass"

// zncProc is a running ZNC with the configuration of testdata/clients/znc.conf.
type zncProc struct {
	dir    string // --datadir
	addr   string // ZNC's IRC listener
	logDir string // where the log module writes, one file per window
	out    string // ZNC's own output
	cmd    *exec.Cmd
	exited chan struct{}
	how    string // how ZNC was started, for the test log
}

// startZNC runs ZNC in the foreground with a network pointing at
// bridgeAddr. ZNC refuses to run as root: when the tests run as root, ZNC
// runs as the user nobody (through setpriv) with a data directory it owns.
func startZNC(t *testing.T, bridgeAddr string) *zncProc {
	t.Helper()
	dir, err := os.MkdirTemp("", "msn2irc-znc-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	z := &zncProc{
		dir:    dir,
		addr:   freeAddr(t),
		logDir: filepath.Join(dir, "users", "alice", "networks", "msn", "moddata", "log"),
		out:    filepath.Join(dir, "znc.out"),
		exited: make(chan struct{}),
	}
	conf := renderConfig(t, "znc.conf", clientConfig{
		BridgePort:  portOf(bridgeAddr),
		Account:     userPassport,
		Password:    userPassword,
		ZNCPort:     portOf(z.addr),
		ZNCPassword: zncPassword,
	})
	if err := os.MkdirAll(filepath.Join(dir, "configs"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "configs", "znc.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--foreground", "--no-color", "--datadir=" + dir}
	if os.Geteuid() == 0 {
		uid, gid := unprivilegedUser(t)
		if err := chownTree(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		z.cmd = exec.Command("setpriv", append([]string{"--reuid=" + strconv.Itoa(uid), "--regid=" + strconv.Itoa(gid),
			"--clear-groups", "--", "znc"}, args...)...)
		z.how = fmt.Sprintf("as uid %d via setpriv (ZNC refuses root)", uid)
	} else {
		z.cmd = exec.Command("znc", args...)
		z.how = "as the current user"
	}
	z.cmd.Env = append(os.Environ(), "HOME="+dir)
	out, err := os.Create(z.out)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	z.cmd.Stdout, z.cmd.Stderr = out, out
	if err := z.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		z.cmd.Wait()
		close(z.exited)
	}()
	t.Cleanup(func() {
		z.cmd.Process.Kill()
		<-z.exited
		if t.Failed() {
			t.Logf("ZNC output:\n%s", tail(readFile(z.out), 40))
			for _, f := range z.logFiles() {
				t.Logf("ZNC log %s:\n%s", f, readFile(filepath.Join(z.logDir, f)))
			}
		}
	})
	waitFor(t, 15*time.Second, "ZNC to listen on "+z.addr, func() bool {
		select {
		case <-z.exited:
			t.Fatalf("ZNC exited at start:\n%s", readFile(z.out))
		default:
		}
		return strings.Contains(readFile(z.out), "Staying open for debugging") && canDial(z.addr)
	})
	t.Logf("ZNC %s, data dir %s", z.how, dir)
	return z
}

func unprivilegedUser(t *testing.T) (uid, gid int) {
	t.Helper()
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Fatalf("running as root and setpriv (util-linux) is missing: ZNC cannot be started unprivileged")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("running as root and there is no user nobody to run ZNC as: %v", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

func chownTree(dir string, uid, gid int) error {
	return filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

// logFile returns the content of the log of one window (a nick or a channel).
func (z *zncProc) logFile(window string) string {
	return readFile(filepath.Join(z.logDir, strings.ToLower(window)+".log"))
}

// logFiles lists the log files (one per window).
func (z *zncProc) logFiles() []string {
	entries, _ := os.ReadDir(z.logDir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// logLines counts the lines of every log file.
func (z *zncProc) logLines() map[string]int {
	n := map[string]int{}
	for _, f := range z.logFiles() {
		n[f] = len(lines(readFile(filepath.Join(z.logDir, f))))
	}
	return n
}

// logWith returns the file and line of the first log line containing text.
func (z *zncProc) logWith(text string) (file, line string) {
	for _, f := range z.logFiles() {
		if l := grepLines(readFile(filepath.Join(z.logDir, f)), text); len(l) > 0 {
			return f, l[0]
		}
	}
	return "", ""
}

// whoisAway asks WHOIS nick through c and returns the away reason (301), "" when not away.
func whoisAway(t *testing.T, c *ircClient, nick string) string {
	t.Helper()
	c.send(t, "WHOIS "+nick)
	away := ""
	c.expect(t, 10*time.Second, "the end of WHOIS "+nick, func(m *irc.Message) bool {
		if m.Command == irc.RPL_AWAY && len(m.Params) >= 3 && m.Params[1] == nick {
			away = m.Trailing()
		}
		return m.Command == irc.RPL_ENDOFWHOIS
	})
	return away
}

// attach connects an IRC client to ZNC as user alice, network msn.
func (z *zncProc) attach(t *testing.T) *ircClient {
	t.Helper()
	c := dialIRC(t, z.addr)
	c.send(t, "CAP LS 302")
	c.send(t, "PASS alice/msn:"+zncPassword)
	c.send(t, "NICK alice")
	c.send(t, "USER alice 0 * :Alice")
	c.expect(t, 10*time.Second, "CAP LS from ZNC", func(m *irc.Message) bool {
		return m.Command == "CAP" && len(m.Params) >= 2 && m.Params[1] == "LS"
	})
	c.send(t, "CAP END")
	c.expect(t, 10*time.Second, "001 from ZNC", func(m *irc.Message) bool { return m.Command == irc.RPL_WELCOME })
	return c
}

func canDial(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// TestZNC runs Debian's ZNC as a bouncer in front of msn2irc: messages from
// MSN contacts land in ZNC's log under the contact's nick, messages sent
// through ZNC reach MSN, a contact renamed through ZNC keeps the new nick,
// presence is visible without flooding the logs, and after msn2irc restarts
// ZNC reconnects to the same nicks and log files.
func TestZNC(t *testing.T) {
	t.Parallel()
	needPrograms(t, "znc")
	const (
		bobAddr   = "bob@example.com"
		otherAddr = "bob@hotmail.com" // same local part: its nick needs a suffix
	)
	n := newMSNNetwork(t, bobAddr, otherAddr)
	bob := n.signIn(t, bobAddr)
	other := n.signIn(t, otherAddr)

	dir := t.TempDir()
	dbPath := filepath.Join(dir, "msn2irc.db")
	br := startBridge(t, n, "", dbPath, "MSNP12,MSNP11,MSNP10,MSNP9,MSNP8")
	addr := br.addr
	tp := newTap(t, addr)
	z := startZNC(t, tp.addr())

	waitFor(t, 20*time.Second, "ZNC to join &msn", func() bool {
		return len(grepLines(z.logFile("&msn"), "Joins: alice")) == 1
	})
	tp.checkCaps(t, "ZNC")
	if len(tp.sentLines("PASS")) == 0 {
		t.Errorf("ZNC did not send the server password (PASS)")
	}

	// MSN → ZNC's log, under the contact's nick.
	bob.say(t, "hello through znc")
	waitFor(t, 15*time.Second, "bob's message in ZNC's bob.log", func() bool {
		return len(grepLines(z.logFile("bob"), "<bob> hello through znc")) == 1
	})
	other.say(t, "hi from the other bob")
	var otherFile, otherNick string
	waitFor(t, 15*time.Second, "the other bob's message in a ZNC log", func() bool {
		f, l := z.logWith("hi from the other bob")
		otherFile = f
		if i, j := strings.Index(l, "<"), strings.Index(l, ">"); i >= 0 && j > i {
			otherNick = l[i+1 : j]
		}
		return f != ""
	})
	if otherNick == "" || strings.EqualFold(otherNick, "bob") || otherFile != strings.ToLower(otherNick)+".log" {
		t.Fatalf("message from %s logged in %s as <%s>; want a nick of its own and its own file", otherAddr, otherFile, otherNick)
	}

	// An IRC client attached to ZNC → MSN.
	c := z.attach(t)

	// The user renames the other bob through ZNC: the new nick is used
	// from now on, in a log file of its own, and survives the restart below.
	c.send(t, "PRIVMSG msn :rename "+otherNick+" hotbob")
	c.expect(t, 10*time.Second, "NICK "+otherNick+" -> hotbob", func(m *irc.Message) bool {
		return m.Command == "NICK" && m.Prefix != nil && m.Prefix.Name == otherNick && len(m.Params) == 1 && m.Params[0] == "hotbob"
	})
	otherNick = "hotbob"
	other.say(t, "the other bob, renamed")
	waitFor(t, 15*time.Second, "the renamed bob's message in ZNC's hotbob.log", func() bool {
		return len(grepLines(z.logFile("hotbob"), "<hotbob> the other bob, renamed")) == 1
	})

	c.send(t, "PRIVMSG bob :hi bob, from a client of znc")
	bob.waitMessage(t, "hi bob, from a client of znc")
	waitFor(t, 10*time.Second, "the sent message in ZNC's bob.log", func() bool {
		return len(grepLines(z.logFile("bob"), "<alice> hi bob, from a client of znc")) == 1
	})

	// Presence: a personal message, away and back in WHOIS (ZNC 1.8 does
	// not pass away-notify on to its clients), offline and online as voice
	// in &msn; a handful of log lines at most, none in the query log.
	before := z.logLines()
	bob.setPersonalMessage(t, "at the gym")
	bob.setStatus(t, msn.StatusBusy)
	waitFor(t, 10*time.Second, "WHOIS through ZNC to show bob away (Busy — at the gym)", func() bool {
		return whoisAway(t, c, "bob") == "Busy — at the gym"
	})
	bob.setStatus(t, msn.StatusOnline)
	waitFor(t, 10*time.Second, "WHOIS through ZNC to show bob back", func() bool {
		return whoisAway(t, c, "bob") == ""
	})
	bob.signOut()
	c.expect(t, 10*time.Second, "bob shown offline (MODE &msn -v bob)", func(m *irc.Message) bool {
		return m.Command == "MODE" && len(m.Params) == 3 && m.Params[0] == "&msn" && m.Params[1] == "-v" && m.Params[2] == "bob"
	})
	bob.login(t)
	c.expect(t, 10*time.Second, "bob shown online (MODE &msn +v bob)", func(m *irc.Message) bool {
		return m.Command == "MODE" && len(m.Params) == 3 && m.Params[0] == "&msn" && m.Params[1] == "+v" && m.Params[2] == "bob"
	})
	waitFor(t, 10*time.Second, "bob's return in ZNC's &msn.log", func() bool {
		return len(grepLines(z.logFile("&msn"), "+v bob")) > 0
	})
	after := z.logLines()
	added := 0
	for f, n := range after {
		added += n - before[f]
	}
	t.Logf("five presence changes wrote %d lines to ZNC's logs", added)
	if after["bob.log"] != before["bob.log"] {
		t.Errorf("presence changes wrote %d lines to bob's query log:\n%s", after["bob.log"]-before["bob.log"], z.logFile("bob"))
	}
	if len(grepLines(z.logFile("&msn"), "-v bob")) == 0 {
		t.Errorf("bob going offline is not in ZNC's &msn.log:\n%s", z.logFile("&msn"))
	}
	if added > 4 {
		t.Errorf("five presence changes wrote %d log lines (want at most 4): before %v after %v\n&msn.log:\n%s", added, before, after, z.logFile("&msn"))
	}

	// msn2irc restarts (killed): ZNC reconnects, same nicks, same files.
	filesBefore := z.logFiles()
	linesBefore := z.logLines()
	br.stop(t)
	startBridge(t, n, addr, dbPath, "MSNP12,MSNP11,MSNP10,MSNP9,MSNP8")
	waitFor(t, 30*time.Second, "ZNC to rejoin &msn after msn2irc restarted", func() bool {
		return len(grepLines(z.logFile("&msn"), "Joins: alice")) == 2
	})
	names := c.expect(t, 10*time.Second, "NAMES of &msn after the restart", func(m *irc.Message) bool {
		return m.Command == irc.RPL_NAMREPLY && len(m.Params) >= 3 && m.Params[2] == "&msn"
	})
	nicks := strings.Fields(names.Trailing())
	for i := range nicks {
		nicks[i] = strings.TrimLeft(nicks[i], "@+")
	}
	if !slices.Contains(nicks, "bob") || !slices.Contains(nicks, otherNick) {
		t.Errorf("after restart &msn has %v; want bob and %s", nicks, otherNick)
	}
	bob.say(t, "bob again after the restart")
	other.say(t, "other bob again after the restart")
	waitFor(t, 15*time.Second, "messages after the restart in the same log files", func() bool {
		return len(grepLines(z.logFile("bob"), "<bob> bob again after the restart")) == 1 &&
			len(grepLines(z.logFile(otherNick), "<"+otherNick+"> other bob again after the restart")) == 1
	})
	linesAfter := z.logLines()
	t.Logf("the restart wrote %d lines to ZNC's &msn.log and %d to its status.log",
		linesAfter["&msn.log"]-linesBefore["&msn.log"], linesAfter["status.log"]-linesBefore["status.log"])
	if filesAfter := z.logFiles(); !slices.Equal(filesBefore, filesAfter) {
		t.Errorf("log files changed over the restart: before %v, after %v", filesBefore, filesAfter)
	}
}
