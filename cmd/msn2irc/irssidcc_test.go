package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// receivedFiles returns the files the contact accepted so far.
func (c *contact) receivedFiles() []receivedFile {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]receivedFile(nil), c.files...)
}

// TestIrssiDCCSend: irssi's /dcc send to a contact's nick reaches the
// contact over MSN byte for byte, and irssi is told it was delivered.
func TestIrssiDCCSend(t *testing.T) {
	t.Parallel()
	needPrograms(t, "irssi", "tmux")
	const bobAddr = "bob@example.com"
	n := newMSNNetwork(t, bobAddr)
	bob := n.signIn(t, bobAddr)
	addr := startBridge(t, n, "", filepath.Join(t.TempDir(), "msn2irc.db"), "MSNP12").addr
	irssi := startIrssi(t, addr)
	waitFor(t, 20*time.Second, "irssi to join &msn", func() bool {
		return len(grepLines(irssi.window("&msn"), "alice", "has joined &msn")) > 0
	})

	data := bytes.Repeat([]byte("irssi DCC \x00\x01\xff to bob over MSN\n"), 4000)
	file := filepath.Join(t.TempDir(), "report.bin")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	irssi.tm.typeLine(t, "/dcc send bob "+file)
	waitFor(t, 30*time.Second, "bob to receive report.bin", func() bool { return len(bob.receivedFiles()) > 0 })
	got := bob.receivedFiles()[0]
	if got.err != nil || got.name != "report.bin" || !bytes.Equal(got.data, data) {
		t.Fatalf("bob received %q, %d bytes, err %v; want report.bin, the %d bytes irssi sent", got.name, len(got.data), got.err, len(data))
	}
	waitFor(t, 15*time.Second, "irssi to show that report.bin was delivered", func() bool {
		return len(grepLines(irssi.all(), "report.bin was delivered to bob")) > 0
	})
}
