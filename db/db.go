// Package db is the SQLite store of msn2irc: per-account settings, the nick
// given to each contact, authorization requests waiting for an answer, the
// outbox of messages for offline contacts, and messages kept for replay while
// no IRC client is attached.
//
// All state lives in one SQLite file. The schema is created and upgraded by
// the versioned migrations in migrations.go when the store is opened.
//
// Accounts and passports are e-mail addresses and are compared without regard
// to ASCII case; nicks are compared with the IRC ascii casemapping. A Store is
// safe for use from any goroutine: it writes through a single connection, so
// writes are serialised; the history's long reads (CHATHISTORY, search, the
// replay) go through read-only connections of their own, which in WAL mode
// read beside the writer instead of waiting for it.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Errors returned by the store; match them with errors.Is.
var (
	// ErrNickTaken means another contact of the same account already has
	// that nick (ascii casemapping).
	ErrNickTaken = errors.New("db: nick already used by another contact")
	// ErrNotFound means the requested row does not exist.
	ErrNotFound = errors.New("db: not found")
	// ErrNewerSchema means the database was written by a newer msn2irc and
	// this program cannot use it safely.
	ErrNewerSchema = errors.New("db: database schema is newer than this program")
	// ErrForeign means the file is an SQLite database of another
	// program: msn2irc leaves it as it is.
	ErrForeign = errors.New("db: not an msn2irc database")
)

// busyTimeout is how long SQLite waits for a lock held by another process.
const busyTimeout = 5 * time.Second

// Store is an open msn2irc database.
type Store struct {
	db *sql.DB
	// read is for the history's long queries: readConns read-only
	// connections, so that a long query holds up no write and a write no
	// query. For ":memory:" it is db (another connection would not see
	// the same database).
	read *sql.DB
	log  *slog.Logger
	// snapshots is whether the schema has contact snapshots: only a
	// store opened at an older schema, in tests, has none.
	snapshots bool
}

// Options are the optional settings of OpenWith.
type Options struct {
	// Logger gets what Open does to the files (a narrowed mode, a created
	// directory); nil means slog.Default().
	Logger *slog.Logger
}

// Open opens the SQLite database at path, as OpenWith with no options.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith opens (creating it if needed) the SQLite database at path,
// checks it (PRAGMA quick_check) and brings its schema up to date. path
// ":memory:" opens a private in-memory database.
//
// The file, its -wal and -shm are readable by their owner only (0600), and
// a directory created for them is 0700; an existing file readable by
// others is narrowed to 0600. A damaged database is refused with a
// *DamagedError (matching ErrDamaged), which says how to recover.
func OpenWith(ctx context.Context, path string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if path != ":memory:" && path != "" {
		if err := prepareFile(path, log); err != nil {
			return nil, fmt.Errorf("db: open %s: %w", path, err)
		}
	}
	s, err := open(ctx, path, migrations)
	if err != nil {
		return nil, err
	}
	s.log = log
	return s, nil
}

func open(ctx context.Context, path string, migs []string) (*Store, error) {
	if path == "" {
		return nil, errors.New("db: open: empty path")
	}
	sqldb, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	// One connection: serialises every access (SQLite allows one writer)
	// and keeps a ":memory:" database alive and shared.
	sqldb.SetMaxOpenConns(1)
	sqldb.SetMaxIdleConns(1)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	if err := checkIntegrity(ctx, sqldb, path); err != nil {
		sqldb.Close()
		var de *DamagedError
		if errors.As(err, &de) {
			return nil, err // it names the file
		}
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	if err := migrate(ctx, sqldb, migs); err != nil {
		sqldb.Close()
		if isDamage(err) {
			return nil, damagedOr(path, err)
		}
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	// The WAL is reused from its start after each checkpoint, but keeps
	// the size of the largest transaction since (a VACUUM's: the whole
	// database), and with it copies of pages since rewritten. Past this
	// size it is cut back when it is reused. PRAGMA takes no bind
	// parameters; the setting is the connection's, which the pool keeps.
	if _, err := sqldb.ExecContext(ctx, fmt.Sprintf("PRAGMA journal_size_limit = %d", journalSizeLimit)); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	read := sqldb
	if path != ":memory:" {
		if read, err = openRead(path); err != nil {
			sqldb.Close()
			return nil, err
		}
	}
	return &Store{db: sqldb, read: read, log: slog.Default(), snapshots: len(migs) >= snapshotVersion}, nil
}

// journalSizeLimit is the size, in bytes, the WAL is cut back to: that
// of SQLite's automatic checkpoint (1000 pages of 4 KiB).
const journalSizeLimit = 4 << 20

// dsn builds the go-sqlite3 connection string for a file path.
func dsn(path string) string {
	const params = "_journal_mode=WAL&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate&_stmt_cache_size=32"
	timeout := fmt.Sprintf("&_busy_timeout=%d", busyTimeout.Milliseconds())
	if path == ":memory:" {
		return "file::memory:?" + params + timeout
	}
	return fileURI(path) + "?" + params + timeout
}

// fileURI is the "file:" URI of path: characters with a meaning in URIs
// are escaped; everything else is passed through as the file name. An
// absolute path follows an empty authority, so that one beginning with
// "//" is not taken for a host name.
func fileURI(path string) string {
	p := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	if strings.HasPrefix(p, "/") {
		return "file://" + p
	}
	return "file:" + p
}

// readConns bounds the read-only connections of Store.read: queries of
// the history beyond that wait for one, as writes wait for theirs.
const readConns = 2

// openRead opens the read-only connections of a store on the file path,
// which open has created and migrated.
func openRead(path string) (*sql.DB, error) {
	// A page cache of 1 MiB each (SQLite's default is 2 MiB): they read
	// index pages the operating system keeps cached anyway.
	const params = "_query_only=true&_stmt_cache_size=32&_cache_size=-1024"
	timeout := fmt.Sprintf("&_busy_timeout=%d", busyTimeout.Milliseconds())
	rdb, err := sql.Open("sqlite3", fileURI(path)+"?"+params+timeout)
	if err != nil {
		return nil, fmt.Errorf("db: open %s for reading: %w", path, err)
	}
	rdb.SetMaxOpenConns(readConns)
	rdb.SetMaxIdleConns(readConns)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)
	return rdb, nil
}

// Close closes the database.
func (s *Store) Close() error {
	var rerr error
	if s.read != s.db {
		rerr = s.read.Close()
	}
	if err := errors.Join(s.db.Close(), rerr); err != nil {
		return fmt.Errorf("db: close: %w", err)
	}
	return nil
}

// timeText formats t for storage: UTC, RFC 3339 with nanoseconds.
func timeText(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// parseTime reads a time stored by timeText.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// isUniqueViolation reports whether err is a UNIQUE constraint failure.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var se sqlite3.Error // go-sqlite3 returns the error by value
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// now is the clock used for defaults; a variable for tests.
var now = time.Now
