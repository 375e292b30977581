package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// The file listener serves the pictures: an upload needs the account's
// session and password, and is then served at the URL it answers with;
// an unknown picture is 404; the metrics listener serves none of it.
func TestPicturesServed(t *testing.T) {
	n := newMSNNetwork(t, "bob@example.com")
	s := startServeHTTP(t, n, config{})
	hc := http.Client{Timeout: 20 * time.Second}
	upload := func(addr, user, pass string, body []byte) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+addr+"/picture", bytes.NewReader(body))
		req.SetBasicAuth(user, pass)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	gif := append([]byte("GIF89a"), bytes.Repeat([]byte("x"), 64)...)

	// From another address: the refusal counts as a failed login, and
	// the delay it earns its address must not hold up the login below.
	other := http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	req, _ := http.NewRequest("POST", "http://"+s.files+"/picture", bytes.NewReader(gif))
	req.SetBasicAuth(userPassport, userPassword)
	resp, err := other.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("upload without a session: %d, want 401", resp.StatusCode)
	}
	if code, _ := httpGet(t, "http://"+s.files+"/pictures/0123456789abcdef0123456789abcdef.png"); code != http.StatusNotFound {
		t.Errorf("unknown picture: %d, want 404", code)
	}

	c := dialIRC(t, s.irc)
	c.send(t, "PASS "+userPassport+":"+userPassword)
	c.send(t, "NICK alice")
	c.send(t, "USER alice 0 * :Alice")
	c.expect(t, 20*time.Second, "the NAMES of &msn", func(m *irc.Message) bool {
		return m.Command == irc.RPL_ENDOFNAMES && len(m.Params) > 1 && m.Params[1] == "&msn"
	})
	code, url := upload(s.files, userPassport, userPassword, gif)
	url = strings.TrimSpace(url)
	if code != http.StatusOK || !strings.HasPrefix(url, "http://"+s.files+"/pictures/") {
		t.Fatalf("upload: %d %q", code, url)
	}
	if code, body := httpGet(t, url); code != http.StatusOK || body != string(gif) {
		t.Errorf("GET %s: %d, %d bytes", url, code, len(body))
	}
	if code, _ := upload(s.metrics, userPassport, userPassword, gif); code != http.StatusNotFound {
		t.Errorf("upload on the metrics listener: %d, want 404", code)
	}
	c.send(t, "PRIVMSG msn :picture")
	c.expect(t, 20*time.Second, "the picture's URL", func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.Contains(m.Trailing(), "Your display picture: "+url)
	})
}
