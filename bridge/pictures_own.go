package bridge

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// avatarKey is the metadata key of a user's picture URL (draft/metadata-2).
const avatarKey = "avatar"

// uploadTypes are the types an uploaded picture may have.
var uploadTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true}

// Answers of POST /picture.
var (
	errNotImage = errors.New("not a picture: send a PNG, JPEG or GIF image")
)

// upload answers POST /picture: the body (an image) becomes the display
// picture of the account named by HTTP Basic authentication, which needs
// a running session with that password. It never starts a session.
func (h *pictureHub) upload(w http.ResponseWriter, r *http.Request) {
	s := h.b.httpLogin(w, r)
	if s == nil {
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxOwnPicture))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, fmt.Sprintf("the picture is larger than %d KiB", MaxOwnPicture>>10), http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "reading the picture failed", http.StatusBadRequest)
		return
	case !uploadTypes[http.DetectContentType(data)]:
		http.Error(w, errNotImage.Error(), http.StatusUnsupportedMediaType)
		return
	}
	// The answer waits for the store and for MSN: its write deadline,
	// which the listener set when the request began, counts from now.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute + h.b.cfg.RequestTimeout))
	// A new picture is a request to MSN like the user's commands: within
	// the same pace, or an account could flood its own MSN session.
	var allowed bool
	if err := s.call(r.Context(), func() { allowed = s.allowUserRequest() }); err == nil && !allowed {
		w.Header().Set("Retry-After", "10")
		http.Error(w, errTooManyRequests.Error()+"; try again in a moment", http.StatusTooManyRequests)
		return
	}
	url, err := h.setOwn(r.Context(), s, data)
	if err != nil {
		h.b.log.Warn("pictures: storing an uploaded picture", "account", s.account, "err", err)
		http.Error(w, "storing the picture failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, url+"\n")
}

// setOwn makes data the display picture of s's account: stored in the
// data directory and the store, advertised to MSN now when signed in
// (and at each login), and shown as the user's avatar. It returns the
// picture's URL.
func (h *pictureHub) setOwn(ctx context.Context, s *session, data []byte) (string, error) {
	sum := sha1.Sum(data)
	sha1hex := hex.EncodeToString(sum[:])
	if err := h.writeFile(sha1hex, data); err != nil {
		return "", err
	}
	old, had, err := h.store.OwnPicture(ctx, s.account)
	if err != nil {
		return "", err
	}
	if err := h.store.SetOwnPicture(ctx, s.account, db.OwnPicture{SHA1: sha1hex, Size: int64(len(data)), Updated: h.b.cfg.Now()}); err != nil {
		return "", err
	}
	if had && old.SHA1 != sha1hex {
		// The replaced picture's file goes unless another account has it.
		if n, err := h.store.PictureUsers(ctx, old.SHA1); err == nil && n == 0 {
			os.Remove(h.path(old.SHA1))
		}
	}
	url := h.url(s.account, s.account, sha1hex)
	var c *msn.Client
	var w *ircd.World
	if err := s.call(ctx, func() { c, w = s.client, s.world }); err != nil {
		return url, nil // advertised at the next login
	}
	if c != nil {
		rctx, cancel := context.WithTimeout(ctx, h.b.cfg.RequestTimeout)
		err := c.SetDisplayPicture(rctx, data)
		cancel()
		if err != nil {
			s.log.Info("pictures: advertising the new picture failed; it is advertised at the next login", "err", err)
		}
	}
	if w != nil {
		w.SetUserMetadata(w.Nick(), avatarKey, url)
	}
	return url, nil
}

// writeFile stores data as the picture sha1hex (mode 0600), unless it
// is there already.
func (h *pictureHub) writeFile(sha1hex string, data []byte) error {
	if _, err := os.Stat(h.path(sha1hex)); err == nil {
		return nil
	}
	f, err := os.CreateTemp(h.dir, "upload-*")
	if err != nil {
		return fmt.Errorf("picture file: %w", err)
	}
	defer os.Remove(f.Name()) // gone after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("picture file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("picture file: %w", err)
	}
	if err := os.Rename(f.Name(), h.path(sha1hex)); err != nil {
		return fmt.Errorf("picture file: %w", err)
	}
	return nil
}

