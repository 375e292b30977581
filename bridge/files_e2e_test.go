package bridge_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/internal/metrics"
)

// recvEnv is an env whose bridge keeps files in a data directory and
// serves them over real TCP with net/http.
type recvEnv struct {
	*env
	dir     string
	web     *httptest.Server
	metrics *metrics.Metrics
}

// newRecvEnv starts an env with files on; tweak adjusts the limits.
func newRecvEnv(t *testing.T, tweak func(*bridge.Config)) *recvEnv {
	t.Helper()
	fe := &recvEnv{dir: t.TempDir(), metrics: metrics.New()}
	fe.env = newEnvWith(t, "MSNP12", func(c *bridge.Config) {
		c.DataDir = fe.dir
		c.Metrics = fe.metrics
		if tweak != nil {
			tweak(c)
		}
	})
	mux := http.NewServeMux()
	mux.Handle(bridge.FilePattern, fe.bridge.FileHandler())
	fe.web = httptest.NewServer(mux)
	t.Cleanup(fe.web.Close)
	fe.bridge.SetFileURL(fe.web.URL)
	return fe
}

// fileData is n bytes of a pattern, the same for the same n.
func fileData(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 3))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// sendFile makes p send a file to alice in the background; the channel
// gets SendFile's result.
func sendFile(p *peer, name string, size int64, r io.Reader) <-chan error {
	ch := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 4*waitTime)
		defer cancel()
		ch <- p.c.SendFile(ctx, alice, name, size, r)
	}()
	return ch
}

// linkIn returns the download link in a message's text.
func linkIn(t *testing.T, m *irc.Message) string {
	t.Helper()
	for _, w := range strings.Fields(m.Trailing()) {
		if strings.HasPrefix(w, "http://") {
			return w
		}
	}
	t.Fatalf("no link in %q", m.Trailing())
	return ""
}

// httpGet fetches a URL (with header's name, value pairs) and returns the
// response with its body read.
func httpGet(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := ctxT()
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// filesOnDisk lists the regular files under the data directory (the
// link key aside), relative to it.
func (fe *recvEnv) filesOnDisk(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(fe.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && d.Name() != "link.key" {
			rel, _ := filepath.Rel(fe.dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// scrape returns the metrics text.
func (fe *recvEnv) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	fe.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// A small file from a contact is accepted without asking, announced in
// the query with a link (a message with a msgid), and the link serves it
// byte for byte, with a Range too; the file is 0600 in a 0700 directory
// of its own, and the metrics count it.
func TestFileFromContactAutoAccepted(t *testing.T) {
	fe := newRecvEnv(t, nil)
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	data := fileData(300_000)
	sent := sendFile(p, "holiday photos.jpg", int64(len(data)), bytes.NewReader(data))
	m := c.expectFrom("bob", "PRIVMSG", "holiday photos.jpg")
	if err := <-sent; err != nil {
		t.Fatalf("SendFile: %v", err)
	}
	if m.Params[0] != "alice" || m.Tags["msgid"] == "" {
		t.Errorf("announcement %v: want a query message with a msgid", m)
	}
	link := linkIn(t, m)
	if !strings.HasPrefix(link, fe.web.URL+"/files/") || !strings.HasSuffix(link, "/holiday_photos.jpg") {
		t.Errorf("link %q", link)
	}
	resp, body := httpGet(t, link)
	if resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("download: %s, %d bytes (want %d, the same)", resp.Status, len(body), len(data))
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "holiday photos.jpg") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if resp.ContentLength != int64(len(data)) {
		t.Errorf("Content-Length %d", resp.ContentLength)
	}
	resp, body = httpGet(t, link, "Range", "bytes=1000-1999")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[1000:2000]) {
		t.Errorf("range: %s, %d bytes", resp.Status, len(body))
	}
	files := fe.filesOnDisk(t)
	if len(files) != 1 {
		t.Fatalf("files on disk: %v", files)
	}
	st, err := os.Stat(filepath.Join(fe.dir, files[0]))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, %v", st.Mode(), err)
	}
	st, err = os.Stat(filepath.Dir(filepath.Join(fe.dir, files[0])))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, %v", st.Mode(), err)
	}
	if strings.Contains(files[0], "holiday") || strings.Contains(files[0], "alice") {
		t.Errorf("a name from the network reached the disk: %s", files[0])
	}
	text := fe.scrape(t)
	for _, want := range []string{`msn2irc_file_transfers_total{direction="msn_to_irc"} 1`, `msn2irc_file_bytes_total{direction="msn_to_irc"} 300000`} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// In the history, for a client that comes later, without the link:
	// the store holds no download token; "msn files" makes it again.
	c2 := fe.login("alice2", alice, password, allCaps)
	c2.send("CHATHISTORY LATEST bob * 10")
	if h := c2.expectFrom("bob", "PRIVMSG", "holiday photos.jpg"); strings.Contains(h.Trailing(), "/files/") {
		t.Errorf("the history holds the download link: %q", h.Trailing())
	}
	c2.ask("files", link)
}

// With the history off, a file that arrives while no client is attached
// is kept for the replay without its link, which the store must not
// hold; the replay says where to get it.
func TestFileLinkNotKeptForReplay(t *testing.T) {
	fe := newRecvEnv(t, nil)
	c := fe.login("alice", alice, password, allCaps)
	c.ask("set keep_online true", "keep_online=true")
	c.ask("set history_days 0", "history_days=0")
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	leave(c)
	p.chat(alice)
	data := fileData(1000)
	if err := <-sendFile(p, "note.txt", int64(len(data)), bytes.NewReader(data)); err != nil {
		t.Fatalf("SendFile: %v", err)
	}
	kept := waitReplayKept(t, fe.env, "note.txt")
	for _, m := range kept {
		if strings.Contains(m.Text, "/files/") {
			t.Errorf("the store keeps the download link: %q", m.Text)
		}
	}
	c2 := fe.login("alice", alice, password, allCaps)
	if m := c2.expectFrom("bob", "PRIVMSG", "/msg msn files gives its link"); !strings.Contains(m.Trailing(), "note.txt (1000 B)") {
		t.Errorf("replayed %q", m.Trailing())
	}
}
