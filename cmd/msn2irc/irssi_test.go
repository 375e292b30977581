package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// irssiProc is irssi running in a private tmux server with the
// configuration of testdata/clients/irssi.config. Every window is logged to
// its own file (autolog) and everything also to all.log.
type irssiProc struct {
	tm     *tmux
	logDir string
}

func startIrssi(t *testing.T, bridgeAddr string) *irssiProc {
	t.Helper()
	return startIrssiWith(t, bridgeAddr, userPassword)
}

// startIrssiWith starts irssi logging in with the given MSN password.
func startIrssiWith(t *testing.T, bridgeAddr, password string) *irssiProc {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	p := &irssiProc{logDir: filepath.Join(dir, "logs")}
	for _, d := range []string{home, p.logDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	conf := renderConfig(t, "irssi.config", clientConfig{
		BridgePort: portOf(bridgeAddr),
		Account:    userPassport,
		Password:   password,
		LogDir:     p.logDir,
	})
	// Besides the per-window logs of the configuration, log everything to
	// one file: WHOIS and NAMES replies go to the status window.
	conf += "logs = { \"" + p.logDir + "/all.log\" = { auto_open = \"yes\"; level = \"ALL\"; }; };\n"
	if err := os.WriteFile(filepath.Join(home, "config"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p.tm = startTmux(t, dir, "irssi", "--home="+home)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("irssi screen:\n%s", p.tm.screen())
			t.Logf("irssi all.log:\n%s", tail(p.all(), 80))
		}
	})
	return p
}

// window returns the log of one window (a channel or a query).
func (p *irssiProc) window(name string) string {
	return readFile(filepath.Join(p.logDir, "MSN", strings.ToLower(name)+".log"))
}

// all returns the log of every window.
func (p *irssiProc) all() string { return readFile(filepath.Join(p.logDir, "all.log")) }

// groupWindows returns the names of the logged # channels.
func (p *irssiProc) groupWindows() []string {
	m, _ := filepath.Glob(filepath.Join(p.logDir, "MSN", "#*.log"))
	var out []string
	for _, f := range m {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".log"))
	}
	return out
}

// TestIrssi drives irssi in tmux: login with PASS address:password, the
// contact list in &msn, an away contact shown in WHOIS, chat both ways, and
// a group chat that an MSN contact starts.
func TestIrssi(t *testing.T) {
	t.Parallel()
	needPrograms(t, "irssi", "tmux")
	const (
		bobAddr   = "bob@example.com"
		carolAddr = "carol@example.com"
		daveAddr  = "dave@example.com" // offline until the outbox test
	)
	n := newMSNNetwork(t, bobAddr, carolAddr, daveAddr)
	bob := n.signIn(t, bobAddr)
	carol := n.signIn(t, carolAddr)
	carol.setStatus(t, msn.StatusBusy)

	addr := startBridge(t, n, "", filepath.Join(t.TempDir(), "msn2irc.db"), "MSNP12,MSNP11,MSNP10,MSNP9,MSNP8").addr
	tp := newTap(t, addr)
	irssi := startIrssi(t, tp.addr())

	// Login and the contact list.
	waitFor(t, 20*time.Second, "irssi to join &msn", func() bool {
		return len(grepLines(irssi.window("&msn"), "alice", "has joined &msn")) > 0
	})
	tp.checkCaps(t, "irssi")
	if len(tp.sentLines("PASS")) != 1 {
		t.Errorf("irssi sent %d PASS lines, want 1", len(tp.sentLines("PASS")))
	}
	irssi.tm.typeLine(t, "/names &msn")
	var names []string
	waitFor(t, 10*time.Second, "the names of &msn in irssi", func() bool {
		names = grepLines(irssi.all(), "+bob", "+carol", "dave")
		return len(names) > 0
	})
	if strings.Contains(names[0], "+dave") {
		t.Errorf("offline dave is voiced in &msn: %s", names[0])
	}

	// An away contact is shown as away.
	irssi.tm.typeLine(t, "/whois carol")
	waitFor(t, 10*time.Second, "irssi to show carol away (WHOIS)", func() bool {
		return len(grepLines(irssi.all(), "away", "Busy")) > 0
	})

	// MSN → irssi, in a query window.
	bob.say(t, "hello irssi, it's bob")
	waitFor(t, 15*time.Second, "bob's message in irssi's bob window", func() bool {
		return len(grepLines(irssi.window("bob"), "<bob> hello irssi, it's bob")) == 1
	})
	// irssi → MSN.
	irssi.tm.typeLine(t, "/msg bob hello bob, this is irssi")
	bob.waitMessage(t, "hello bob, this is irssi")
	irssi.tm.typeLine(t, "/action bob waves at bob")
	bob.waitMessage(t, "* alice waves at bob")

	// Nudges both ways: CTCP NUDGE from irssi, and an action in irssi.
	irssi.tm.typeLine(t, "/ctcp bob NUDGE")
	waitFor(t, 10*time.Second, "bob to get alice's nudge", func() bool { return bob.nudgedBy(userPassport) })
	bob.nudge(t)
	waitFor(t, 10*time.Second, "irssi to show bob's nudge", func() bool {
		return len(grepLines(irssi.window("bob"), "bob sent you a nudge")) == 1
	})

	// A message to an offline contact waits in the outbox and is
	// delivered when they sign in.
	irssi.tm.typeLine(t, "/msg dave see you later, dave")
	waitFor(t, 10*time.Second, "irssi to say the message to dave is queued", func() bool {
		return len(grepLines(strings.ToLower(irssi.all()), "queued")) > 0
	})
	dave := n.signIn(t, daveAddr)
	dave.waitMessage(t, "see you later, dave")

	// The user's own status follows /away.
	irssi.tm.typeLine(t, "/away busy in a meeting")
	waitFor(t, 10*time.Second, "alice to be Busy on MSN after /away busy ...", func() bool {
		return n.srv.Status(userPassport) == msn.StatusBusy
	})
	irssi.tm.typeLine(t, "/away")
	waitFor(t, 10*time.Second, "alice to be online on MSN after /away", func() bool {
		return n.srv.Status(userPassport) == msn.StatusOnline
	})

	// Bob calls carol into the chat: it becomes a group chat channel.
	sb := bob.waitChat(t, userPassport)
	bob.invite(t, sb, carolAddr)
	group := carol.waitChat(t, userPassport, bobAddr)
	var channel string
	waitFor(t, 15*time.Second, "a # channel for the group chat in irssi", func() bool {
		if w := irssi.groupWindows(); len(w) == 1 {
			channel = w[0]
		}
		return channel != ""
	})
	carol.sayIn(t, group, "carol says hi to the group")
	waitFor(t, 15*time.Second, "carol's message in "+channel, func() bool {
		return len(grepLines(irssi.window(channel), "carol", "carol says hi to the group")) == 1
	})
	irssi.tm.typeLine(t, "/msg "+channel+" alice answers the group")
	bob.waitMessage(t, "alice answers the group")
	carol.waitMessage(t, "alice answers the group")
}

