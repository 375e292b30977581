package db

import (
	"context"
	"database/sql"
	"fmt"
)

// accountStateSQL reads, in one statement, what a session needs when it
// starts: the account's settings (NULL when it never changed any), its
// contact snapshot (NULL when there is none), whether it has contact rows
// that no snapshot holds, and whether it has kept messages and pending
// authorization requests.
const accountStateSQL = `SELECT
	(SELECT nick_source FROM setting WHERE account = ?1),
	(SELECT show_offline FROM setting WHERE account = ?1),
	(SELECT keep_online FROM setting WHERE account = ?1),
	(SELECT formatting FROM setting WHERE account = ?1),
	(SELECT presence_modes FROM setting WHERE account = ?1),
	(SELECT detached_status FROM setting WHERE account = ?1),
	(SELECT answer_chats FROM setting WHERE account = ?1),
	(SELECT history_days FROM setting WHERE account = ?1),
	(SELECT dcc_files FROM setting WHERE account = ?1),
	(SELECT contacts FROM contact_snapshot WHERE account = ?1),
	(SELECT count FROM contact_snapshot WHERE account = ?1),
	(SELECT size FROM contact_snapshot WHERE account = ?1),
	EXISTS (SELECT 1 FROM contact WHERE account = ?1),
	EXISTS (SELECT 1 FROM replay WHERE account = ?1),
	EXISTS (SELECT 1 FROM pending WHERE account = ?1)`

// State is what a session reads from the store when it starts.
type State struct {
	Settings Settings  // DefaultSettings when none are stored
	Contacts []Contact // as ContactsOf gives them
	// Whether messages are kept for replay (Replay) and authorization
	// requests are pending (Pending). True when not known.
	HasKept, HasPending bool
}

// AccountState returns the account's settings and contacts, as Settings
// and ContactsOf do, and whether it has kept messages and pending
// requests, reading them all at once. When it fails, the settings are
// still usable: the ones read, or DefaultSettings when none could be.
func (s *Store) AccountState(ctx context.Context, account string) (State, error) {
	st := State{Settings: DefaultSettings(), HasKept: true, HasPending: true}
	if !s.snapshots {
		var err error
		if st.Settings, err = s.Settings(ctx, account); err != nil {
			st.Settings = DefaultSettings()
			return st, err
		}
		st.Contacts, err = s.ContactsOf(ctx, account)
		return st, err
	}
	var (
		nickSource                      sql.NullString
		showOffline, keepOnline, format sql.NullBool
		presenceModes                   sql.NullBool
		detachedStatus, answerChats     sql.NullString
		historyDays                     sql.NullInt64
		dccFiles                        sql.NullBool
		doc                             sql.NullString
		count, size                     sql.NullInt64
		hasRows                         bool
	)
	err := s.db.QueryRowContext(ctx, accountStateSQL, account).Scan(&nickSource, &showOffline, &keepOnline, &format, &presenceModes, &detachedStatus, &answerChats, &historyDays, &dccFiles, &doc, &count, &size, &hasRows, &st.HasKept, &st.HasPending)
	if err != nil {
		st.HasKept, st.HasPending = true, true
		return st, fmt.Errorf("db: state of %s: %w", account, err)
	}
	if nickSource.Valid {
		st.Settings = Settings{NickSource: nickSource.String, ShowOffline: showOffline.Bool, KeepOnline: keepOnline.Bool, Formatting: format.Bool, PresenceModes: presenceModes.Bool, DetachedStatus: detachedStatus.String, AnswerChats: answerChats.String,
			HistoryDays: int(historyDays.Int64), HistoryDaysSet: historyDays.Valid, DCCFiles: dccFiles.Bool}
	}
	if doc.Valid {
		if cs, ok := parseSnapshot(account, doc.String, count.Int64, size.Int64); ok {
			st.Contacts = cs
			return st, nil
		}
	} else if !hasRows {
		return st, nil
	}
	st.Contacts, err = s.ContactsOf(ctx, account)
	return st, err
}
