package bridge

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The cache of contacts' pictures is bounded: a picture's modification
// time is when it was last fetched or served, pictures unused for longer
// than FileExpiry are deleted by the sweep, and when the cache is larger
// than PictureCache the least recently used ones go first (after each
// fetch and at each sweep). The users' own pictures, in the same
// directory, are never deleted by either.

// DefaultPictureCache is the default size of the picture cache.
const DefaultPictureCache = 256 << 20 // 256 MiB

// cachedPicture is one picture of the cache.
type cachedPicture struct {
	sha1hex string
	size    int64
	used    time.Time
}

// touch marks the picture sha1hex as used now.
func (h *pictureHub) touch(sha1hex string) {
	now := h.b.cfg.Now()
	if err := os.Chtimes(h.path(sha1hex), now, now); err != nil {
		h.b.log.Debug("pictures: marking a picture used", "err", err)
	}
}

// cached lists the pictures of the cache, least recently used first.
func (h *pictureHub) cached() []cachedPicture {
	entries, err := os.ReadDir(h.dir)
	if err != nil {
		h.b.log.Warn("pictures: reading the cache", "err", err)
		return nil
	}
	var out []cachedPicture
	for _, e := range entries {
		if raw, err := hex.DecodeString(e.Name()); err != nil || len(raw) != 20 {
			continue // a fetch or upload in progress
		}
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		out = append(out, cachedPicture{sha1hex: e.Name(), size: fi.Size(), used: fi.ModTime()})
	}
	slices.SortFunc(out, func(a, b cachedPicture) int { return a.used.Compare(b.used) })
	return out
}

// sweep deletes the contacts' pictures unused for FileExpiry, then the
// least recently used ones while the cache is over PictureCache, and
// returns how many it deleted. A user's own picture stays. It also
// forgets failed fetches long past their backoff.
func (h *pictureHub) sweep(ctx context.Context) int {
	h.mu.Lock()
	h.pruneFailuresLocked(h.b.cfg.Now())
	h.mu.Unlock()
	list := h.cached()
	var total int64
	for _, p := range list {
		total += p.size
	}
	old := h.b.cfg.Now().Add(-h.b.cfg.FileExpiry)
	n := 0
	for _, p := range list {
		if !p.used.Before(old) && total <= h.b.cfg.PictureCache {
			break // the list is in order of use: the rest are newer
		}
		users, err := h.store.PictureUsers(ctx, p.sha1hex)
		if err != nil {
			h.b.log.Warn("pictures: trimming the cache", "err", err)
			return n
		}
		if users > 0 {
			continue // someone's own picture
		}
		if err := os.Remove(filepath.Join(h.dir, p.sha1hex)); err != nil {
			h.b.log.Warn("pictures: trimming the cache", "err", err)
			continue
		}
		total -= p.size
		n++
	}
	if n > 0 {
		h.b.log.Info("pictures: deleted from the cache", "count", n)
	}
	return n
}

// pruneFailuresLocked forgets the failed fetches whose backoff ended
// longer than pictureRetryMax ago: a picture nobody asked for since
// starts its backoff again. h.mu is held.
func (h *pictureHub) pruneFailuresLocked(now time.Time) {
	for sha1hex, f := range h.failures {
		if now.Sub(f.until) > pictureRetryMax {
			delete(h.failures, sha1hex)
		}
	}
}
