package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// docValues are the values docs/clients.md shows in the client
// configurations; the tests fill the same templates with their own.
var docValues = clientConfig{
	BridgePort:  "6667",
	Account:     "alice@example.com",
	Password:    "secret",
	LogDir:      "~/irclogs",
	ZNCPort:     "6668",
	ZNCPassword: "znc-password",
}

// TestClientsDocShowsTestedConfigs checks that docs/clients.md shows the
// configurations the end-to-end tests run irssi, WeeChat and ZNC with, so
// that what users copy is what CI proves.
func TestClientsDocShowsTestedConfigs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "clients.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"irssi.config", "weechat.commands", "znc.conf"} {
		want := renderConfig(t, name, docValues)
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/clients.md does not show testdata/clients/%s as the tests use it; it should contain:\n%s", name, want)
		}
	}
}

// TestIrssiAndWeechatShareOneSession attaches two real clients to the same
// MSN account: the second gets the whole state, both get every message,
// each sees what the other sent, and the MSN session ends only when the
// last of them is gone.
func TestIrssiAndWeechatShareOneSession(t *testing.T) {
	t.Parallel()
	needPrograms(t, "irssi", "tmux", "weechat-headless")
	needWeechatFIFO(t)
	const bobAddr = "bob@example.com"
	n := newMSNNetwork(t, bobAddr)
	bob := n.signIn(t, bobAddr)

	addr := startBridge(t, n, "", filepath.Join(t.TempDir(), "msn2irc.db"), "MSNP12,MSNP11,MSNP10,MSNP9,MSNP8").addr
	irssi := startIrssi(t, addr)
	waitFor(t, 20*time.Second, "irssi to join &msn", func() bool {
		return len(grepLines(irssi.window("&msn"), "alice", "has joined &msn")) > 0
	})
	wc := startWeechat(t, addr)
	waitFor(t, 20*time.Second, "WeeChat to join &msn", func() bool {
		return len(grepLines(wc.buffer("msn.&msn"), "alice", "has joined &msn")) > 0
	})
	wc.command(t, "irc.server.msn", "/names &msn")
	waitFor(t, 10*time.Second, "WeeChat, attached second, to see bob online in &msn", func() bool {
		return len(grepLines(wc.buffer("msn.&msn"), "Nicks &msn", "+bob")) > 0
	})

	bob.say(t, "hello to both of you")
	waitFor(t, 15*time.Second, "bob's message in irssi and in WeeChat", func() bool {
		return len(grepLines(irssi.window("bob"), "<bob> hello to both of you")) == 1 &&
			len(grepLines(wc.buffer("msn.bob"), "bob\thello to both of you")) == 1
	})
	irssi.tm.typeLine(t, "/msg bob typed in irssi")
	bob.waitMessage(t, "typed in irssi")
	waitFor(t, 10*time.Second, "WeeChat to show what irssi sent", func() bool {
		return len(grepLines(wc.buffer("msn.bob"), "alice\ttyped in irssi")) == 1
	})
	wc.command(t, "irc.server.msn", "/msg bob typed in weechat")
	bob.waitMessage(t, "typed in weechat")
	waitFor(t, 10*time.Second, "irssi to show what WeeChat sent", func() bool {
		return len(grepLines(irssi.window("bob"), "<alice> typed in weechat")) == 1
	})

	// The session outlives the first client and ends with the last.
	irssi.tm.typeLine(t, "/quit")
	waitFor(t, 10*time.Second, "irssi to quit", func() bool {
		return len(grepLines(irssi.window("bob"), "--- Log closed")) > 0
	})
	bob.say(t, "are you still there?")
	waitFor(t, 15*time.Second, "WeeChat to get bob's message after irssi quit", func() bool {
		return len(grepLines(wc.buffer("msn.bob"), "bob\tare you still there?")) == 1
	})
	if s := n.srv.Status(userPassport); s != msn.StatusOnline {
		t.Errorf("with WeeChat still attached, alice is %s on MSN; want %s", s, msn.StatusOnline)
	}
	wc.stop()
	waitFor(t, 15*time.Second, "alice to go offline on MSN when the last client is gone", func() bool {
		return !n.srv.Online(userPassport)
	})
}
