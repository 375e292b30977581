package bridge_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
)

// cachedFile is the path of the cached picture with data.
func (e *picEnv) cachedFile(data []byte) string {
	sum := sha1.Sum(data)
	return filepath.Join(e.dir, "pictures", hex.EncodeToString(sum[:]))
}

// cached reports whether the picture with data is in the cache.
func (e *picEnv) cached(t *testing.T, data []byte) bool {
	t.Helper()
	_, err := os.Stat(e.cachedFile(data))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// fetchPicture downloads url and checks it is data.
func fetchPicture(t *testing.T, url string, data []byte) {
	t.Helper()
	if status, body, _ := get(t, url); status != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("GET %s: %d, %d bytes, want the %d of the picture", url, status, len(body), len(data))
	}
}

// When the cache is over its size, the least recently used picture goes
// first: one served again a moment ago stays, one not asked for since
// goes; it is fetched again when asked for.
func TestPictureCacheSize(t *testing.T) {
	pngCarol := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte("carol "), 300)...)
	e := newPicEnv(t, "MSNP18", func(c *bridge.Config) { c.PictureCache = int64(len(pngBob) + len(pngBob2)) })
	ctx, cancel := ctxT()
	defer cancel()
	pb, pc := e.peer(bob), e.peer(carol)
	if err := pb.c.SetDisplayPicture(ctx, pngBob); err != nil {
		t.Fatal(err)
	}
	if err := pc.c.SetDisplayPicture(ctx, pngCarol); err != nil {
		t.Fatal(err)
	}
	c := e.login("alice", alice, password, "draft/metadata-2 standard-replies")
	c.send("METADATA * SUB avatar")
	c.expectCmd("762")
	bobURL, carolURL := whoisPicture(c, "bob"), whoisPicture(c, "carol")
	fetchPicture(t, bobURL, pngBob)
	e.clock.advance(time.Minute)
	fetchPicture(t, carolURL, pngCarol)
	e.clock.advance(time.Minute)
	fetchPicture(t, bobURL, pngBob) // bob's is now the most recently used
	e.clock.advance(time.Minute)

	if err := pb.c.SetDisplayPicture(ctx, pngBob2); err != nil {
		t.Fatal(err)
	}
	newURL := c.expectCmd("METADATA", "bob", "avatar", "*").Trailing()
	fetchPicture(t, newURL, pngBob2)
	if !e.cached(t, pngBob2) || !e.cached(t, pngBob) {
		t.Error("the cache lost a recently used picture")
	}
	if e.cached(t, pngCarol) {
		t.Error("the least recently used picture is still cached over the size limit")
	}
	fetchPicture(t, carolURL, pngCarol) // fetched again
}

// The sweep deletes the contacts' pictures unused for FileExpiry; a
// user's own picture stays however old.
func TestPictureCacheExpiry(t *testing.T) {
	e := newPicEnv(t, "MSNP18", func(c *bridge.Config) { c.FileExpiry = 24 * time.Hour })
	p := e.peer(bob)
	ctx, cancel := ctxT()
	defer cancel()
	if err := p.c.SetDisplayPicture(ctx, pngBob); err != nil {
		t.Fatal(err)
	}
	c := e.login("alice", alice, password, "")
	if status, _ := post(t, e.http.URL, alice, password, gifMine); status != http.StatusOK {
		t.Fatalf("upload: %d", status)
	}
	url := whoisPicture(c, "bob")
	fetchPicture(t, url, pngBob)
	e.clock.advance(23 * time.Hour)
	bridge.Sweep(e.bridge)
	if !e.cached(t, pngBob) {
		t.Fatal("the sweep deleted a picture used within FileExpiry")
	}
	e.clock.advance(2 * time.Hour)
	bridge.Sweep(e.bridge)
	if e.cached(t, pngBob) {
		t.Error("a picture unused for longer than FileExpiry is still cached after the sweep")
	}
	if !e.cached(t, gifMine) {
		t.Error("the sweep deleted the user's own picture")
	}
	fetchPicture(t, url, pngBob) // fetched again
}

// The pictures whose fetch failed are remembered for their backoff only:
// a contact who keeps changing to pictures that cannot be fetched leaves
// nothing behind once the sweep finds their backoff long over.
func TestPictureFailuresForgotten(t *testing.T) {
	e := newPicEnv(t, "MSNP18", nil)
	p := e.peer(bob)
	c := e.login("alice", alice, password, "draft/metadata-2")
	c.send("METADATA * SUB avatar")
	c.expectCmd("770", "*", "avatar")
	c.expectCmd("762")
	const n = 2
	for i := range n {
		ctx, cancel := ctxT()
		pic := append(bytes.Clone(pngBob), byte(i))
		err := p.c.SetDisplayPicture(ctx, pic)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		m := c.expect("METADATA bob avatar", func(m *irc.Message) bool { return m.Command == "METADATA" && m.Param(0) == "bob" })
		e.msn.DropSBOnNextMessage(alice)
		if status, _, _ := get(t, m.Trailing()); status != http.StatusServiceUnavailable {
			t.Fatalf("picture %d while the switchboard drops: %d, want 503", i, status)
		}
	}
	if got := bridge.PictureFailures(e.bridge); got != n {
		t.Fatalf("%d failed pictures remembered, want %d", got, n)
	}
	e.clock.advance(30 * time.Minute) // within the longest backoff and the hour after it
	bridge.Sweep(e.bridge)
	if got := bridge.PictureFailures(e.bridge); got != n {
		t.Errorf("%d failed pictures remembered after 30 minutes, want %d", got, n)
	}
	e.clock.advance(3 * time.Hour)
	bridge.Sweep(e.bridge)
	if got := bridge.PictureFailures(e.bridge); got != 0 {
		t.Errorf("%d failed pictures remembered long after their backoff, want 0", got)
	}
}
