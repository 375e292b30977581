package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// MaxReadMarkers bounds the read markers an account keeps. A client may
// MARKREAD any channel name, each a marker of its own, and markers
// outlive the history they mark (retention deletes messages, not
// markers): without a bound one user's client could fill the shared
// store. A thousand is more conversations than a person reads; when a
// new marker would pass it, the oldest (the earliest read) goes, which
// at worst shows a conversation nobody read for long as unread again.
const MaxReadMarkers = 1000

// trimMarkersSQL deletes the account's (?1) read markers beyond the
// newest ?3, the conversation ?2 (the one just set) aside and kept.
const trimMarkersSQL = `DELETE FROM read_marker WHERE account = ?1 AND conversation IN (
	SELECT conversation FROM read_marker WHERE account = ?1 AND conversation <> ?2
	ORDER BY time DESC, conversation LIMIT -1 OFFSET ?3)`

// execQuerier is what markRead needs of a *sql.DB or a *sql.Tx.
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// markRead moves the read marker of the account's conversation to t
// unless it is later already, and returns the marker it now has. A
// marker new to the account pushes out its oldest beyond
// MaxReadMarkers; moving one the account has costs no more than before.
func markRead(ctx context.Context, q execQuerier, account, conversation string, t time.Time) (time.Time, error) {
	conversation = strings.ToLower(conversation)
	var had int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM read_marker WHERE account = ? AND conversation = ?`,
		account, conversation).Scan(&had); err != nil {
		return time.Time{}, fmt.Errorf("db: mark read %s for %s: %w", conversation, account, err)
	}
	var got int64
	if err := q.QueryRowContext(ctx, markReadSQL, account, conversation, millis(t)).Scan(&got); err != nil {
		return time.Time{}, fmt.Errorf("db: mark read %s for %s: %w", conversation, account, err)
	}
	if had == 0 {
		if _, err := q.ExecContext(ctx, trimMarkersSQL, account, conversation, MaxReadMarkers-1); err != nil {
			return time.Time{}, fmt.Errorf("db: mark read %s for %s: bound the markers: %w", conversation, account, err)
		}
	}
	return fromMillis(got), nil
}
