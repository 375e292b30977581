package bridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/msn2irc/msn2irc/mapping"
)

// uploadBodyTimeout bounds the reading of one upload's body and the
// writing of its answer, beyond the HTTP listener's own timeouts (which a
// large file over a slow link outlasts).
const uploadBodyTimeout = 30 * time.Minute

// UploadConfig configures the files the user sends to contacts: uploaded
// over HTTP (soju.im/FILEHOST) or received from the user's IRC client
// with DCC SEND.
type UploadConfig struct {
	// Dir holds the files, in a subdirectory per account (0700, named by
	// a hash of the account); empty disables uploads and DCC SEND.
	Dir string
	// BaseURL is the public base URL of the HTTP listener, ending in "/";
	// upload links are BaseURL + "upload/...". Empty: no HTTP uploads.
	BaseURL string
	// MaxSize is the largest file, in bytes (DefaultFileMaxSize).
	MaxSize int64
	// Expiry is how long an uploaded file is served and may be sent
	// (DefaultFileExpiry).
	Expiry time.Duration
	// Key names the accounts' directories, and so the first part of
	// every link (an HMAC of the account): a link then does not let
	// whoever holds it check a guess of the uploader's address. It must
	// stay the same across restarts (cmd/msn2irc keeps it in the store).
	// Empty: a plain hash of the account, as before there was a key.
	Key []byte
}

// UploadURL is the URL clients upload files to (the value of
// soju.im/FILEHOST), "" when uploads are off.
func (b *Bridge) UploadURL() string {
	u := b.cfg.Uploads
	if u.Dir == "" || u.BaseURL == "" {
		return ""
	}
	return u.BaseURL + "upload"
}

// UploadHandler serves the uploads: POST /upload (soju.im/FILEHOST,
// authenticated with HTTP Basic as the account, through the login
// limits), OPTIONS /upload, and GET of an uploaded file's link. Register
// it for "/upload" and "/upload/".
func (b *Bridge) UploadHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /upload", b.serveUpload)
	mux.HandleFunc("OPTIONS /upload", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "OPTIONS, POST")
		w.Header().Set("Accept-Post", "*/*")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /upload/{acct}/{token}/{name}", b.serveUploaded)
	return mux
}

// validDirName reports whether s has the shape of accountDirName.
func validDirName(s string) bool {
	if len(s) != len(accountDirName("")) {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// validToken reports whether s has the shape of rand.Text.
func validToken(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}

// accountDir creates and returns the account's directory.
func (b *Bridge) accountDir(account string) (string, error) {
	dir := filepath.Join(b.cfg.Uploads.Dir, b.uploadDirName(account))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("file directory: %w", err)
	}
	return dir, nil
}

// cleanFileName makes a file's name, given by a client or by a contact,
// fit for a notice, a download and MSN: one clean line without
// formatting, no directory (a contact's "../../x" is "x"), no leading
// dot, at most maxFileNameBytes; "file" when nothing is left.
func cleanFileName(name string) string {
	name = mapping.CleanLine(name, false)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimLeft(name, ".")
	for len(name) > maxFileNameBytes {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	if strings.TrimSpace(name) == "" {
		return "file"
	}
	return name
}

// httpError writes a plain-text error.
func httpError(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, text+"\n")
}

// serveUpload takes a file (soju.im/FILEHOST): the body is the file, its
// name in Content-Disposition. It answers 201 with the file's link in
// Location.
func (b *Bridge) serveUpload(w http.ResponseWriter, r *http.Request) {
	s := b.httpLogin(w, r)
	if s == nil {
		return
	}
	account := s.account
	limit := b.cfg.Uploads.MaxSize
	if r.ContentLength > limit {
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than %d bytes, the most msn2irc sends", limit))
		return
	}
	room, err := b.reserveUpload(r.Context(), s, r.ContentLength)
	if err != nil {
		b.log.Warn("upload: counting the account's files", "account", account, "err", err)
		httpError(w, http.StatusServiceUnavailable, "msn2irc could not check your file quota; try again later")
		return
	}
	if room.full != "" {
		httpError(w, http.StatusRequestEntityTooLarge, room.full)
		return
	}
	name := "file"
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		name = params["filename"]
	}
	name = cleanFileName(name)
	// The answer comes after the whole body: its write deadline, which the
	// listener set when the request began, moves with the read's.
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(uploadBodyTimeout)
	rc.SetReadDeadline(deadline)
	rc.SetWriteDeadline(deadline)
	most := room.most
	path, size, err := b.storeFile(account, name, io.LimitReader(r.Body, most+1), most)
	// The stored file counts from now on; given back before the answer,
	// so that the client's next upload finds the room.
	room.release()
	if errors.Is(err, errTooLarge) && most < limit {
		httpError(w, http.StatusRequestEntityTooLarge, quotaText(b.cfg.FileQuota, room.used.bytes))
		return
	}
	if errors.Is(err, errTooLarge) {
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than %d bytes, the most msn2irc sends", limit))
		return
	}
	if err != nil {
		b.log.Warn("upload failed", "account", account, "err", err)
		httpError(w, http.StatusInternalServerError, "the file could not be stored")
		return
	}
	link := b.uploadLinkOf(account, filepath.Base(path), name)
	b.log.Info("file uploaded", "account", account, "bytes", size)
	w.Header().Set("Location", link)
	httpError(w, http.StatusCreated, link)
}

// errTooLarge is storeFile's error for a file over the size limit.
var errTooLarge = errors.New("file too large")

