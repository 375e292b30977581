package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWeechatDCCSend: WeeChat's /dcc send to a contact's nick reaches the
// contact over MSN byte for byte, and WeeChat is told it was delivered.
func TestWeechatDCCSend(t *testing.T) {
	t.Parallel()
	needPrograms(t, "weechat-headless")
	needWeechatFIFO(t)
	const bobAddr = "bob@example.com"
	n := newMSNNetwork(t, bobAddr)
	bob := n.signIn(t, bobAddr)
	addr := startBridge(t, n, "", filepath.Join(t.TempDir(), "msn2irc.db"), "MSNP12").addr
	wc := startWeechat(t, addr)
	waitFor(t, 20*time.Second, "WeeChat to join &msn", func() bool {
		return len(grepLines(wc.buffer("msn.&msn"), "alice", "has joined &msn")) > 0
	})

	data := bytes.Repeat([]byte("WeeChat DCC \x00\x01\xff to bob over MSN\n"), 4000)
	file := filepath.Join(t.TempDir(), "notes.bin")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	wc.command(t, "irc.server.msn", "/dcc send bob "+file)
	waitFor(t, 30*time.Second, "bob to receive notes.bin", func() bool { return len(bob.receivedFiles()) > 0 })
	got := bob.receivedFiles()[0]
	if got.err != nil || got.name != "notes.bin" || !bytes.Equal(got.data, data) {
		t.Fatalf("bob received %q, %d bytes, err %v; want notes.bin, the %d bytes WeeChat sent", got.name, len(got.data), got.err, len(data))
	}
	waitFor(t, 15*time.Second, "WeeChat to show that notes.bin was delivered", func() bool {
		for _, f := range wc.logFiles() {
			if len(grepLines(readFile(filepath.Join(wc.logDir, f)), "notes.bin was delivered to bob")) > 0 {
				return true
			}
		}
		return false
	})
}
