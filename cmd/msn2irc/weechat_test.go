package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// weechatProc is weechat-headless configured by the commands in
// testdata/clients/weechat.commands, driven through its FIFO, with every
// buffer logged to its own file.
type weechatProc struct {
	fifo   string
	logDir string
	out    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// weechatPluginDirs are where Debian installs WeeChat's plugins.
var weechatPluginDirs = []string{"/usr/lib/*/weechat/plugins", "/usr/lib/weechat/plugins", "/usr/local/lib/weechat/plugins"}

func needWeechatFIFO(t *testing.T) {
	t.Helper()
	for _, d := range weechatPluginDirs {
		if m, _ := filepath.Glob(filepath.Join(d, "fifo.so")); len(m) > 0 {
			return
		}
	}
	msg := "WeeChat's fifo plugin is not installed (Debian: apt-get install weechat-plugins)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func startWeechat(t *testing.T, bridgeAddr string) *weechatProc {
	t.Helper()
	dir := t.TempDir()
	p := &weechatProc{
		fifo:   filepath.Join(dir, "weechat.fifo"),
		logDir: filepath.Join(dir, "logs"),
		out:    filepath.Join(dir, "weechat.out"),
	}
	commands := renderConfig(t, "weechat.commands", clientConfig{
		BridgePort: portOf(bridgeAddr),
		Account:    userPassport,
		Password:   userPassword,
	})
	// The test's own settings first: a FIFO at a known path, and logs
	// written at once.
	commands = "/set fifo.file.path \"" + p.fifo + "\"\n" +
		"/set logger.file.path \"" + p.logDir + "\"\n" +
		"/set logger.file.flush_delay 0\n" + commands
	cmd := exec.Command("weechat-headless", "--dir", filepath.Join(dir, "home"), "-r", strings.Join(lines(commands), ";"))
	p.cmd = cmd
	out, err := os.Create(p.out)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	p.exited = exited
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			for _, f := range p.logFiles() {
				t.Logf("WeeChat log %s:\n%s", f, tail(readFile(filepath.Join(p.logDir, f)), 60))
			}
		}
	})
	waitFor(t, 15*time.Second, "WeeChat's FIFO", func() bool {
		select {
		case <-exited:
			t.Fatalf("weechat-headless exited at start:\n%s", readFile(p.out))
		default:
		}
		fi, err := os.Stat(p.fifo)
		return err == nil && fi.Mode()&os.ModeNamedPipe != 0
	})
	return p
}

// stop kills WeeChat, so that its connection drops without a QUIT, and
// waits for it to exit.
func (p *weechatProc) stop() {
	p.cmd.Process.Kill()
	<-p.exited
}

// command runs a command in a buffer (e.g. "irc.server.msn") through the FIFO.
func (p *weechatProc) command(t *testing.T, buffer, command string) {
	t.Helper()
	var f *os.File
	waitFor(t, 5*time.Second, "WeeChat to read its FIFO", func() bool {
		var err error
		f, err = os.OpenFile(p.fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		return err == nil
	})
	defer f.Close()
	if _, err := f.WriteString(buffer + " *" + command + "\n"); err != nil {
		t.Fatalf("writing to WeeChat's FIFO: %v", err)
	}
}

// buffer returns the log of a buffer: "server.msn", or "msn.<channel or nick>".
func (p *weechatProc) buffer(name string) string {
	return readFile(filepath.Join(p.logDir, "irc."+strings.ToLower(name)+".weechatlog"))
}

func (p *weechatProc) logFiles() []string {
	entries, _ := os.ReadDir(p.logDir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestWeechat drives weechat-headless through its FIFO: login with SASL
// PLAIN, the contact list in &msn, an away contact in WHOIS, chat both ways,
// and a group chat the user starts with /JOIN and /INVITE.
func TestWeechat(t *testing.T) {
	t.Parallel()
	needPrograms(t, "weechat-headless")
	needWeechatFIFO(t)
	const (
		bobAddr   = "bob@example.com"
		carolAddr = "carol@example.com"
	)
	n := newMSNNetwork(t, bobAddr, carolAddr)
	bob := n.signIn(t, bobAddr)
	carol := n.signIn(t, carolAddr)
	carol.setStatus(t, msn.StatusAway)

	addr := startBridge(t, n, "", filepath.Join(t.TempDir(), "msn2irc.db"), "MSNP9,MSNP8").addr
	tp := newTap(t, addr)
	wc := startWeechat(t, tp.addr())

	// Login with SASL PLAIN and the contact list.
	waitFor(t, 20*time.Second, "WeeChat to join &msn", func() bool {
		return len(grepLines(wc.buffer("msn.&msn"), "alice", "has joined &msn")) > 0
	})
	tp.checkCaps(t, "WeeChat")
	if auth := tp.sentLines("AUTHENTICATE"); len(auth) < 2 || auth[0] != "AUTHENTICATE PLAIN" {
		t.Errorf("WeeChat did not log in with SASL PLAIN; AUTHENTICATE lines: %v", auth)
	}
	if pass := tp.sentLines("PASS"); len(pass) != 0 {
		t.Errorf("WeeChat sent PASS although it is configured for SASL: %v", pass)
	}
	wc.command(t, "irc.server.msn", "/names &msn")
	waitFor(t, 10*time.Second, "the names of &msn in WeeChat", func() bool {
		return len(grepLines(wc.buffer("msn.&msn"), "+bob", "+carol")) > 0
	})

	// An away contact is shown as away.
	wc.command(t, "irc.server.msn", "/whois carol")
	waitFor(t, 10*time.Second, "WeeChat to show carol away (WHOIS)", func() bool {
		return len(grepLines(wc.buffer("server.msn"), "carol", "away", "Away")) > 0
	})

	// MSN → WeeChat, in a query buffer; WeeChat → MSN.
	bob.say(t, "hello weechat, it's bob")
	waitFor(t, 15*time.Second, "bob's message in WeeChat's bob buffer", func() bool {
		return len(grepLines(wc.buffer("msn.bob"), "bob\thello weechat, it's bob")) == 1
	})
	wc.command(t, "irc.server.msn", "/msg bob hello bob, this is weechat")
	bob.waitMessage(t, "hello bob, this is weechat")

	// The user starts a group chat: /JOIN a new channel, /INVITE two contacts.
	wc.command(t, "irc.server.msn", "/join #party")
	waitFor(t, 10*time.Second, "WeeChat to join #party", func() bool {
		return len(grepLines(wc.buffer("msn.#party"), "alice", "has joined #party")) > 0
	})
	wc.command(t, "irc.msn.#party", "/invite bob")
	wc.command(t, "irc.msn.#party", "/invite carol")
	waitFor(t, 15*time.Second, "bob and carol to join #party", func() bool {
		log := wc.buffer("msn.#party")
		return len(grepLines(log, "bob", "has joined #party")) > 0 && len(grepLines(log, "carol", "has joined #party")) > 0
	})
	wc.command(t, "irc.msn.#party", "/msg #party welcome to the party")
	bob.waitMessage(t, "welcome to the party")
	carol.waitMessage(t, "welcome to the party")
	group := bob.waitChat(t, userPassport, carolAddr)
	bob.sayIn(t, group, "thanks for the invitation")
	waitFor(t, 15*time.Second, "bob's message in WeeChat's #party buffer", func() bool {
		return len(grepLines(wc.buffer("msn.#party"), "bob\tthanks for the invitation")) == 1
	})
}
