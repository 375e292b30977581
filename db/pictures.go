package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// InstanceSecret returns the instance's secret called name (32 random
// bytes), creating it the first time. It never changes afterwards, so
// what it keys (the picture URLs) stays valid across restarts.
func (s *Store) InstanceSecret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO instance_secret (name, secret) VALUES (?, ?)`, name, fresh); err != nil {
		return nil, fmt.Errorf("db: instance secret %s: %w", name, err)
	}
	var secret []byte
	if err := s.db.QueryRowContext(ctx, `SELECT secret FROM instance_secret WHERE name = ?`, name).Scan(&secret); err != nil {
		return nil, fmt.Errorf("db: instance secret %s: %w", name, err)
	}
	return secret, nil
}

// OwnPicture is an account's own display picture: the hex SHA-1 of its
// data, which names its file in the data directory.
type OwnPicture struct {
	SHA1    string
	Size    int64
	Updated time.Time
}

// OwnPicture returns the account's own picture; ok is false when it has none.
func (s *Store) OwnPicture(ctx context.Context, account string) (p OwnPicture, ok bool, err error) {
	var ms int64
	err = s.db.QueryRowContext(ctx, `SELECT sha1, size, updated FROM own_picture WHERE account = ?`, account).Scan(&p.SHA1, &p.Size, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return OwnPicture{}, false, nil
	}
	if err != nil {
		return OwnPicture{}, false, fmt.Errorf("db: own picture of %s: %w", account, err)
	}
	p.Updated = time.UnixMilli(ms).UTC()
	return p, true, nil
}

// OwnPictureAccounts returns the accounts that have an own picture.
func (s *Store) OwnPictureAccounts(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT account FROM own_picture ORDER BY account`)
	if err != nil {
		return nil, fmt.Errorf("db: accounts with a picture: %w", err)
	}
	defer rows.Close()
	var accounts []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("db: accounts with a picture: %w", err)
		}
		accounts = append(accounts, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: accounts with a picture: %w", err)
	}
	return accounts, nil
}

// SetOwnPicture stores the account's own picture, replacing any.
func (s *Store) SetOwnPicture(ctx context.Context, account string, p OwnPicture) error {
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO own_picture (account, sha1, size, updated) VALUES (?, ?, ?, ?)
		ON CONFLICT (account) DO UPDATE SET sha1 = excluded.sha1, size = excluded.size, updated = excluded.updated`,
		account, p.SHA1, p.Size, p.Updated.UnixMilli()); err != nil {
		return fmt.Errorf("db: set own picture of %s: %w", account, err)
	}
	return nil
}

// ClearOwnPicture forgets the account's own picture. unused is true
// when no other account's own picture has the same data, so that its
// file may be removed.
func (s *Store) ClearOwnPicture(ctx context.Context, account string) (old OwnPicture, unused bool, err error) {
	old, ok, err := s.OwnPicture(ctx, account)
	if err != nil || !ok {
		return OwnPicture{}, false, err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM own_picture WHERE account = ?`, account); err != nil {
		return OwnPicture{}, false, fmt.Errorf("db: clear own picture of %s: %w", account, err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM own_picture WHERE sha1 = ?`, old.SHA1).Scan(&n); err != nil {
		return old, false, fmt.Errorf("db: clear own picture of %s: %w", account, err)
	}
	return old, n == 0, nil
}

// PictureUsers counts the accounts whose own picture has the data sha1.
func (s *Store) PictureUsers(ctx context.Context, sha1 string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM own_picture WHERE sha1 = ?`, sha1).Scan(&n); err != nil {
		return 0, fmt.Errorf("db: users of picture %s: %w", sha1, err)
	}
	return n, nil
}
