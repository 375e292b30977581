package db

import (
	"context"
	"fmt"
)

// MachineGUID returns the machine GUID stored for account (MSNP16+: MSN
// tells this instance's logins apart by it), storing fresh first when
// the account has none yet.
func (s *Store) MachineGUID(ctx context.Context, account, fresh string) (string, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO machine_guid (account, guid) VALUES (?, ?)`, account, fresh); err != nil {
		return "", fmt.Errorf("db: machine GUID of %s: %w", account, err)
	}
	var guid string
	if err := s.db.QueryRowContext(ctx, `SELECT guid FROM machine_guid WHERE account = ?`, account).Scan(&guid); err != nil {
		return "", fmt.Errorf("db: machine GUID of %s: %w", account, err)
	}
	return guid, nil
}

// OIMSeen reports whether the offline message id was shown to the user.
func (s *Store) OIMSeen(ctx context.Context, account, id string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM oim_seen WHERE account = ? AND id = ?`, account, id).Scan(&n); err != nil {
		return false, fmt.Errorf("db: offline message %s of %s: %w", id, account, err)
	}
	return n > 0, nil
}

// MarkOIMSeen records that the offline message id was shown to the user
// (delivered or kept for replay), until ForgetOIMs.
func (s *Store) MarkOIMSeen(ctx context.Context, account, id string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO oim_seen (account, id) VALUES (?, ?)`, account, id); err != nil {
		return fmt.Errorf("db: offline message %s of %s: %w", id, account, err)
	}
	return nil
}

// ForgetOIMs drops the records of offline messages the server deleted:
// it lists them no more.
func (s *Store) ForgetOIMs(ctx context.Context, account string, ids []string) error {
	for _, id := range ids {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM oim_seen WHERE account = ? AND id = ?`, account, id); err != nil {
			return fmt.Errorf("db: forget offline message %s of %s: %w", id, account, err)
		}
	}
	return nil
}

// SetClientID stores the client id (capability bits) a contact's client
// last announced.
func (s *Store) SetClientID(ctx context.Context, account, passport string, id uint32) error {
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO contact_client (account, passport, client_id) VALUES (?, ?, ?)
		ON CONFLICT (account, passport) DO UPDATE SET client_id = excluded.client_id`, account, passport, int64(id)); err != nil {
		return fmt.Errorf("db: client id of %s for %s: %w", passport, account, err)
	}
	return nil
}

// ClientIDs returns the client id each contact of account last announced,
// by lower-cased passport.
func (s *Store) ClientIDs(ctx context.Context, account string) (map[string]uint32, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT lower(passport), client_id FROM contact_client WHERE account = ?`, account)
	if err != nil {
		return nil, fmt.Errorf("db: client ids of %s: %w", account, err)
	}
	defer rows.Close()
	out := map[string]uint32{}
	for rows.Next() {
		var p string
		var id int64
		if err := rows.Scan(&p, &id); err != nil {
			return nil, fmt.Errorf("db: client ids of %s: %w", account, err)
		}
		out[p] = uint32(id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: client ids of %s: %w", account, err)
	}
	return out, nil
}
