package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// Reason is what a store error says without the context that wraps it:
// SQLite's own message ("database or disk is full") when SQLite refused, or
// the whole error otherwise. It is short enough to show to the user.
func Reason(err error) string {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Error()
	}
	return err.Error()
}

// fillAccount owns the rows FillForTest adds: it is no MSN address (it
// has no "@"), so no session ever reads them, and it sorts before every
// address, next to an account's own rows.
const fillAccount = "(fill)"

// fillSQL adds one small row of fillAccount to each table, numbered by ?2.
var fillSQL = []string{
	`INSERT INTO contact (account, passport, nick) VALUES (?1, printf('%d', ?2), printf('f%d', ?2))`,
	`INSERT INTO setting (account) VALUES (?1 || printf('%d', ?2))`,
	`INSERT INTO pending (account, passport, received) VALUES (?1, printf('%d', ?2), '')`,
	`INSERT INTO outbox (account, passport, kind, queued) VALUES (?1, '', 'text', '')`,
	`INSERT INTO replay (account, sender, command, text, time) VALUES (?1, '', '', '', '')`,
	`INSERT INTO contact_snapshot (account, contacts, count, size) VALUES (?1 || printf('%d', ?2), '', 0, 0)`,
}

// FillForTest makes the store full, for tests of what the program does
// when a write fails as on a full disk (SQLITE_FULL, "database or disk is
// full"): it limits the file to the pages it has (PRAGMA max_page_count)
// and fills their room with small rows no account reads, so that a write
// that adds a row, or makes one longer by more than about 20 bytes, fails.
// Only a test calls it.
func (s *Store) FillForTest(ctx context.Context) error {
	var pages int64
	if err := s.db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return fmt.Errorf("db: fill: %w", err)
	}
	// PRAGMA takes no bind parameters.
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		return fmt.Errorf("db: fill: %w", err)
	}
	for _, q := range fillSQL {
		for i := 0; ; i++ {
			_, err := s.db.ExecContext(ctx, q, fillAccount, i)
			if isFull(err) {
				break
			}
			if err != nil {
				return fmt.Errorf("db: fill: %w", err)
			}
		}
	}
	return nil
}

// isFull reports whether err is SQLite's SQLITE_FULL.
func isFull(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrFull
}
