package db

import (
	"context"
	"fmt"
	"time"
)

// StoredMessage is an incoming message kept for replay while no IRC client
// is attached.
type StoredMessage struct {
	ID      int64
	Account string
	From    string // sender nick
	Target  string // "" = the user (a query), or a channel
	Command string // PRIVMSG, NOTICE
	Text    string
	Time    time.Time
	MsgID   string // the same each time the message is replayed
}

// SaveReplay stores a message for replay and returns its ID. ID is ignored;
// a zero Time means now.
func (s *Store) SaveReplay(ctx context.Context, m StoredMessage) (int64, error) {
	if m.Account == "" || m.From == "" || m.Command == "" {
		return 0, fmt.Errorf("db: save replay for %q: account, sender and command are required", m.Account)
	}
	if m.Time.IsZero() {
		m.Time = now()
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO replay (account, sender, target, command, text, time, msgid) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		m.Account, m.From, m.Target, m.Command, m.Text, timeText(m.Time), m.MsgID)
	if err != nil {
		return 0, fmt.Errorf("db: save replay for %s: %w", m.Account, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("db: save replay for %s: %w", m.Account, err)
	}
	return id, nil
}

// Replay returns the account's stored messages in the order they were saved.
func (s *Store) Replay(ctx context.Context, account string) ([]StoredMessage, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, account, sender, target, command, text, time, msgid FROM replay
		WHERE account = ? ORDER BY id`, account)
	if err != nil {
		return nil, fmt.Errorf("db: replay of %s: %w", account, err)
	}
	defer rows.Close()
	var ms []StoredMessage
	for rows.Next() {
		var m StoredMessage
		var t string
		if err := rows.Scan(&m.ID, &m.Account, &m.From, &m.Target, &m.Command, &m.Text, &t, &m.MsgID); err != nil {
			return nil, fmt.Errorf("db: replay of %s: %w", account, err)
		}
		if m.Time, err = parseTime(t); err != nil {
			return nil, fmt.Errorf("db: replay of %s: %w", account, err)
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: replay of %s: %w", account, err)
	}
	return ms, nil
}

// DeleteReplay removes the account's stored messages with IDs up to and
// including upToID (they were replayed).
func (s *Store) DeleteReplay(ctx context.Context, account string, upToID int64) error {
	if _, err := s.db.ExecContext(ctx,
		`DELETE FROM replay WHERE account = ? AND id <= ?`, account, upToID); err != nil {
		return fmt.Errorf("db: delete replay of %s: %w", account, err)
	}
	return nil
}
