package bridge

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/db"
)

// pngHead is the start of a PNG file, enough for http.DetectContentType.
const pngHead = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

// FuzzPictures requests arbitrary paths under /pictures/ of a hub that
// serves one picture, and sniffs arbitrary uploads: only the picture's
// token serves it, whatever follows the token's dot; a picture the upload
// takes is always one the hub serves.
func FuzzPictures(f *testing.F) {
	ctx := context.Background()
	store, err := db.Open(ctx, ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	b := &Bridge{log: slog.New(slog.NewTextHandler(io.Discard, nil)), cfg: Config{Now: func() time.Time { return now }}}
	dir := f.TempDir()
	h := &pictureHub{b: b, store: store, dir: dir, base: "http://h", secret: []byte("secret"), refs: map[string]pictureRef{}}
	data := []byte(pngHead + "picture")
	sum := sha1.Sum(data)
	sha1hex := hex.EncodeToString(sum[:])
	if err := os.WriteFile(filepath.Join(dir, sha1hex), data, 0o600); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte("SECRET"), 0o600); err != nil {
		f.Fatal(err)
	}
	const account = "alice@example.com"
	if err := store.SetOwnPicture(ctx, account, db.OwnPicture{SHA1: sha1hex, Size: int64(len(data)), Updated: now}); err != nil {
		f.Fatal(err)
	}
	link := strings.TrimPrefix(h.url(account, account, sha1hex), "http://h")
	token := strings.TrimSuffix(strings.TrimPrefix(link[:strings.IndexByte(link, '?')], "/pictures/"), ".png")
	for _, s := range append(hostileNames, link, "/pictures/"+token, "/pictures/"+token+".png/../secret",
		"/pictures/"+strings.ToUpper(token)+".png", "/pictures/"+token[:len(token)-1]+".png", "/pictures/../secret", "/pictures/%2e%2e%2fsecret") {
		f.Add(s, []byte(pngHead))
	}
	f.Add("/pictures/x.png", []byte("GIF89a"))
	f.Add("/pictures/x.png", []byte("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"))
	f.Add("/pictures/x.png", []byte("<html><script>alert(1)</script>"))
	w := httptest.NewRecorder()
	h.serve(w, httptest.NewRequest("GET", link, nil))
	if w.Code != http.StatusOK {
		f.Fatalf("GET %s = %d; the picture's own link must serve it", link, w.Code)
	}
	f.Fuzz(func(t *testing.T, path string, upload []byte) {
		if uploadTypes[http.DetectContentType(upload)] && !pictureTypes[http.DetectContentType(upload)] {
			t.Fatalf("upload %q is taken but never served", upload)
		}
		u, err := url.ParseRequestURI(path)
		if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return
		}
		r := (&http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}, RequestURI: path, Host: "h"}).WithContext(ctx)
		w := httptest.NewRecorder()
		h.serve(w, r)
		if w.Code != http.StatusOK {
			return
		}
		got, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/pictures/"), ".")
		if got != token || w.Body.String() != string(data) || w.Header().Get("Content-Type") != "image/png" {
			t.Fatalf("GET %q served %q as %q", path, w.Body.String(), w.Header().Get("Content-Type"))
		}
	})
}
