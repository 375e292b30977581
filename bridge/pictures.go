package bridge

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/msn"
)

// Display pictures. A contact's picture is fetched over MSN (P2P through
// a switchboard) lazily: when someone asks for it over HTTP, not when its
// presence names it. A contact list of hundreds would otherwise open
// hundreds of switchboards at each login for pictures nobody looks at;
// WHOIS and METADATA need only the URL, which the MSN object gives.
// Fetched pictures are kept in the data directory, one file per SHA1D
// (content-addressed, so shared by every account of the instance).

// Limits of the pictures.
const (
	pictureFetchTimeout = time.Minute     // one fetch over MSN
	pictureSlots        = 4               // fetches at once, whole instance
	pictureSessionSlots = 2               // fetches at once, one session
	pictureRetryMin     = time.Minute     // wait after a failed fetch, doubling
	pictureRetryMax     = time.Hour       // longest wait after failed fetches
	pictureFailuresMax  = 10_000          // pictures whose fetch failed, remembered for their backoff
	pictureMaxAge       = 5 * time.Minute // Cache-Control max-age of a picture
	// MaxOwnPicture is the largest picture a user may upload.
	MaxOwnPicture = 512 << 10
	// pictureSecretName names the instance secret keying the tokens.
	pictureSecretName = "pictures"
	pictureTokenLen   = 32 // hex digits of a token (128 bits)
)

// pictureStore is what the pictures keep in the store; *db.Store
// implements it.
type pictureStore interface {
	InstanceSecret(ctx context.Context, name string) ([]byte, error)
	OwnPicture(ctx context.Context, account string) (db.OwnPicture, bool, error)
	OwnPictureAccounts(ctx context.Context) ([]string, error)
	SetOwnPicture(ctx context.Context, account string, p db.OwnPicture) error
	ClearOwnPicture(ctx context.Context, account string) (db.OwnPicture, bool, error)
	PictureUsers(ctx context.Context, sha1 string) (int, error)
}

var _ pictureStore = (*db.Store)(nil)

// pictureRef is whose picture a token names: a contact of an account, or
// the account itself (passport == account).
type pictureRef struct{ account, passport string }

// pictureFailure is the backoff of a picture whose fetch failed.
type pictureFailure struct {
	n     int       // failures in a row
	until time.Time // no new try before
}

// pictureHub serves the pictures of every session: the tokens of the
// URLs, the cache directory, the fetches in flight and their limits.
type pictureHub struct {
	b      *Bridge
	store  pictureStore
	dir    string // the cache, in the data directory
	base   string // public URL of the file listener, without a trailing /
	secret []byte
	slots  chan struct{} // the instance's fetch slots

	mu       sync.Mutex
	refs     map[string]pictureRef     // token -> whose picture
	sessions map[string]chan struct{}  // account -> its fetch slots
	inflight map[string]chan struct{}  // SHA1 hex -> closed when its fetch ended
	failures map[string]pictureFailure // SHA1 hex -> backoff
}

// Handler is where the bridge registers its HTTP handlers (a *web.Mux).
type Handler interface {
	Handle(pattern string, h http.Handler)
}

// ServePictures enables display pictures: pictures are cached in
// dataDir, served under base (the public URL of the file listener) at
// /pictures/, and uploaded with POST /picture, both registered on mux.
// Call it once, before serving clients.
func (b *Bridge) ServePictures(ctx context.Context, mux Handler, base, dataDir string) error {
	ps, ok := b.cfg.Store.(pictureStore)
	if !ok {
		return errors.New("bridge: pictures: the store keeps no pictures")
	}
	secret, err := ps.InstanceSecret(ctx, pictureSecretName)
	if err != nil {
		return fmt.Errorf("bridge: pictures: %w", err)
	}
	dir := filepath.Join(dataDir, "pictures")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("bridge: pictures: %w", err)
	}
	hub := &pictureHub{b: b, store: ps, dir: dir, base: strings.TrimRight(base, "/"), secret: secret,
		slots: make(chan struct{}, pictureSlots), refs: map[string]pictureRef{},
		sessions: map[string]chan struct{}{}, inflight: map[string]chan struct{}{}, failures: map[string]pictureFailure{}}
	// The own pictures' links work from the start, as they did before a
	// restart, not only once their account logs in again.
	accounts, err := ps.OwnPictureAccounts(ctx)
	if err != nil {
		return fmt.Errorf("bridge: pictures: %w", err)
	}
	for _, a := range accounts {
		hub.url(a, a, "")
	}
	b.mu.Lock()
	b.pics = hub
	b.mu.Unlock()
	mux.Handle("GET /pictures/", http.HandlerFunc(hub.serve))
	mux.Handle("POST /picture", http.HandlerFunc(hub.upload))
	return nil
}