// TestIrssiLoginRefusedForNow shows what irssi says when MSN refuses the
// login for a reason other than the password (here a server error): the
// reason, without the 464 of a wrong password; and once MSN takes logins
// again, /reconnect gets the user in.
func TestIrssiLoginRefusedForNow(t *testing.T) {
	t.Parallel()
	needPrograms(t, "irssi", "tmux")
	n := newMSNNetwork(t, "bob@example.com")
	n.srv.RejectLogin(userPassport, 500)
	addr := startBridge(t, n, "", filepath.Join(t.TempDir(), "msn2irc.db"), "MSNP12,MSNP11,MSNP10,MSNP9,MSNP8").addr
	irssi := startIrssiWith(t, addr, userPassword)
	waitFor(t, 20*time.Second, "irssi to show the refusal", func() bool {
		return len(grepLines(irssi.all(), "ERROR Login refused for now: MSN login failed: server error 500")) > 0
	})
	if lines := grepLines(irssi.all(), "Bad password"); len(lines) > 0 {
		t.Errorf("irssi shows a wrong password: %v", lines)
	}
	n.srv.RejectLogin(userPassport, 0)
	irssi.tm.typeLine(t, "/reconnect")
	waitFor(t, 20*time.Second, "irssi in &msn after /reconnect", func() bool {
		return irssi.window("&msn") != ""
	})
}

// TestIrssiWrongPassword shows what irssi says when the MSN password is
// wrong: a clear error in the status window, and no world.
func TestIrssiWrongPassword(t *testing.T) {
	t.Parallel()
	needPrograms(t, "irssi", "tmux")
	n := newMSNNetwork(t, "bob@example.com")
	addr := startBridge(t, n, "", filepath.Join(t.TempDir(), "msn2irc.db"), "MSNP12,MSNP11,MSNP10,MSNP9,MSNP8").addr
	irssi := startIrssiWith(t, addr, "not-"+userPassword)
	waitFor(t, 20*time.Second, "irssi to show the failed login", func() bool {
		return len(grepLines(irssi.all(), "MSN login failed: wrong address or password")) > 0
	})
	if log := irssi.window("&msn"); log != "" {
		t.Errorf("irssi joined &msn with a wrong password:\n%s", log)
	}
	if n.srv.Online(userPassport) {
		t.Errorf("alice is signed in to MSN after a login with a wrong password")
	}
}
