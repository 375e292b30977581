package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// A contact's file reaches the user through the whole program: announced
// with a link on the file listener, downloaded byte for byte, counted in
// /metrics.
func TestServeFileFromContact(t *testing.T) {
	const bob = "bob@example.com"
	n := newMSNNetwork(t, bob)
	bobC := n.signIn(t, bob)
	s := startServeHTTP(t, n, config{FileAutoAccept: 1 << 20, FileMaxSize: 2 << 20, FileQuota: 4 << 20, FileExpiry: time.Hour})

	c := dialIRC(t, s.irc)
	c.send(t, "PASS "+userPassport+":"+userPassword)
	c.send(t, "NICK alice")
	c.send(t, "USER alice 0 * :Alice")
	c.expect(t, 20*time.Second, "the NAMES of &msn", func(m *irc.Message) bool {
		return m.Command == irc.RPL_ENDOFNAMES && len(m.Params) > 1 && m.Params[1] == "&msn"
	})
	bobC.say(t, "a file for you")
	c.expect(t, 20*time.Second, "bob's hello", func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.Contains(m.Trailing(), "a file for you")
	})
	data := bytes.Repeat([]byte("0123456789abcdef"), 40_000)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bobC.client.SendFile(ctx, userPassport, "data.bin", int64(len(data)), bytes.NewReader(data)); err != nil {
		t.Fatalf("SendFile: %v", err)
	}
	m := c.expect(t, 20*time.Second, "the link", func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.Contains(m.Trailing(), "data.bin")
	})
	var link string
	for _, w := range strings.Fields(m.Trailing()) {
		if strings.HasPrefix(w, "http://"+s.files+"/files/") {
			link = w
		}
	}
	if link == "" {
		t.Fatalf("no link to the file listener %s in %q", s.files, m.Trailing())
	}
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("download: %s, %d bytes, %v", resp.Status, len(body), err)
	}
	fams, _ := scrape(t, s.metrics)
	if got := value(fams, "msn2irc_file_transfers_total", "direction", "msn_to_irc"); got != 1 {
		t.Errorf("file_transfers_total = %v, want 1", got)
	}
	if got := value(fams, "msn2irc_file_bytes_total", "direction", "msn_to_irc"); got != float64(len(data)) {
		t.Errorf("file_bytes_total = %v, want %d", got, len(data))
	}
}
