package bridge_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/msn"
)

// fileEnv is an env whose bridge takes files, with its upload handler on
// a real HTTP listener.
type fileEnv struct {
	*env
	base string // the HTTP base URL, ending in "/"
	dir  string // UploadConfig.Dir
	http *http.Client
}

// newFileEnv starts a bridge that takes files of at most maxSize bytes.
func newFileEnv(t *testing.T, maxSize int64, tweak func(*bridge.Config)) *fileEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fe := &fileEnv{base: "http://" + ln.Addr().String() + "/", dir: t.TempDir(),
		http: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: waitTime}}
	fe.env = newEnvWith(t, "MSNP12", func(cfg *bridge.Config) {
		cfg.Uploads = bridge.UploadConfig{Dir: fe.dir, BaseURL: fe.base, MaxSize: maxSize, Key: []byte("the instance's upload key")}
		if tweak != nil {
			tweak(cfg)
		}
	})
	h := fe.bridge.UploadHandler()
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return fe
}

// upload POSTs data as name with Basic auth and returns the response
// (its body read into the second result).
func (fe *fileEnv) upload(account, pass, name string, data []byte) (*http.Response, string) {
	fe.t.Helper()
	return fe.uploadSized(account, pass, name, data, int64(len(data)))
}

// uploadChunked is upload without a Content-Length: the bridge learns the
// size only by reading the body.
func (fe *fileEnv) uploadChunked(account, pass, name string, data []byte) (*http.Response, string) {
	fe.t.Helper()
	return fe.uploadSized(account, pass, name, data, -1)
}

