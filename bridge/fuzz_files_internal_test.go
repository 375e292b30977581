package bridge

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/msn2irc/msn2irc/db"
)

// hostileNames are file names and path parts a client or a contact may
// send: separators, traversal, controls, quotes, invalid UTF-8, length.
var hostileNames = []string{
	"report.pdf", "résumé.pdf", "", " ", ".", "..", "...", "../../etc/passwd",
	`..\..\boot.ini`, "/", `C:\Users\me\x.txt`, "a\x00b", "a\r\nPRIVMSG #x :hi", "\x01ACTION\x01",
	`"quoted name".txt`, "\xff\xfe.txt", "a\u202eexe.txt", ".hidden", "%2e%2e%2fx",
	strings.Repeat("é", 200), strings.Repeat("a", 1000) + ".txt", "\x02bold\x02\x0304red.png",
}

// checkName fails unless name is fit to show and to send: valid UTF-8,
// nonempty, at most most bytes, no NUL, CR, LF or other control, and
// no directory.
func checkName(t *testing.T, what, in, name string, most int) {
	t.Helper()
	switch {
	case name == "" || name == "." || name == "..":
		t.Fatalf("%s(%q) = %q: empty or a directory", what, in, name)
	case len(name) > most:
		t.Fatalf("%s(%q) = %q: %d bytes, more than %d", what, in, name, len(name), most)
	case !utf8.ValidString(name):
		t.Fatalf("%s(%q) = %q: invalid UTF-8", what, in, name)
	case strings.ContainsAny(name, "/\\"):
		t.Fatalf("%s(%q) = %q: holds a path separator", what, in, name)
	case strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		t.Fatalf("%s(%q) = %q: holds a control character", what, in, name)
	}
}

// FuzzFileNames checks the names made of a file's name from the network:
// the name of a file sent or received (cleanFileName) and the cosmetic
// name in a link (urlFileName).
func FuzzFileNames(f *testing.F) {
	for _, s := range hostileNames {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		checkName(t, "cleanFileName", name, cleanFileName(name), maxFileNameBytes)
		u := urlFileName(name)
		checkName(t, "urlFileName", name, u, maxURLNameBytes)
		if url.PathEscape(u) != u || strings.Contains(u, "..") || strings.HasPrefix(u, ".") {
			t.Fatalf("urlFileName(%q) = %q: not a plain path segment", name, u)
		}
		if validToken(name) || validDirName(name) {
			if strings.ContainsAny(name, "/\\.\x00") || name != strings.TrimSpace(name) {
				t.Fatalf("%q taken for a token or a directory name", name)
			}
		}
	})
}

// FuzzParseDCCSend checks that a CTCP DCC from a client is either an
// error or an offer with an address, a port and a size in range, and
// that the refusal names nothing unclean.
func FuzzParseDCCSend(f *testing.F) {
	for _, s := range []string{
		"SEND report.pdf 2130706433 5000 1234",
		`SEND "my report.pdf" 127.0.0.1 5000 1234`,
		"SEND x ::ffff:127.0.0.1 5000 10",
		"SEND x ::1 0 10 77",
		"SEND x 4294967296 5000 1", "SEND x 1 65536 1", "SEND x 1 1 -1", "SEND x 1 1 99999999999999999999",
		`SEND "unterminated 1 1 1`, `SEND "" 1 1 1`, "CHAT chat 1 1", "RESUME x 1 1 1",
		"SEND\x00x 1 1 1", "SEND x\r\nQUIT 1 1 1", "\x01SEND x 1 1\x01", "send ../../etc/passwd 1 2 3",
		"SEND x fe80::1%eth0 1 1", "SEND x fe80::1%\x01ACTION\x01 1 1", "SEND x ::1%\xff 1 1", "SEND x +1 +1 +1", "X\r\nPRIVMSG #a :b 1 2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		d, err := parseDCCSend(args)
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\x00\r\n") || !utf8.ValidString(msg) || len(msg) > 400 {
				t.Fatalf("parseDCCSend(%q): unclean refusal %q", args, msg)
			}
			return
		}
		switch {
		case !d.ip.IsValid() || d.ip.Is4In6() || d.ip.Zone() != "":
			t.Fatalf("parseDCCSend(%q): address %v", args, d.ip)
		case d.port < 0 || d.port > 65535:
			t.Fatalf("parseDCCSend(%q): port %d", args, d.port)
		case d.size < -1:
			t.Fatalf("parseDCCSend(%q): size %d", args, d.size)
		case d.passive != (d.port == 0):
			t.Fatalf("parseDCCSend(%q): passive %v with port %d", args, d.passive, d.port)
		}
		checkName(t, "cleanFileName", d.name, cleanFileName(d.name), maxFileNameBytes)
	})
}

