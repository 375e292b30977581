package bridge_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/web"
)

// A small PNG (what http.DetectContentType reads as image/png), and a
// second one, different.
var (
	pngBob  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte("bob's picture "), 200)...)
	pngBob2 = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte("bob's new one "), 300)...)
	gifMine = append([]byte("GIF89a"), bytes.Repeat([]byte("alice "), 100)...)
)

// picEnv is an env whose bridge serves pictures on an HTTP server of the
// test, with metrics that count the fetches.
type picEnv struct {
	*env
	http *httptest.Server
	m    *metrics.Metrics
	dir  string // the data directory
}

func newPicEnv(t *testing.T, version string, tweak func(*bridge.Config)) *picEnv {
	t.Helper()
	m := metrics.New()
	e := newEnvWith(t, version, func(c *bridge.Config) {
		c.Metrics = m
		if tweak != nil {
			tweak(c)
		}
	})
	mux := web.NewMux("msn2irc")
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	ctx, cancel := ctxT()
	defer cancel()
	dir := t.TempDir()
	if err := e.bridge.ServePictures(ctx, mux, hs.URL, dir); err != nil {
		t.Fatal(err)
	}
	return &picEnv{env: e, http: hs, m: m, dir: dir}
}

// get fetches url and returns its status, body and headers.
func get(t *testing.T, url string, header ...string) (int, []byte, http.Header) {
	t.Helper()
	resp, body := httpGet(t, url, header...)
	return resp.StatusCode, body, resp.Header
}

var pictureURL = regexp.MustCompile(`https?://\S+/pictures/[0-9a-f]{32}\.png\?v=[0-9a-f]{8}`)

// whoisPicture sends WHOIS nick and returns the URL of its picture line.
func whoisPicture(c *client, nick string) string {
	c.t.Helper()
	c.send("WHOIS " + nick)
	m := c.expect("320 picture", func(m *irc.Message) bool {
		return m.Command == "320" && strings.HasPrefix(m.Trailing(), "picture: ")
	})
	c.expectCmd(irc.RPL_ENDOFWHOIS)
	u := strings.TrimPrefix(m.Trailing(), "picture: ")
	if !pictureURL.MatchString(u) {
		c.t.Fatalf("picture URL %q", u)
	}
	return u
}

// A contact's picture is fetched once, however often it is asked for,
// served byte for byte at the URL WHOIS and METADATA give, and a new
// picture reaches a subscribed client as a METADATA message.
func TestContactPicture(t *testing.T) {
	e := newPicEnv(t, "MSNP18", nil)
	p := e.peer(bob)
	ctx, cancel := ctxT()
	defer cancel()
	if err := p.c.SetDisplayPicture(ctx, pngBob); err != nil {
		t.Fatal(err)
	}
	c := e.login("alice", alice, password, "draft/metadata-2 standard-replies")
	c.send("METADATA * SUB avatar")
	c.expectCmd("770", "*", "avatar")
	c.expectCmd("762")

	url := whoisPicture(c, "bob")
	c.send("METADATA bob GET avatar")
	c.expectCmd("761", "*", "bob", "avatar", "*", url)
	if n := e.fetchCount(t, "delivered"); n != "0" {
		t.Errorf("%s fetches before anyone downloaded the picture, want 0 (fetched lazily)", n)
	}
	for i := 0; i < 2; i++ {
		status, body, h := get(t, url)
		if status != http.StatusOK || !bytes.Equal(body, pngBob) {
			t.Fatalf("GET %s: %d, %d bytes, want the %d bytes of bob's picture", url, status, len(body), len(pngBob))
		}
		if h.Get("Content-Type") != "image/png" || h.Get("ETag") == "" || !strings.Contains(h.Get("Cache-Control"), "max-age") {
			t.Errorf("headers %v", h)
		}
		if status, _, _ := get(t, url, "If-None-Match", h.Get("ETag")); status != http.StatusNotModified {
			t.Errorf("GET with its ETag: %d, want 304", status)
		}
	}
	if again := whoisPicture(c, "bob"); again != url {
		t.Errorf("second WHOIS %q, want %q", again, url)
	}
	if n := e.fetchCount(t, "delivered"); n != "1" {
		t.Errorf("the picture was fetched %s times, want once", n)
	}

	if err := p.c.SetDisplayPicture(ctx, pngBob2); err != nil {
		t.Fatal(err)
	}
	m := c.expectCmd("METADATA", "bob", "avatar", "*")
	url2 := m.Trailing()
	if url2 == url || !pictureURL.MatchString(url2) {
		t.Fatalf("new avatar %q (old %q)", url2, url)
	}
	if status, body, _ := get(t, url2); status != http.StatusOK || !bytes.Equal(body, pngBob2) {
		t.Fatalf("GET new picture: %d, %d bytes", status, len(body))
	}

	tok := url[strings.Index(url, "/pictures/"):]
	for _, u := range []string{e.http.URL + "/pictures/0123456789abcdef0123456789abcdef.png", e.http.URL + tok[:len(tok)-20] + "x.png"} {
		if status, _, _ := get(t, u); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", u, status)
		}
	}
}

