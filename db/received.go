package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// FileComplete is the state of a received file whose every byte is on
// disk. Only complete files are stored: a transfer in progress lives in a
// temporary file the store never sees.
const FileComplete = "complete"

// ErrNoFile is returned when no stored file matches.
var ErrNoFile = errors.New("db: no such file")

// ReceivedFile is a file a contact sent, kept under the data directory
// and served through a download link.
type ReceivedFile struct {
	ID      int64 // set by the store
	Account string
	Contact string // the sender's passport
	Name    string // as shown to the user (cleaned); never a path
	Size    int64
	// TokenHash is the SHA-256 of the link's token: the token itself is
	// stored nowhere.
	TokenHash []byte
	// Nonce makes the token again with a key kept outside the database.
	Nonce   []byte
	Path    string // relative to the data directory, chosen by msn2irc
	Created time.Time
	Expires time.Time
	State   string // FileComplete
}

// AddReceivedFile stores a received file and returns its id.
func (s *Store) AddReceivedFile(ctx context.Context, f ReceivedFile) (int64, error) {
	if f.Account == "" || f.Path == "" || len(f.TokenHash) == 0 || len(f.Nonce) == 0 {
		return 0, fmt.Errorf("db: add received file of %q: account, path and token are required", f.Account)
	}
	if f.State == "" {
		f.State = FileComplete
	}
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO received_file (account, contact, name, size, token_hash, nonce, path, created, expires, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.Account, f.Contact, f.Name, f.Size, f.TokenHash, f.Nonce, f.Path, f.Created.UnixMilli(), f.Expires.UnixMilli(), f.State)
	if err != nil {
		return 0, fmt.Errorf("db: add received file of %s: %w", f.Account, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("db: add received file of %s: %w", f.Account, err)
	}
	return id, nil
}

const receivedColumns = `id, account, contact, name, size, token_hash, nonce, path, created, expires, state`

// scanReceived reads one row of receivedColumns.
func scanReceived(sc interface{ Scan(...any) error }) (ReceivedFile, error) {
	var f ReceivedFile
	var created, expires int64
	if err := sc.Scan(&f.ID, &f.Account, &f.Contact, &f.Name, &f.Size, &f.TokenHash, &f.Nonce, &f.Path, &created, &expires, &f.State); err != nil {
		return f, err
	}
	f.Created, f.Expires = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	return f, nil
}

// queryReceived runs a query that selects receivedColumns.
func (s *Store) queryReceived(ctx context.Context, q string, args ...any) ([]ReceivedFile, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReceivedFile
	for rows.Next() {
		f, err := scanReceived(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// ReceivedFiles lists an account's received files, oldest first.
func (s *Store) ReceivedFiles(ctx context.Context, account string) ([]ReceivedFile, error) {
	out, err := s.queryReceived(ctx, `SELECT `+receivedColumns+` FROM received_file WHERE account = ? ORDER BY id`, account)
	if err != nil {
		return nil, fmt.Errorf("db: received files of %s: %w", account, err)
	}
	return out, nil
}

// ReceivedFileByToken returns the file whose link token hashes to
// tokenHash, or ErrNoFile.
func (s *Store) ReceivedFileByToken(ctx context.Context, tokenHash []byte) (ReceivedFile, error) {
	f, err := scanReceived(s.db.QueryRowContext(ctx,
		`SELECT `+receivedColumns+` FROM received_file WHERE token_hash = ?`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return f, ErrNoFile
	}
	if err != nil {
		return f, fmt.Errorf("db: received file by token: %w", err)
	}
	return f, nil
}

// ExpiredFiles lists the received files of every account that expired at
// or before t, at most limit of them.
func (s *Store) ExpiredFiles(ctx context.Context, t time.Time, limit int) ([]ReceivedFile, error) {
	out, err := s.queryReceived(ctx, `SELECT `+receivedColumns+` FROM received_file WHERE expires <= ? ORDER BY expires LIMIT ?`,
		t.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("db: expired files: %w", err)
	}
	return out, nil
}

// DeleteReceivedFile forgets a received file of account (the caller
// deletes it from disk). Deleting one already gone is no error.
func (s *Store) DeleteReceivedFile(ctx context.Context, account string, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM received_file WHERE account = ? AND id = ?`, account, id); err != nil {
		return fmt.Errorf("db: delete received file %d of %s: %w", id, account, err)
	}
	return nil
}
