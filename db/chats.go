package db

import (
	"context"
	"errors"
	"fmt"
)

// NextChatNumber returns the number of the account's next group chat
// channel (#chat-N): one more than the last it returned for the account,
// starting at 1. The number is stored, so that a channel name is never
// given twice, not even after a restart: a bouncer keeps the history of a
// channel by its name.
func (s *Store) NextChatNumber(ctx context.Context, account string) (int, error) {
	if account == "" {
		return 0, errors.New("db: next chat number: empty account")
	}
	var n int
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO chat_counter (account, last) VALUES (?, 1)
		ON CONFLICT (account) DO UPDATE SET last = last + 1
		RETURNING last`, account).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("db: next chat number of %s: %w", account, err)
	}
	return n, nil
}

// ReserveChatNumber makes sure NextChatNumber never returns n or less for
// the account: the user took the name #chat-n for a chat of their own.
func (s *Store) ReserveChatNumber(ctx context.Context, account string, n int) error {
	if account == "" {
		return errors.New("db: reserve chat number: empty account")
	}
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO chat_counter (account, last) VALUES (?, ?)
		ON CONFLICT (account) DO UPDATE SET last = max(last, excluded.last)`, account, n); err != nil {
		return fmt.Errorf("db: reserve chat number of %s: %w", account, err)
	}
	return nil
}