// post uploads body as the picture with Basic auth.
func post(t *testing.T, url, user, pass string, body []byte) (int, string) {
	t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", url+"/picture", bytes.NewReader(body))
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The user's own picture is uploaded with Basic auth (wrong passwords
// count towards the lockout), advertised to MSN so that a contact
// fetches it byte for byte, shown by "picture", and cleared.
func TestOwnPicture(t *testing.T) {
	e := newPicEnv(t, "MSNP18", func(c *bridge.Config) { c.AuthFailures = 2; c.AuthLockout = time.Hour })
	p := e.peer(bob)
	c := e.login("alice", alice, password, "draft/metadata-2 standard-replies")

	if status, _ := post(t, e.http.URL, bob, password, gifMine); status != http.StatusUnauthorized {
		t.Errorf("upload for an account without a session: %d, want 401", status)
	}
	e.clock.advance(10 * time.Minute) // past the short delay that failure earned the address
	if status, _ := post(t, e.http.URL, alice, password, []byte("<html><script>alert(1)</script>")); status != http.StatusUnsupportedMediaType {
		t.Errorf("upload of HTML: %d, want 415", status)
	}
	if status, _ := post(t, e.http.URL, alice, password, append([]byte("GIF89a"), make([]byte, bridge.MaxOwnPicture)...)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("upload of a picture too large: %d, want 413", status)
	}
	for i := 0; i < 2; i++ {
		if status, _ := post(t, e.http.URL, alice, "wrong", gifMine); status != http.StatusUnauthorized {
			t.Errorf("upload with a wrong password: %d, want 401", status)
		}
		e.clock.advance(10 * time.Minute) // past the short delay after a failure
	}
	if status, _ := post(t, e.http.URL, alice, password, gifMine); status != http.StatusTooManyRequests {
		t.Errorf("upload after two wrong passwords: %d, want 429 (locked out)", status)
	}
	e.clock.advance(2 * time.Hour)
	status, body := post(t, e.http.URL, alice, password, gifMine)
	if status != http.StatusOK || !pictureURL.MatchString(body) {
		t.Fatalf("upload: %d %q", status, body)
	}
	url := strings.TrimSpace(body)
	if status, got, h := get(t, url); status != http.StatusOK || !bytes.Equal(got, gifMine) || h.Get("Content-Type") != "image/gif" {
		t.Errorf("GET own picture: %d, %d bytes, %v", status, len(got), h.Get("Content-Type"))
	}
	c.send("METADATA * GET avatar")
	c.expectCmd("761", "*", "alice", "avatar", "*", url)

	// bob sees the picture in alice's presence and fetches it.
	ctx, cancel := ctxT()
	defer cancel()
	var obj msn.MSNObject
	for obj.IsZero() {
		if pic, ok := p.c.Picture(alice); ok {
			obj = pic
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("bob never saw alice's picture")
		case <-time.After(10 * time.Millisecond): // polling bob's contact list with a deadline
		}
	}
	var got bytes.Buffer
	if err := p.c.FetchObject(ctx, alice, obj, &got); err != nil || !bytes.Equal(got.Bytes(), gifMine) {
		t.Fatalf("bob fetched %d bytes, %v; want alice's picture", got.Len(), err)
	}

	// A new upload replaces the picture at the same address, in a file
	// of its own readable by the owner only; the old file goes.
	gifMine2 := append([]byte("GIF89a"), bytes.Repeat([]byte("alice again "), 100)...)
	status, body = post(t, e.http.URL, alice, password, gifMine2)
	url2 := strings.TrimSpace(body)
	if status != http.StatusOK || url2 == url || strings.Split(url2, "?")[0] != strings.Split(url, "?")[0] {
		t.Fatalf("second upload: %d %q (first %q)", status, url2, url)
	}
	if status, got, _ := get(t, url2); status != http.StatusOK || !bytes.Equal(got, gifMine2) {
		t.Errorf("GET the new picture: %d, %d bytes", status, len(got))
	}
	sum1, sum2 := sha1.Sum(gifMine), sha1.Sum(gifMine2)
	if _, err := os.Stat(filepath.Join(e.dir, "pictures", hex.EncodeToString(sum1[:]))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the replaced picture's file: %v, want it gone", err)
	}
	if st, err := os.Stat(filepath.Join(e.dir, "pictures", hex.EncodeToString(sum2[:]))); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the picture's file: %v, %v; want mode 0600", st, err)
	}
	url = url2

	c.send("PRIVMSG msn :picture")
	c.expectMsn("Your display picture: " + url)
	c.send("PRIVMSG msn :picture Clear")
	c.expectMsn("Your display picture is cleared.")
	c.send("PRIVMSG msn :picture")
	c.expectMsn("Your display picture: none.")
	if status, _, _ := get(t, url); status != http.StatusNotFound {
		t.Errorf("GET a cleared picture: %d, want 404", status)
	}
}