// uploadSized is upload with the Content-Length given (-1: none).
func (fe *fileEnv) uploadSized(account, pass, name string, data []byte, length int64) (*http.Response, string) {
	fe.t.Helper()
	req, err := http.NewRequest("POST", fe.bridge.UploadURL(), bytes.NewReader(data))
	if err != nil {
		fe.t.Fatal(err)
	}
	req.ContentLength = length
	req.SetBasicAuth(account, pass)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	resp, err := fe.http.Do(req)
	if err != nil {
		fe.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// receiveFile waits for the peer to be offered a file, takes it and
// returns the offer and the bytes.
func (p *peer) receiveFile() (msn.FileOffer, []byte) {
	p.t.Helper()
	offer := p.expect("file offer", func(ev msn.Event) bool { _, ok := ev.(msn.FileOffer); return ok }).(msn.FileOffer)
	ctx, cancel := ctxT()
	defer cancel()
	var buf bytes.Buffer
	if err := p.c.AcceptFile(ctx, offer.ID, &buf); err != nil {
		p.t.Fatalf("AcceptFile: %v", err)
	}
	return offer, buf.Bytes()
}

// expectFileNote waits for a standard reply about a file sent to nick.
func (c *client) expectFileNote(verb, code, nick, text string) *irc.Message {
	c.t.Helper()
	return c.expect(verb+" "+code+" ~"+text, func(m *irc.Message) bool {
		return m.Command == verb && m.Param(1) == code && m.Param(2) == nick && strings.Contains(m.Trailing(), text)
	})
}

// A file uploaded through FILEHOST with the account's credentials, then
// linked in a query, reaches the contact byte for byte; the link serves
// it; the user is told it was delivered; and the link itself is not sent
// as a message.
func TestUploadSentToContact(t *testing.T) {
	m := metrics.New()
	fe := newFileEnv(t, 1<<20, func(cfg *bridge.Config) { cfg.Metrics = m })
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")

	data := bytes.Repeat([]byte("msn2irc \x00\xff file "), 3000)
	resp, body := fe.upload(alice, password, "holiday photo.jpg", data)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	link := resp.Header.Get("Location")
	if !strings.HasPrefix(link, fe.bridge.UploadURL()+"/") {
		t.Fatalf("Location %q", link)
	}
	got, err := fe.http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(served, data) {
		t.Errorf("the link serves %d bytes, want the %d uploaded", len(served), len(data))
	}
	// A download that no cache keeps: a deleted file is gone from its link.
	if h := got.Header; h.Get("Cache-Control") != "private, no-store" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
		t.Errorf("served with Cache-Control %q, Content-Disposition %q", h.Get("Cache-Control"), h.Get("Content-Disposition"))
	}

	c.send("PRIVMSG bob :" + link)
	offer, received := p.receiveFile()
	if offer.Name != "holiday photo.jpg" || offer.Size != int64(len(data)) {
		t.Errorf("offer %q of %d bytes", offer.Name, offer.Size)
	}
	if !bytes.Equal(received, data) {
		t.Errorf("bob received %d bytes, not the file", len(received))
	}
	c.expectFileNote("NOTE", "FILE_SENDING", "bob", "holiday photo.jpg")
	c.expectFileNote("NOTE", "FILE_SENT", "bob", "delivered")

	c.send("PRIVMSG bob :after the file")
	first := p.expect("a message", func(ev msn.Event) bool { _, ok := ev.(msn.MessageReceived); return ok }).(msn.MessageReceived)
	if first.Text != "after the file" {
		t.Errorf("bob's first message is %q, want the one after the link", first.Text)
	}
	if n := counterValue(t, m, "msn2irc_file_transfers_total", "irc_to_msn"); n != 1 {
		t.Errorf("file_transfers_total{irc_to_msn} = %v, want 1", n)
	}
	if n := counterValue(t, m, "msn2irc_file_bytes_total", "irc_to_msn"); n != float64(len(data)) {
		t.Errorf("file_bytes_total{irc_to_msn} = %v, want %d", n, len(data))
	}
}

// counterValue reads a counter of m by name and direction label.
func counterValue(t *testing.T, m *metrics.Metrics, name, direction string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, name+`{direction="`+direction+`"} `) {
			var v float64
			if _, err := fmt.Sscan(strings.Fields(line)[1], &v); err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("no %s{direction=%q} in the metrics", name, direction)
	return 0
}

// An upload's link names the account by a keyed hash, not by a hash of
// the address that anyone holding the link could check a guess against.
// Uploads made before there was a key (under that plain hash) are still
// served by their links, sent when the user pastes one, and deleted by
// forget.
func TestUploadLinkNamesNoAddress(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")

	plain := sha256.Sum256([]byte(alice))
	plainDir := hex.EncodeToString(plain[:16])
	resp, body := fe.upload(alice, password, "notes.txt", []byte("new notes"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	if link := resp.Header.Get("Location"); strings.Contains(link, plainDir) {
		t.Errorf("the link %q names the account by its plain hash", link)
	}

	// An upload of the version before, as it left it on disk.
	token := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	old := filepath.Join(fe.dir, plainDir)
	if err := os.MkdirAll(old, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{token: "old notes", token + ".name": "old.txt"} {
		if err := os.WriteFile(filepath.Join(old, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	oldLink := fe.bridge.UploadURL() + "/" + plainDir + "/" + token + "/old.txt"
	got, err := fe.http.Get(oldLink)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != http.StatusOK || string(served) != "old notes" {
		t.Errorf("the old link: %s %q", got.Status, served)
	}
	c.send("PRIVMSG bob :" + oldLink)
	offer, received := p.receiveFile()
	if offer.Name != "old.txt" || string(received) != "old notes" {
		t.Errorf("bob got %q: %q, want the old upload", offer.Name, received)
	}
	c.expectFileNote("NOTE", "FILE_SENT", "bob", "delivered")

	c.forget()
	waitSessionGone(t, fe.env)
	if left, _ := os.ReadDir(fe.dir); len(left) != 0 {
		t.Errorf("left after forget: %v", left)
	}
}

// A declined file is reported as declined by the contact.
func TestUploadDeclined(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	resp, body := fe.upload(alice, password, "notes.txt", []byte("some notes"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	c.send("PRIVMSG bob :" + resp.Header.Get("Location"))
	offer := p.expect("file offer", func(ev msn.Event) bool { _, ok := ev.(msn.FileOffer); return ok }).(msn.FileOffer)
	ctx, cancel := ctxT()
	defer cancel()
	if err := p.c.DeclineFile(ctx, offer.ID); err != nil {
		t.Fatal(err)
	}
	c.expectFileNote("FAIL", "FILE_NOT_SENT", "bob", "bob declined notes.txt")
}

// Wrong passwords are refused with 401 and counted by the login limits:
// after the limit, even the right password is refused (429) until the
// lockout ends.
func TestUploadWrongPasswordLocksOut(t *testing.T) {
	fe := newFileEnv(t, 1<<20, func(cfg *bridge.Config) { cfg.AuthFailures = 3 })
	fe.login("alice", alice, password, allCaps)
	for i := 0; i < 3; i++ {
		resp, _ := fe.upload(alice, "wrong", "a.txt", []byte("x"))
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("wrong password %d: %s, WWW-Authenticate %q", i, resp.Status, resp.Header.Get("WWW-Authenticate"))
		}
		fe.clock.advance(10 * time.Second) // past the short block after each failure
	}
	resp, body := fe.upload(alice, password, "a.txt", []byte("x"))
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right password after the lockout: %s %s", resp.Status, body)
	}
	fe.clock.advance(time.Hour)
	if resp, body := fe.upload(alice, password, "a.txt", []byte("x")); resp.StatusCode != http.StatusCreated {
		t.Fatalf("after the lockout: %s %s", resp.Status, body)
	}
}

// An upload with the session's password that MSN last confirmed long
// ago asks MSN again, as an IRC client's attach does: once the owner
// changed it, the old one uploads nothing, and the session ends.
func TestUploadRechecksAStalePassword(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	fe.login("alice", alice, password, allCaps)
	fe.clock.advance(bridge.DefaultPasswordRecheck + time.Minute)
	if resp, body := fe.upload(alice, password, "a.txt", []byte("x")); resp.StatusCode != http.StatusCreated {
		t.Fatalf("with the password MSN still takes: %s %s", resp.Status, body)
	}
	if err := fe.msn.SetPassword(alice, "changed-by-the-owner"); err != nil {
		t.Fatal(err)
	}
	fe.clock.advance(bridge.DefaultPasswordRecheck + time.Minute)
	if resp, body := fe.upload(alice, password, "b.txt", []byte("x")); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("with the password MSN no longer takes: %s %s", resp.Status, body)
	}
	waitNoSessions(t, fe.env)
}

// Without a running session, an upload is refused with a clear text and
// starts no MSN login; the answer is the one a wrong password gets, so
// that it does not tell a stranger whether the account is signed in.
func TestUploadNeedsSession(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	resp, body := fe.upload(alice, password, "a.txt", []byte("x"))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "no MSN session") {
		t.Fatalf("upload without a session: %s %q", resp.Status, body)
	}
	fe.clock.advance(time.Minute) // past the delay the first try earned
	wrong, wrongBody := fe.upload(alice, "wrong", "a.txt", []byte("x"))
	if wrong.StatusCode != resp.StatusCode || wrongBody != body {
		t.Errorf("a wrong password gets %s %q, no session %s %q: the answers tell them apart", wrong.Status, wrongBody, resp.Status, body)
	}
	if n := fe.bridge.SessionCount(); n != 0 {
		t.Errorf("%d sessions after an upload without one", n)
	}
	if fe.msn.Online(alice) {
		t.Error("the upload signed alice in to MSN")
	}
}

// A file over the size limit is refused with 413 and leaves nothing on
// disk.
func TestUploadTooLarge(t *testing.T) {
	fe := newFileEnv(t, 1000, nil)
	fe.login("alice", alice, password, allCaps)
	resp, body := fe.upload(alice, password, "big.bin", make([]byte, 1001))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("upload of 1001 bytes: %s %s", resp.Status, body)
	}
	// Without a Content-Length, the body is cut at the limit.
	r2, _ := fe.uploadChunked(alice, password, "big.bin", make([]byte, 1001))
	if r2.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked upload of 1001 bytes: %s", r2.Status)
	}
	filepath.WalkDir(fe.dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left on disk: %s", path)
		}
		return nil
	})
}

// An upload that takes longer than the listener's read and write
// timeouts (a large file over a slow link) is stored and answered: the
// handler extends both deadlines of its own request, not only the read.
func TestUploadOutlastsListenerTimeouts(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	fe.login("alice", alice, password, allCaps)
	srv := httptest.NewUnstartedServer(fe.bridge.UploadHandler())
	srv.Config.ReadTimeout = 50 * time.Millisecond
	srv.Config.WriteTimeout = 50 * time.Millisecond
	srv.Start()
	defer srv.Close()

	pr, pw := io.Pipe()
	wrote := make(chan error, 1)
	go func() {
		if _, err := pw.Write(make([]byte, 1000)); err != nil {
			wrote <- err
			return
		}
		// Sending slowly is the point here: both timeouts pass while the
		// rest of the file is on its way.
		time.Sleep(200 * time.Millisecond)
		_, err := pw.Write(make([]byte, 1000))
		pw.Close()
		wrote <- err
	}()
	req, err := http.NewRequest("POST", srv.URL+"/upload", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 2000
	req.SetBasicAuth(alice, password)
	req.Header.Set("Content-Disposition", `attachment; filename="slow.bin"`)
	resp, err := fe.http.Do(req)
	pr.CloseWithError(errors.New("the request is over"))
	if werr := <-wrote; werr != nil && err == nil {
		t.Fatalf("sending the body: %v", werr)
	}
	if err != nil {
		t.Fatalf("a slow upload gets no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("slow upload: %s %q", resp.Status, body)
	}
}

// forget deletes the account's uploads too: their links stop working and
// nothing of theirs is left on disk.
func TestForgetDeletesUploads(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	c := fe.login("alice", alice, password, allCaps)
	resp, body := fe.upload(alice, password, "notes.txt", []byte("private notes"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	link := resp.Header.Get("Location")
	c.forget()
	waitSessionGone(t, fe.env)
	got, err := fe.http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	got.Body.Close()
	if got.StatusCode != http.StatusNotFound {
		t.Errorf("the upload's link after forget: %s", got.Status)
	}
	left, err := os.ReadDir(fe.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range left {
		t.Errorf("left after forget: %s", d.Name())
	}
}

// A web page cannot upload in the user's name with the credentials the
// browser kept: a form posted to the upload address (a navigation), a
// no-cors fetch, any request a browser says comes from another site, or
// one whose Origin is another site's, is refused with 403 before any
// login; this site's own pages and programs that send none of these
// headers are taken.
func TestUploadRefusesCrossSiteForms(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	fe.login("alice", alice, password, allCaps)
	own := strings.TrimSuffix(strings.TrimPrefix(fe.base, "http://"), "/")
	for _, tc := range []struct {
		mode, site, origin string
		want               int
	}{
		{"navigate", "cross-site", "https://evil.example", http.StatusForbidden},
		{"no-cors", "cross-site", "https://evil.example", http.StatusForbidden},
		{"cors", "cross-site", "https://evil.example", http.StatusForbidden},
		{"cors", "same-site", "https://files.evil.example", http.StatusForbidden},
		{"", "", "https://evil.example", http.StatusForbidden},
		{"", "", "null", http.StatusForbidden},
		{"cors", "same-origin", "http://" + own, http.StatusCreated},
		{"", "", "", http.StatusCreated},
	} {
		req, err := http.NewRequest("POST", fe.bridge.UploadURL(), strings.NewReader("hello"))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(alice, password)
		req.Header.Set("Content-Type", "text/plain")
		for k, v := range map[string]string{"Sec-Fetch-Mode": tc.mode, "Sec-Fetch-Site": tc.site, "Origin": tc.origin} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		resp, err := fe.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Sec-Fetch-Mode %q, Sec-Fetch-Site %q, Origin %q: %s %q, want %d", tc.mode, tc.site, tc.origin, resp.Status, body, tc.want)
		}
	}
}
