package bridge_test

import (
	"bytes"
	"strings"
	"testing"
)

// A contact's file named with directories ("../../.bashrc") is announced
// and offered for download under its last part, without the leading dot:
// no name from MSN tells a client where to save a file.
func TestFileFromContactNameWithoutDirectory(t *testing.T) {
	fe := newRecvEnv(t, nil)
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	data := fileData(1000)
	sent := sendFile(p, `..\../.bashrc`, int64(len(data)), bytes.NewReader(data))
	m := c.expectFrom("bob", "PRIVMSG", "bashrc")
	if err := <-sent; err != nil {
		t.Fatalf("SendFile: %v", err)
	}
	if strings.Contains(m.Trailing(), "..") || strings.Contains(m.Trailing(), `\`) {
		t.Errorf("announcement %q names directories", m.Trailing())
	}
	resp, body := httpGet(t, linkIn(t, m))
	if resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("download: %s, %d bytes", resp.Status, len(body))
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != "attachment; filename=bashrc" {
		t.Errorf("Content-Disposition %q, want the name without directories", cd)
	}
}