// fetchCount is the count of picture fetches with outcome.
func (e *picEnv) fetchCount(t *testing.T, outcome string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	e.m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	m := regexp.MustCompile(`(?m)^msn2irc_picture_fetches_total\{outcome="` + outcome + `"\} (\S+)$`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("no picture_fetches_total in /metrics")
	}
	return m[1]
}

// A failed fetch is answered 503 and not tried again until its backoff
// passed; then the picture comes.
// New pictures are requests to MSN like the user's commands: past their
// burst, one more is refused (429) until the pace allows it.
func TestOwnPicturePaced(t *testing.T) {
	e := newPicEnv(t, "MSNP18", nil)
	e.login("alice", alice, password, "draft/metadata-2 standard-replies")
	refused := -1
	for i := 0; i < 30 && refused < 0; i++ {
		if status, body := post(t, e.http.URL, alice, password, gifMine); status == http.StatusTooManyRequests {
			refused = i
		} else if status != http.StatusOK {
			t.Fatalf("upload %d: %d %q", i, status, body)
		}
	}
	if refused < 1 {
		t.Fatalf("refused at upload %d, want some taken first, then one refused", refused)
	}
	e.clock.advance(time.Minute)
	if status, body := post(t, e.http.URL, alice, password, gifMine); status != http.StatusOK {
		t.Errorf("after a minute: %d %q", status, body)
	}
}

// The link of the user's own picture works after a restart, before the
// account logs in again.
func TestOwnPictureLinkAfterRestart(t *testing.T) {
	e := newPicEnv(t, "MSNP18", nil)
	e.login("alice", alice, password, "draft/metadata-2 standard-replies")
	status, body := post(t, e.http.URL, alice, password, gifMine)
	if status != http.StatusOK {
		t.Fatalf("upload: %d %q", status, body)
	}
	u, err := url.Parse(strings.TrimSpace(body))
	if err != nil {
		t.Fatal(err)
	}
	e.restart()
	mux := web.NewMux("msn2irc")
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	ctx, cancel := ctxT()
	defer cancel()
	if err := e.bridge.ServePictures(ctx, mux, hs.URL, e.dir); err != nil {
		t.Fatal(err)
	}
	if status, got, _ := get(t, hs.URL+u.RequestURI()); status != http.StatusOK || !bytes.Equal(got, gifMine) {
		t.Errorf("own picture after a restart: %d, %d bytes", status, len(got))
	}
}

