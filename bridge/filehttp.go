package bridge

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
)

// FilePattern is the http.ServeMux pattern of the download links.
const FilePattern = "GET /files/{token}/{name}"

// downloadLookupTimeout bounds the store lookup of one download.
const downloadLookupTimeout = 10 * time.Second

// Downloads get their write deadline from their size: a minute, plus
// the time the file takes at downloadMinRate, so that the listener's
// one-minute write timeout does not cut a large file while a client that
// stalls is still let go.
const (
	downloadBaseTime = time.Minute
	downloadMinRate  = 16 << 10 // bytes per second
)

// setDownloadDeadline gives the download of a file of size bytes its
// write deadline (downloadBaseTime and downloadMinRate).
func setDownloadDeadline(w http.ResponseWriter, size int64) {
	deadline := time.Now().Add(downloadBaseTime + time.Duration(size/downloadMinRate)*time.Second)
	// Only a writer that cannot take deadlines fails here (a test's).
	http.NewResponseController(w).SetWriteDeadline(deadline)
}

// FileHandler serves the download links of received files (FilePattern).
// Only the token finds a file: the name after it is cosmetic and never
// reaches the file system. An unknown or expired token is 404.
func (b *Bridge) FileHandler() http.Handler {
	return http.HandlerFunc(b.serveFile)
}

func (b *Bridge) serveFile(w http.ResponseWriter, r *http.Request) {
	// The token is read from the path rather than with PathValue: a mux
	// that finds the handler with ServeMux.Handler sets no path values.
	token, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/files/"), "/")
	if raw, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(raw) != 16 {
		http.NotFound(w, r)
		return
	}
	hash := tokenHash(token)
	ctx, cancel := context.WithTimeout(r.Context(), downloadLookupTimeout)
	f, err := b.cfg.Store.ReceivedFileByToken(ctx, hash)
	cancel()
	if errors.Is(err, db.ErrNoFile) || err == nil && subtle.ConstantTimeCompare(f.TokenHash, hash) != 1 {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		b.log.Warn("looking up a download", "err", err)
		http.Error(w, "the file cannot be served right now", http.StatusServiceUnavailable)
		return
	}
	if f.State != db.FileComplete || !b.cfg.Now().Before(f.Expires) {
		http.NotFound(w, r)
		return
	}
	fh, err := os.Open(filepath.Join(b.cfg.DataDir, f.Path))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer fh.Close()
	setDownloadDeadline(w, f.Size)
	downloadHeaders(w.Header(), f.Name)
	http.ServeContent(w, r, "", f.Created, fh)
}

// downloadHeaders makes a response a download of a file called name:
// never a page of this origin, and stored by no cache, so that a file
// deleted (msn files delete, forget, expiry) is gone from its link.
func downloadHeaders(h http.Header, name string) {
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "private, no-store")
}
