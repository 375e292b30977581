package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// TestFileHostUpload: msn2irc advertises its upload URL as
// soju.im/FILEHOST; a file uploaded there with the account's credentials
// and linked in bob's query reaches bob byte for byte, and /metrics
// counts it.
func TestFileHostUpload(t *testing.T) {
	t.Parallel()
	const bobAddr = "bob@example.com"
	n := newMSNNetwork(t, bobAddr)
	bob := n.signIn(t, bobAddr)
	s := startServeHTTP(t, n, config{})
	want := "soju.im/FILEHOST=http://" + s.files + "/upload"

	c := dialIRC(t, s.irc)
	c.send(t, "PASS "+userPassport+":"+userPassword)
	c.send(t, "NICK alice")
	c.send(t, "USER alice 0 * :Alice")
	c.expect(t, 20*time.Second, want, func(m *irc.Message) bool {
		return m.Command == irc.RPL_ISUPPORT && strings.Contains(strings.Join(m.Params, " "), want)
	})
	c.expect(t, 20*time.Second, "the names of &msn", func(m *irc.Message) bool {
		return m.Command == irc.RPL_ENDOFNAMES && len(m.Params) > 1 && m.Params[1] == "&msn"
	})

	data := bytes.Repeat([]byte("uploaded \x00\xff for bob\n"), 5000)
	req, err := http.NewRequest("POST", "http://"+s.files+"/upload", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(userPassport, userPassword)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Disposition", `attachment; filename="notes.bin"`)
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s", resp.Status)
	}
	c.send(t, "PRIVMSG bob :"+resp.Header.Get("Location"))
	waitFor(t, 30*time.Second, "bob to receive notes.bin", func() bool { return len(bob.receivedFiles()) > 0 })
	got := bob.receivedFiles()[0]
	if got.err != nil || got.name != "notes.bin" || !bytes.Equal(got.data, data) {
		t.Fatalf("bob received %q, %d bytes, err %v; want notes.bin, the %d bytes uploaded", got.name, len(got.data), got.err, len(data))
	}
	c.expect(t, 20*time.Second, "the delivery notice", func(m *irc.Message) bool {
		return strings.Contains(m.Trailing(), "notes.bin was delivered to bob")
	})
	fams, _ := scrape(t, s.metrics)
	if v := value(fams, "msn2irc_file_transfers_total", "direction", "irc_to_msn"); v != 1 {
		t.Errorf("file_transfers_total{irc_to_msn} = %v, want 1", v)
	}
	if v := value(fams, "msn2irc_file_bytes_total", "direction", "irc_to_msn"); v != float64(len(data)) {
		t.Errorf("file_bytes_total{irc_to_msn} = %v, want %d", v, len(data))
	}
}
