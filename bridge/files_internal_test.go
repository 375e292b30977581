package bridge

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func linkKeyBridge(dir string) *Bridge {
	return &Bridge{log: slog.New(slog.NewTextHandler(io.Discard, nil)), cfg: Config{DataDir: dir}}
}

// The key of the download links is made once, private, and read back by
// the next start, so that "msn files" lists the files received before
// under the links they were given; a damaged one is replaced, one that
// cannot be read is an error and stays as it is.
func TestLinkKeyKeptAcrossStarts(t *testing.T) {
	dir := t.TempDir()
	key, err := linkKeyBridge(dir).linkKey()
	if err != nil || len(key) != 32 {
		t.Fatalf("first key: %d bytes, %v", len(key), err)
	}
	path := filepath.Join(dir, linkKeyFile)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	again, err := linkKeyBridge(dir).linkKey()
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("the next start read another key (%v)", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the data directory holds %d entries, want the key alone", len(entries))
	}

	if err := os.WriteFile(path, key[:5], 0o600); err != nil {
		t.Fatal(err)
	}
	fresh, err := linkKeyBridge(dir).linkKey()
	if err != nil || len(fresh) != 32 || bytes.Equal(fresh, key) {
		t.Fatalf("a damaged key was not replaced: %d bytes, %v", len(fresh), err)
	}
	if onDisk, _ := os.ReadFile(path); !bytes.Equal(onDisk, fresh) {
		t.Error("the replaced key is not the one on disk")
	}

	unreadable := t.TempDir()
	if err := os.Mkdir(filepath.Join(unreadable, linkKeyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := linkKeyBridge(unreadable).linkKey(); err == nil {
		t.Error("a key that cannot be read gave no error")
	}
	if fi, err := os.Stat(filepath.Join(unreadable, linkKeyFile)); err != nil || !fi.IsDir() {
		t.Errorf("what stood at the key's place was replaced: %v, %v", fi, err)
	}
}

// An error about an uploaded file names no path: the path holds the
// token of the file's link, and the error goes to the log.
func TestFileErrorsNameNoPath(t *testing.T) {
	dir := t.TempDir()
	token := "Z7QWERTYSECRETTOKEN"
	_, openErr := os.Open(filepath.Join(dir, token))
	renameErr := os.Rename(filepath.Join(dir, "gone"), filepath.Join(dir, token))
	for _, err := range []error{openErr, renameErr} {
		if err == nil {
			t.Fatal("no error to check")
		}
		got := withoutPath(err)
		if strings.Contains(got.Error(), token) || strings.Contains(got.Error(), dir) {
			t.Errorf("%q names the path", got)
		}
		if !errors.Is(got, fs.ErrNotExist) {
			t.Errorf("%q lost its cause", got)
		}
	}
}