func TestContactPictureRetry(t *testing.T) {
	e := newPicEnv(t, "MSNP18", nil)
	p := e.peer(bob)
	ctx, cancel := ctxT()
	defer cancel()
	if err := p.c.SetDisplayPicture(ctx, pngBob); err != nil {
		t.Fatal(err)
	}
	c := e.login("alice", alice, password, "")
	url := whoisPicture(c, "bob")

	e.msn.DropSBOnNextMessage(alice)
	if status, _, h := get(t, url); status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
		t.Fatalf("GET while the switchboard drops: %d, want 503 with Retry-After", status)
	}
	if status, _, _ := get(t, url); status != http.StatusServiceUnavailable {
		t.Fatalf("GET again at once: %d, want 503", status)
	}
	if n := e.fetchCount(t, "failed"); n != "1" {
		t.Errorf("%s failed fetches, want 1: the second GET must wait for the backoff", n)
	}
	e.clock.advance(2 * time.Minute)
	if status, body, _ := get(t, url); status != http.StatusOK || !bytes.Equal(body, pngBob) {
		t.Fatalf("GET after the backoff: %d, %d bytes", status, len(body))
	}
}

// forget deletes the own picture's file with its row.
func TestForgetPicture(t *testing.T) {
	e := newPicEnv(t, "MSNP18", nil)
	c := e.login("alice", alice, password, "")
	if status, _ := post(t, e.http.URL, alice, password, gifMine); status != http.StatusOK {
		t.Fatalf("upload: %d", status)
	}
	sum := sha1.Sum(gifMine)
	file := filepath.Join(e.dir, "pictures", hex.EncodeToString(sum[:]))
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the uploaded picture's file: %v", err)
	}
	c.forget()
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the picture's file after forget: %v, want it gone", err)
	}
}

// A picture that takes longer to arrive than the listener's write
// timeout (a phone on a slow link) is set and answered: the answer's
// deadline counts from the end of the body, not from the request's start.
func TestOwnPictureOutlastsWriteTimeout(t *testing.T) {
	e := newEnvWith(t, "MSNP18", nil)
	mux := web.NewMux("msn2irc")
	hs := httptest.NewUnstartedServer(mux)
	hs.Config.ReadTimeout = 5 * time.Second
	hs.Config.WriteTimeout = 50 * time.Millisecond
	hs.Start()
	t.Cleanup(hs.Close)
	ctx, cancel := ctxT()
	defer cancel()
	if err := e.bridge.ServePictures(ctx, mux, hs.URL, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	e.login("alice", alice, password, "draft/metadata-2")

	pr, pw := io.Pipe()
	sent := make(chan struct{})
	defer func() { <-sent }()
	go func() {
		defer close(sent)
		half := len(gifMine) / 2
		pw.Write(gifMine[:half])
		// Sending slowly is the point: the write timeout passes while the
		// rest of the picture is on its way.
		time.Sleep(200 * time.Millisecond)
		pw.Write(gifMine[half:])
		pw.Close()
	}()
	req, _ := http.NewRequestWithContext(ctx, "POST", hs.URL+"/picture", pr)
	req.ContentLength = int64(len(gifMine))
	req.SetBasicAuth(alice, password)
	resp, err := http.DefaultClient.Do(req)
	pr.CloseWithError(errors.New("the request is over"))
	if err != nil {
		t.Fatalf("a picture sent slowly gets no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !pictureURL.Match(body) {
		t.Fatalf("a picture sent slowly: %s %q", resp.Status, body)
	}
}