// advertisePicture gives a freshly signed-in client the account's own
// picture, if it has one, and shows it as the user's avatar. Run on the
// session goroutine; the work goes on in a goroutine of the session.
func (s *session) advertisePicture(c *msn.Client) {
	h := s.b.pics
	if h == nil {
		return
	}
	w := s.world
	s.spawn(func(ctx context.Context) {
		p, ok, err := h.store.OwnPicture(ctx, s.account)
		if err != nil || !ok {
			return
		}
		data, err := os.ReadFile(h.path(p.SHA1))
		if err != nil {
			s.log.Warn("pictures: the own picture's file is missing", "err", err)
			return
		}
		ctx, cancel := context.WithTimeout(ctx, s.b.cfg.RequestTimeout)
		defer cancel()
		if err := c.SetDisplayPicture(ctx, data); err != nil {
			s.log.Info("pictures: advertising the own picture failed", "err", err)
		}
		if w != nil {
			w.SetUserMetadata(w.Nick(), avatarKey, h.url(s.account, s.account, p.SHA1))
		}
	})
}

// syncPicture shows a contact's picture URL as its avatar metadata (and
// in WHOIS), as the MSN client last heard it; an offline contact keeps
// the last one. Run on the session goroutine after the contact's user
// was set in the world.
func (s *session) syncPicture(c *contact) {
	h := s.b.pics
	cl := s.client
	if cl == nil {
		cl = s.first
	}
	if h == nil || cl == nil || s.world == nil {
		return
	}
	ct, ok := cl.Contact(c.passport)
	if !ok || ct.Status() == msn.StatusOffline {
		return
	}
	value := ""
	if pic, shown := cl.Picture(c.passport); shown {
		if sha1hex := objectSHA1(pic); sha1hex != "" {
			value = h.url(s.account, c.passport, sha1hex)
		}
	}
	s.world.SetUserMetadata(c.nick, avatarKey, value)
}

// cmdPicture is "picture" (the URL of the own picture, or none) and
// "picture clear".
func (s *session) cmdPicture(args []string, say func(string)) {
	h := s.b.pics
	if h == nil {
		say("Display pictures are off: msn2irc has no HTTP listener (MSN2IRC_HTTP_LISTEN).")
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.b.cfg.RequestTimeout)
	defer cancel()
	switch {
	case len(args) == 0:
		p, ok, err := h.store.OwnPicture(ctx, s.account)
		switch {
		case err != nil:
			say("Reading your picture failed: the database did not answer.")
		case !ok:
			say("Your display picture: none. Upload one with POST " + h.base + "/picture (HTTP Basic authentication with your MSN address and password).")
		default:
			say("Your display picture: " + h.url(s.account, s.account, p.SHA1))
		}
	case len(args) == 1 && strings.EqualFold(args[0], "clear"):
		if err := h.clearOwn(ctx, s.account); err != nil {
			say("Clearing your picture failed: the database did not answer.")
			return
		}
		if s.world != nil {
			s.world.SetUserMetadata(s.world.Nick(), avatarKey, "")
		}
		s.request(func(ctx context.Context, c *msn.Client) error { return c.SetDisplayPicture(ctx, nil) }, func(err error) {
			if err != nil {
				say("Your picture is cleared here; MSN still shows it until your next login (" + err.Error() + ").")
			}
		})
		say("Your display picture is cleared.")
	default:
		say("Usage: picture [clear]")
	}
}

// forgetPicture deletes the account's own picture, its row and its file
// (unless another account has the same picture), for forget.
func (s *session) forgetPicture() {
	h := s.b.pics
	if h == nil {
		return
	}
	if err := h.clearOwn(s.ctx, s.account); err != nil {
		s.log.Warn("pictures: forgetting the own picture", "err", err)
	}
}

// clearOwn forgets the account's own picture and removes its file,
// unless another account has the same picture.
func (h *pictureHub) clearOwn(ctx context.Context, account string) error {
	old, unused, err := h.store.ClearOwnPicture(ctx, account)
	if err != nil {
		return err
	}
	if unused && old.SHA1 != "" {
		os.Remove(h.path(old.SHA1))
	}
	return nil
}