// uploadRoom is the room an upload has set aside in its account's quota.
type uploadRoom struct {
	most    int64    // the bytes the upload may write
	used    filesUse // what the account used before it
	full    string   // why the upload does not fit, for the user; then nothing is set aside
	release func()   // gives the room back
}

// reserveUpload sets room aside in the account's quota for an upload of
// size bytes (negative when the client did not say: as much as one upload
// may take), so that uploads at once cannot together pass the quota. The
// caller releases it once the file is stored or dropped: the stored file
// counts from then on.
func (b *Bridge) reserveUpload(ctx context.Context, s *session, size int64) (uploadRoom, error) {
	// The request may give up waiting (ctx) just as the session takes the
	// reservation: state says which of the two came first, and the second
	// undoes what the first did.
	const (
		waiting = iota
		reserved
		abandoned
	)
	var state atomic.Int32
	var room uploadRoom
	var uerr error
	err := s.call(ctx, func() {
		used, err := s.filesUsed()
		if err != nil {
			uerr = err
			return
		}
		room = uploadRoom{used: used, full: b.roomText(used, max(size, 0)), release: func() {}}
		if room.full != "" {
			return
		}
		room.most = min(b.cfg.Uploads.MaxSize, b.cfg.FileQuota-used.bytes)
		if size >= 0 {
			room.most = min(room.most, size)
		}
		if !state.CompareAndSwap(waiting, reserved) {
			return
		}
		s.files.uploads++
		s.files.uploading += room.most
		most := room.most
		room.release = func() { s.post(func() { s.unreserveUpload(most) }) }
	})
	if err != nil {
		if !state.CompareAndSwap(waiting, abandoned) {
			// The session set the room aside after all; this runs after
			// it, on the session goroutine.
			s.post(func() { s.unreserveUpload(room.most) })
		}
		return uploadRoom{}, err
	}
	if uerr != nil {
		return uploadRoom{}, uerr
	}
	return room, nil
}

// unreserveUpload gives back the room an upload set aside.
func (s *session) unreserveUpload(most int64) {
	s.files.uploads--
	s.files.uploading -= most
}

// storeFile streams r into a new file of the account's directory, named
// by an unguessable token with name beside it, and returns its path and
// size. A file over most bytes is removed and errTooLarge returned.
func (b *Bridge) storeFile(account, name string, r io.Reader, most int64) (string, int64, error) {
	dir, err := b.accountDir(account)
	if err != nil {
		return "", 0, err
	}
	b.sweepDir(dir)
	f, err := os.CreateTemp(dir, ".part-*") // 0600
	if err != nil {
		return "", 0, fmt.Errorf("store file: %w", err)
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > most {
		err = errTooLarge
	}
	if err != nil {
		os.Remove(f.Name())
		return "", 0, err
	}
	path := filepath.Join(dir, rand.Text())
	if err := os.WriteFile(path+nameSuffix, []byte(name), 0o600); err != nil {
		os.Remove(f.Name())
		return "", 0, fmt.Errorf("store file: %w", withoutPath(err))
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		os.Remove(path + nameSuffix)
		return "", 0, fmt.Errorf("store file: %w", withoutPath(err))
	}
	return path, n, nil
}

// uploadedFile is the path and size of an uploaded file that has not
// expired, from the parts of its link.
func (b *Bridge) uploadedFile(acct, token string) (string, os.FileInfo, bool) {
	if b.cfg.Uploads.Dir == "" || !validDirName(acct) || !validToken(token) {
		return "", nil, false
	}
	path := filepath.Join(b.cfg.Uploads.Dir, acct, token)
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return "", nil, false
	}
	if b.cfg.Now().Sub(fi.ModTime()) > b.cfg.Uploads.Expiry {
		b.removeUpload(path)
		return "", nil, false
	}
	return path, fi, true
}

// serveUploaded serves an uploaded file to whoever has its link, until it
// expires; always as a download, never as a page of this origin.
func (b *Bridge) serveUploaded(w http.ResponseWriter, r *http.Request) {
	path, fi, ok := b.uploadedFile(r.PathValue("acct"), r.PathValue("token"))
	if !ok {
		httpError(w, http.StatusNotFound, "no such file, or it has expired")
		return
	}
	f, err := os.Open(path)
	if err != nil {
		httpError(w, http.StatusNotFound, "no such file, or it has expired")
		return
	}
	defer f.Close()
	setDownloadDeadline(w, fi.Size())
	downloadHeaders(w.Header(), cleanFileName(r.PathValue("name")))
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

// sweepUploads removes the expired files of every account (the sweep),
// and returns how many.
func (b *Bridge) sweepUploads() int {
	if !b.uploadsOn() {
		return 0
	}
	dirs, err := os.ReadDir(b.cfg.Uploads.Dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, d := range dirs {
		if d.IsDir() && validDirName(d.Name()) {
			n += b.sweepDir(filepath.Join(b.cfg.Uploads.Dir, d.Name()))
		}
	}
	return n
}

// sweepDir removes the expired files of an account's directory (with
// their names), and partial files left by a crash; it returns how many
// uploads it removed.
func (b *Bridge) sweepDir(dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	now := b.cfg.Now()
	n := 0
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		partial := strings.HasPrefix(e.Name(), ".part-")
		if partial && now.Sub(fi.ModTime()) > 24*time.Hour || !partial && now.Sub(fi.ModTime()) > b.cfg.Uploads.Expiry {
			if os.Remove(filepath.Join(dir, e.Name())) == nil && validToken(e.Name()) {
				n++
			}
		}
	}
	return n
}
