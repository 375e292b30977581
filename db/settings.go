package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Nick sources: where a contact's nick comes from.
const (
	NickSourcePassport = "passport" // the part of the passport before '@'
	NickSourceName     = "name"     // the friendly name
)

// Settings are the per-account options the user changes with `msn set`.
type Settings struct {
	NickSource  string // "passport" (default) or "name"
	ShowOffline bool   // default true
	KeepOnline  bool   // default false
	Formatting  bool   // default true: MSN bold/italic/... <-> IRC codes
	// PresenceModes: default true, online contacts are voiced in &msn;
	// false, &msn carries no voices and every contact stays in it.
	PresenceModes bool
	// DetachedStatus is the MSN status (NLN, AWY, ...) to show while the
	// user's bouncer says no client of theirs is attached (AWAY *), or
	// DetachedKeep (the default) to keep the status the user chose.
	DetachedStatus string
	// AnswerChats says when msn2irc answers an incoming chat while the
	// account is also signed in elsewhere (MSNP16+), where the first
	// place to answer takes the chat: AnswerAlways, AnswerNever or
	// AnswerWhenAttached; "" means AnswerWhenAttached.
	AnswerChats string
	// HistoryDays is how many days of messages the history keeps, when
	// HistoryDaysSet: 0 stores none. Unset, the history keeps every
	// message (within the operator's limit).
	HistoryDays    int
	HistoryDaysSet bool
	// DCCFiles: files from contacts are also offered to the attached
	// clients as DCC SEND (default false).
	DCCFiles bool
}

// The values of Settings.AnswerChats.
const (
	AnswerAlways = "always" // answer every chat at once
	// AnswerWhenAttached answers at once while an IRC client is attached,
	// otherwise only when no other place of the account is active.
	AnswerWhenAttached = "when_attached"
	AnswerNever        = "never" // leave every chat to the other places
)

// DetachedKeep, as Settings.DetachedStatus, keeps the user's status while
// detached.
const DetachedKeep = "keep"

// DefaultSettings returns the settings of an account that never changed any.
func DefaultSettings() Settings {
	return Settings{
		NickSource:     NickSourcePassport,
		ShowOffline:    true,
		KeepOnline:     false,
		Formatting:     true,
		PresenceModes:  true,
		DetachedStatus: DetachedKeep,
	}
}

// Settings returns the account's settings, or DefaultSettings when none are
// stored.
func (s *Store) Settings(ctx context.Context, account string) (Settings, error) {
	var st Settings
	var days sql.NullInt64
	err := s.db.QueryRowContext(ctx,
		`SELECT nick_source, show_offline, keep_online, formatting, presence_modes, detached_status, answer_chats, history_days, dcc_files FROM setting WHERE account = ?`,
		account).Scan(&st.NickSource, &st.ShowOffline, &st.KeepOnline, &st.Formatting, &st.PresenceModes, &st.DetachedStatus, &st.AnswerChats, &days, &st.DCCFiles)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("db: settings of %s: %w", account, err)
	}
	st.HistoryDays, st.HistoryDaysSet = int(days.Int64), days.Valid
	return st, nil
}

// SaveSettings stores the account's settings. NickSource must be
// "passport" or "name"; "" means "passport". DetachedStatus "" means
// DetachedKeep.
func (s *Store) SaveSettings(ctx context.Context, account string, st Settings) error {
	if account == "" {
		return errors.New("db: save settings: empty account")
	}
	switch st.NickSource {
	case "":
		st.NickSource = NickSourcePassport
	case NickSourcePassport, NickSourceName:
	default:
		return fmt.Errorf("db: save settings of %s: unknown nick source %q (want %q or %q)",
			account, st.NickSource, NickSourcePassport, NickSourceName)
	}
	if st.DetachedStatus == "" {
		st.DetachedStatus = DetachedKeep
	}
	switch st.AnswerChats {
	case "", AnswerAlways, AnswerWhenAttached, AnswerNever:
	default:
		return fmt.Errorf("db: save settings of %s: unknown answer_chats %q", account, st.AnswerChats)
	}
	if st.HistoryDaysSet && st.HistoryDays < 0 {
		return fmt.Errorf("db: save settings of %s: negative history_days %d", account, st.HistoryDays)
	}
	days := sql.NullInt64{Int64: int64(st.HistoryDays), Valid: st.HistoryDaysSet}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO setting (account, nick_source, show_offline, keep_online, formatting, presence_modes, detached_status, answer_chats, history_days, dcc_files)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account) DO UPDATE SET
			nick_source = excluded.nick_source,
			show_offline = excluded.show_offline,
			keep_online = excluded.keep_online,
			formatting = excluded.formatting,
			presence_modes = excluded.presence_modes,
			detached_status = excluded.detached_status,
			answer_chats = excluded.answer_chats,
			history_days = excluded.history_days,
			dcc_files = excluded.dcc_files`,
		account, st.NickSource, st.ShowOffline, st.KeepOnline, st.Formatting, st.PresenceModes, st.DetachedStatus, st.AnswerChats, days, st.DCCFiles)
	if err != nil {
		return fmt.Errorf("db: save settings of %s: %w", account, err)
	}
	return nil
}