// pictures returns the picture hub, nil before ServePictures; for the
// sweep, whose goroutine starts before it.
func (b *Bridge) pictures() *pictureHub {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pics
}

// url returns the stable URL of the picture of passport for account,
// and remembers its token. version (the SHA1 hex, shortened) is added as
// a query so that a client sees a new picture as a new URL.
func (h *pictureHub) url(account, passport, sha1hex string) string {
	account, passport = strings.ToLower(account), strings.ToLower(passport)
	m := hmac.New(sha256.New, h.secret)
	io.WriteString(m, account+"\n"+passport)
	token := hex.EncodeToString(m.Sum(nil))[:pictureTokenLen]
	h.mu.Lock()
	h.refs[token] = pictureRef{account: account, passport: passport}
	h.mu.Unlock()
	u := h.base + "/pictures/" + token + ".png"
	if len(sha1hex) >= 8 {
		u += "?v=" + sha1hex[:8]
	}
	return u
}

// forget drops the tokens of account's contacts (its session ended); its
// own picture's token stays.
func (h *pictureHub) forget(account string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for t, r := range h.refs {
		if r.account == account && r.passport != account {
			delete(h.refs, t)
		}
	}
	delete(h.sessions, account)
}

// path returns the file of the picture whose SHA-1 is sha1hex.
func (h *pictureHub) path(sha1hex string) string { return filepath.Join(h.dir, sha1hex) }

// objectSHA1 returns the hex SHA-1 of an MSN object's data ("" when its
// SHA1D is not a SHA-1).
func objectSHA1(o msn.MSNObject) string {
	raw, err := base64.StdEncoding.DecodeString(o.SHA1D)
	if err != nil || len(raw) != 20 {
		return ""
	}
	return hex.EncodeToString(raw)
}

// pictureTypes are the types a picture may be served as: what
// http.DetectContentType finds in its first bytes. Anything else (a
// contact's "picture" that is HTML, say) is never served.
var pictureTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/bmp": true, "image/webp": true}

// serve answers GET /pictures/<token>.<ext>.
func (h *pictureHub) serve(w http.ResponseWriter, r *http.Request) {
	// The name is read from the path: web.Mux dispatches with
	// ServeMux.Handler, which sets no path values.
	token, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/pictures/"), ".")
	h.mu.Lock()
	ref, ok := h.refs[token]
	h.mu.Unlock()
	if !ok || len(token) != pictureTokenLen {
		http.NotFound(w, r)
		return
	}
	sha1hex, status := h.find(r.Context(), ref)
	if status != http.StatusOK {
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", strconv.Itoa(int(pictureRetryMin/time.Second)))
			http.Error(w, "the picture is not available right now", status)
			return
		}
		http.NotFound(w, r)
		return
	}
	h.serveFile(w, r, sha1hex)
}

// find returns the SHA-1 of ref's picture, with its file in the cache
// (fetching it when needed), and http.StatusOK; or the status to answer.
func (h *pictureHub) find(ctx context.Context, ref pictureRef) (string, int) {
	if ref.passport == ref.account {
		p, ok, err := h.store.OwnPicture(ctx, ref.account)
		if err != nil {
			h.b.log.Warn("pictures: reading the own picture", "err", err)
			return "", http.StatusServiceUnavailable
		}
		if !ok {
			return "", http.StatusNotFound
		}
		return p.SHA1, http.StatusOK
	}
	s := h.b.runningSession(ref.account)
	if s == nil {
		return "", http.StatusNotFound
	}
	var c *msn.Client
	if err := s.call(ctx, func() { c = s.client }); err != nil || c == nil {
		return "", http.StatusNotFound
	}
	ct, ok := c.Contact(ref.passport)
	pic, shown := c.Picture(ref.passport)
	if !ok || !shown {
		return "", http.StatusNotFound
	}
	sha1hex := objectSHA1(pic)
	if sha1hex == "" {
		return "", http.StatusNotFound
	}
	if _, err := os.Stat(h.path(sha1hex)); err == nil {
		return sha1hex, http.StatusOK
	}
	if ct.Status() == msn.StatusOffline {
		return "", http.StatusNotFound // P2P needs the contact on a switchboard
	}
	if err := h.fetch(ctx, c, ref, pic, sha1hex); err != nil {
		return "", http.StatusServiceUnavailable
	}
	return sha1hex, http.StatusOK
}

