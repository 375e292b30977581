package db

import (
	"context"
	"database/sql"
	"fmt"
)

// accountStateSQL reads, in one statement, what a session needs when it
// starts: the account's settings (NULL when it never changed any), its
// contact snapshot (NULL when there is none), and whether it has contact
// rows that no snapshot holds.
const accountStateSQL = `SELECT
	(SELECT nick_source FROM setting WHERE account = ?1),
	(SELECT show_offline FROM setting WHERE account = ?1),
	(SELECT keep_online FROM setting WHERE account = ?1),
	(SELECT formatting FROM setting WHERE account = ?1),
	(SELECT contacts FROM contact_snapshot WHERE account = ?1),
	(SELECT count FROM contact_snapshot WHERE account = ?1),
	(SELECT size FROM contact_snapshot WHERE account = ?1),
	EXISTS (SELECT 1 FROM contact WHERE account = ?1)`

// AccountState returns the account's settings (DefaultSettings when none
// are stored) and its contacts, as Settings and ContactsOf do, reading
// both at once. When it fails, the settings are still usable: the ones
// read, or DefaultSettings when none could be.
func (s *Store) AccountState(ctx context.Context, account string) (Settings, []Contact, error) {
	if !s.snapshots {
		st, err := s.Settings(ctx, account)
		if err != nil {
			return DefaultSettings(), nil, err
		}
		cs, err := s.ContactsOf(ctx, account)
		return st, cs, err
	}
	var (
		nickSource                      sql.NullString
		showOffline, keepOnline, format sql.NullBool
		doc                             sql.NullString
		count, size                     sql.NullInt64
		hasRows                         bool
	)
	err := s.db.QueryRowContext(ctx, accountStateSQL, account).Scan(&nickSource, &showOffline, &keepOnline, &format, &doc, &count, &size, &hasRows)
	if err != nil {
		return DefaultSettings(), nil, fmt.Errorf("db: state of %s: %w", account, err)
	}
	st := DefaultSettings()
	if nickSource.Valid {
		st = Settings{NickSource: nickSource.String, ShowOffline: showOffline.Bool, KeepOnline: keepOnline.Bool, Formatting: format.Bool}
	}
	if doc.Valid {
		if cs, ok := parseSnapshot(account, doc.String, count.Int64, size.Int64); ok {
			return st, cs, nil
		}
	} else if !hasRows {
		return st, nil, nil
	}
	cs, err := s.ContactsOf(ctx, account)
	return st, cs, err
}