// fileBridge is a bridge serving one uploaded file and one received
// file, with a secret file next to each that no link may reach.
func fileBridge(f *testing.F) (b *Bridge, upLink, dlLink, content string) {
	ctx := context.Background()
	store, err := db.Open(ctx, ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	root := f.TempDir()
	for _, p := range []string{"secret", "uploads/secret", "data/secret"} {
		os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o700)
		if err := os.WriteFile(filepath.Join(root, p), []byte("SECRET"), 0o600); err != nil {
			f.Fatal(err)
		}
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	b = &Bridge{log: slog.New(slog.NewTextHandler(io.Discard, nil)), cfg: Config{
		Store: store, DataDir: filepath.Join(root, "data"), Now: func() time.Time { return now },
		Uploads: UploadConfig{Dir: filepath.Join(root, "uploads"), BaseURL: "http://h/", MaxSize: 1 << 20, Expiry: time.Hour},
	}}
	content = "the file"
	const account = "alice@example.com"
	dir, err := b.accountDir(account)
	if err != nil {
		f.Fatal(err)
	}
	const upToken = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	if err := os.WriteFile(filepath.Join(dir, upToken), []byte(content), 0o600); err != nil {
		f.Fatal(err)
	}
	os.Chtimes(filepath.Join(dir, upToken), now, now)
	upLink = strings.TrimPrefix(b.uploadLinkOf(account, upToken, "a.txt"), "http://h")

	rel, err := b.accountFileDir(account)
	if err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.cfg.DataDir, rel, "f"), []byte(content), 0o600); err != nil {
		f.Fatal(err)
	}
	b.fileURL = "http://h/"
	nonce, token, err := b.newToken()
	if err != nil {
		f.Fatal(err)
	}
	if _, err := store.AddReceivedFile(ctx, db.ReceivedFile{Account: account, Contact: "bob@example.com", Name: "b.txt", Size: int64(len(content)),
		TokenHash: tokenHash(token), Nonce: nonce, Path: filepath.Join(rel, "f"), Created: now, Expires: now.Add(time.Hour), State: db.FileComplete}); err != nil {
		f.Fatal(err)
	}
	dlLink = strings.TrimPrefix(b.fileLink(token, "b.txt"), "http://h")
	return b, upLink, dlLink, content
}

// FuzzFileLinks requests arbitrary paths of the upload links and the
// download links: only the real links serve a file, and then the file's
// content under a clean name; nothing else (no traversal) is served.
func FuzzFileLinks(f *testing.F) {
	b, upLink, dlLink, content := fileBridge(f)
	f.Add(upLink)
	f.Add(dlLink)
	for _, s := range hostileNames {
		f.Add("/upload/" + s)
		f.Add("/files/" + s)
		f.Add(upLink[:strings.LastIndex(upLink, "/")+1] + url.PathEscape(s))
		f.Add(dlLink[:strings.LastIndex(dlLink, "/")+1] + url.PathEscape(s))
	}
	f.Add("/upload/../secret")
	f.Add("/files/..%2f..%2fsecret")
	f.Add("/upload/%2e%2e/%2e%2e/secret/x")
	up, dl := b.UploadHandler(), b.FileHandler()
	for _, c := range []struct {
		h    http.Handler
		link string
	}{{up, upLink}, {dl, dlLink}} {
		w := httptest.NewRecorder()
		c.h.ServeHTTP(w, httptest.NewRequest("GET", c.link, nil))
		if w.Code != http.StatusOK || w.Body.String() != content {
			f.Fatalf("GET %s = %d %q; the file's own link must serve it", c.link, w.Code, w.Body.String())
		}
	}
	upPrefix := upLink[:strings.LastIndex(upLink, "/")+1]
	dlPrefix := dlLink[:strings.LastIndex(dlLink, "/")+1]
	f.Fuzz(func(t *testing.T, path string) {
		u, err := url.ParseRequestURI(path)
		if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return
		}
		r := &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}, RequestURI: path, Host: "h", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
		r = r.WithContext(context.Background())
		for _, h := range []struct {
			h      http.Handler
			prefix string
		}{{up, upPrefix}, {dl, dlPrefix}} {
			w := httptest.NewRecorder()
			h.h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				continue
			}
			if body := w.Body.String(); body != content {
				t.Fatalf("GET %q served %q", path, body)
			}
			if !strings.HasPrefix(u.EscapedPath(), h.prefix) && !strings.HasPrefix(u.Path, h.prefix) {
				t.Fatalf("GET %q served the file", path)
			}
			_, params, err := mime.ParseMediaType(w.Header().Get("Content-Disposition"))
			if err != nil {
				t.Fatalf("GET %q: Content-Disposition %q: %v", path, w.Header().Get("Content-Disposition"), err)
			}
			checkName(t, "filename", path, params["filename"], maxFileNameBytes)
		}
	})
}

// An IPv6 address with a zone is refused as no valid address: the zone
// is any text of the client's, which the refusal would otherwise quote
// into an IRC line.
func TestParseDCCSendRefusesZone(t *testing.T) {
	for _, args := range []string{"SEND x fe80::1%eth0 5000 10", "SEND x fe80::1%\x01ACTION\x01 5000 10", "SEND x ::1%\xff 5000 10"} {
		d, err := parseDCCSend(args)
		if err == nil || strings.Contains(err.Error(), "\x01") || strings.Contains(err.Error(), "\xff") {
			t.Errorf("parseDCCSend(%q) = %v, %v; want no valid address", args, d.ip, err)
		}
	}
	if d, err := parseDCCSend("SEND x ::1 5000 10"); err != nil || d.ip.String() != "::1" {
		t.Errorf("parseDCCSend of ::1 = %v, %v", d.ip, err)
	}
}
