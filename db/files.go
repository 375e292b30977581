package db

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// The store holds contact lists, queued and kept messages: only its owner
// may read it.
const (
	fileMode = 0o600 // the database file; SQLite gives -wal and -shm the same
	dirMode  = 0o700 // a directory created for the database
)

// prepareFile makes sure the database file at path exists with mode 0600
// before SQLite opens it: SQLite's unix VFS creates -wal and -shm with the
// mode of the database file, so they follow. A missing directory is created
// with mode 0700; an existing directory is left as it is. An existing
// database file (or -wal, -shm) readable by others is narrowed to 0600; one
// this process may not write is refused.
func prepareFile(path string, log *slog.Logger) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return fmt.Errorf("create directory: %w", err)
		}
		log.Info("created the database directory", "dir", dir)
	}
	// O_EXCL: create it only when it is missing; the mode passed is the
	// most the umask leaves.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return fmt.Errorf("create: %w", err)
		}
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("create: %w", err)
	default:
		// SQLite opens a file it may not write read-only, and every
		// write would fail later: refuse it now.
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("open for writing: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("open for writing: %w", err)
		}
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := narrowMode(p, log); err != nil {
			return err
		}
	}
	return nil
}

// narrowMode makes the regular file at p readable and writable by its owner
// only, when it exists and others may read or write it.
func narrowMode(p string, log *slog.Logger) error {
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&^fileMode == 0 {
		return nil // a directory is refused by SQLite later, with its own error
	}
	if err := os.Chmod(p, fileMode); err != nil {
		return fmt.Errorf("narrow the permissions of %s: %w", p, err)
	}
	log.Info("the database file was readable by others; narrowed it to owner only",
		"file", p, "was", st.Mode().Perm().String(), "now", fs.FileMode(fileMode).String())
	return nil
}
