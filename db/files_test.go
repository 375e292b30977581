package db

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// withUmask runs the test under umask, the usual one of a login shell.
func withUmask(t *testing.T, umask int) {
	old := syscall.Umask(umask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s has mode %v, want %v", filepath.Base(path), got, want)
	}
}

// The database, its -wal and -shm hold contact lists and messages: only
// their owner may read them, whatever the umask, and a directory created
// for them is private too.
func TestStoreFilesPrivate(t *testing.T) {
	withUmask(t, 0o022)
	ctx := context.Background()
	top := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(top, "msn2irc", "msn2irc.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SaveSettings(ctx, "a@x", Settings{NickSource: NickSourceName}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutContact(ctx, Contact{Account: "a@x", Passport: "b@x", Nick: "b"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		wantMode(t, p, 0o600)
	}
	wantMode(t, top, 0o700)
	wantMode(t, filepath.Dir(path), 0o700)
}

// An existing directory keeps its mode; an existing database readable by
// others is narrowed, and the log says so.
func TestStoreFileNarrowed(t *testing.T) {
	withUmask(t, 0o022)
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "msn2irc.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSettings(ctx, "a@x", Settings{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		wantMode(t, p, 0o600) // a new file in an existing directory
	}
	s.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	s, err = OpenWith(ctx, path, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SaveSettings(ctx, "a@x", Settings{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		wantMode(t, p, 0o600)
	}
	wantMode(t, dir, 0o755)
	if !strings.Contains(logged.String(), "level=INFO") || !strings.Contains(logged.String(), "narrowed") || !strings.Contains(logged.String(), path) {
		t.Errorf("no INFO line about narrowing %s; log:\n%s", path, logged.String())
	}
}

// A database file the program may read but not write (write-protected,
// owned by the user) is refused at start: SQLite would open it read-only,
// and every write after (contacts, history, the outbox) would fail.
func TestOpenRefusesReadOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes any file")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "msn2irc.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSettings(ctx, "a@x", Settings{NickSource: NickSourceName}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("Open of a read-only database succeeded")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("error %q does not name the file and say why", err)
	}
}
