package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// ErrDamaged means the database file is damaged (SQLite's quick_check
// found a problem, or SQLite reported the file corrupt): the program must
// not use it, for it would lose or mix up what it holds.
var ErrDamaged = errors.New("db: database damaged")

// DamagedError is the error of Open for a damaged database file. It
// matches ErrDamaged.
type DamagedError struct {
	Path    string // the database file
	Problem string // the first problem SQLite reported
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("the database %s is damaged (SQLite reports: %s); msn2irc will not use it. "+
		"Restore it from a backup, or recover what is readable into a new file with: sqlite3 %s \".recover\" | sqlite3 NEW.db",
		e.Path, e.Problem, e.Path)
}

// Is makes a DamagedError match ErrDamaged.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// maxProblems bounds the problems quick_check collects: the first is
// reported.
const maxProblems = 10

// checkIntegrity runs PRAGMA quick_check on the database at path and
// returns a *DamagedError when it finds a problem.
func checkIntegrity(ctx context.Context, db *sql.DB, path string) error {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("PRAGMA quick_check(%d)", maxProblems))
	if err != nil {
		return damagedOr(path, err)
	}
	defer rows.Close()
	var problem string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return damagedOr(path, err)
		}
		// "*** in database main ***" introduces the problems of a schema.
		if line == "ok" || strings.HasPrefix(line, "*** in database") {
			continue
		}
		if problem == "" {
			problem = line
		}
	}
	if err := rows.Err(); err != nil {
		return damagedOr(path, err)
	}
	if problem != "" {
		return &DamagedError{Path: path, Problem: problem}
	}
	return nil
}

// damagedOr turns an SQLite error saying that the file is corrupt or not a
// database into a *DamagedError, and wraps any other.
func damagedOr(path string, err error) error {
	if isDamage(err) {
		var se sqlite3.Error
		errors.As(err, &se)
		return &DamagedError{Path: path, Problem: se.Error()}
	}
	return fmt.Errorf("integrity check: %w", err)
}

// isDamage reports whether err is SQLite saying that the file is corrupt or
// not a database.
func isDamage(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB)
}