// errPictureLater is the answer while a failed picture waits for its retry.
var errPictureLater = errors.New("bridge: picture fetch failed recently")

// fetch fetches obj from ref's contact into the cache, once: a second
// request for the same picture waits for the first's fetch. A failed
// fetch is not tried again before its backoff passed.
func (h *pictureHub) fetch(ctx context.Context, c *msn.Client, ref pictureRef, obj msn.MSNObject, sha1hex string) error {
	now := h.b.cfg.Now()
	h.mu.Lock()
	if f, ok := h.failures[sha1hex]; ok && now.Before(f.until) {
		h.mu.Unlock()
		return errPictureLater
	}
	if wait, ok := h.inflight[sha1hex]; ok {
		h.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
		if _, err := os.Stat(h.path(sha1hex)); err != nil {
			return errPictureLater
		}
		return nil
	}
	done := make(chan struct{})
	h.inflight[sha1hex] = done
	sess := h.sessions[ref.account]
	if sess == nil {
		sess = make(chan struct{}, pictureSessionSlots)
		h.sessions[ref.account] = sess
	}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.inflight, sha1hex)
		h.mu.Unlock()
		close(done)
	}()

	err := h.fetchFile(ctx, c, sess, ref, obj, sha1hex)
	h.mu.Lock()
	if err != nil {
		f, ok := h.failures[sha1hex]
		if !ok && len(h.failures) >= pictureFailuresMax {
			h.pruneFailuresLocked(now)
		}
		f.n++
		f.until = now.Add(min(pictureRetryMin<<min(f.n-1, 10), pictureRetryMax))
		if ok || len(h.failures) < pictureFailuresMax {
			h.failures[sha1hex] = f
		}
	} else {
		delete(h.failures, sha1hex)
	}
	h.mu.Unlock()
	if err != nil {
		h.b.cfg.Metrics.PictureFetched(metrics.Failed)
		h.b.log.Info("pictures: fetch failed", "account", ref.account, "contact", ref.passport, "err", err)
		return err
	}
	h.b.cfg.Metrics.PictureFetched(metrics.Delivered)
	h.touch(sha1hex)
	h.sweep(ctx)
	return nil
}

// fetchFile takes a session slot and an instance slot, fetches obj into
// a temporary file and renames it to its place once complete (FetchObject
// checked its SHA1D).
func (h *pictureHub) fetchFile(ctx context.Context, c *msn.Client, sess chan struct{}, ref pictureRef, obj msn.MSNObject, sha1hex string) error {
	ctx, cancel := context.WithTimeout(ctx, pictureFetchTimeout)
	defer cancel()
	for _, slots := range []chan struct{}{sess, h.slots} {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f, err := os.CreateTemp(h.dir, "fetch-*")
	if err != nil {
		return fmt.Errorf("picture file: %w", err)
	}
	defer os.Remove(f.Name()) // gone after the rename
	if err := c.FetchObject(ctx, ref.passport, obj, f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("picture file: %w", err)
	}
	if err := os.Rename(f.Name(), h.path(sha1hex)); err != nil {
		return fmt.Errorf("picture file: %w", err)
	}
	return nil
}

// serveFile serves the cached picture sha1hex, with its type sniffed and
// an ETag from its SHA-1; 404 when it is missing or not an image.
func (h *pictureHub) serveFile(w http.ResponseWriter, r *http.Request, sha1hex string) {
	f, err := os.Open(h.path(sha1hex))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	typ := http.DetectContentType(head[:n])
	if !pictureTypes[typ] {
		http.NotFound(w, r)
		return
	}
	st, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h.touch(sha1hex)
	w.Header().Set("Content-Type", typ)
	w.Header().Set("ETag", `"`+sha1hex+`"`)
	w.Header().Set("Cache-Control", "private, max-age="+strconv.Itoa(int(pictureMaxAge/time.Second)))
	http.ServeContent(w, r, "", st.ModTime(), f)
}
