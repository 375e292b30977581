package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// A contact snapshot is every contact of one account in one stored value,
// so that ContactsOf reads one row instead of a row per contact. It is
// dropped, in the same transaction, whenever a contact of the account is
// inserted (by PutContact and PutContacts), changed or deleted (by the
// triggers of migration 5). PutContacts stores one for an account's first
// contacts, and ContactsOf builds one from the rows when there is none.
//
// The value is the passport, nick and friendly name of each contact, in
// that order, each but the last followed by snapshotSep: SQLite builds it
// byte for byte whatever the strings hold, and reading it back cuts the
// strings out without a copy each. The row also keeps how many contacts it
// holds and its length in bytes. A snapshot whose strings hold snapshotSep
// does not read back with that many contacts, and ContactsOf then reads the
// rows.

// snapshotVersion is the schema version that has contact snapshots.
const snapshotVersion = 5

// snapshotSep separates the strings of a snapshot: the ASCII unit
// separator, which names do not hold.
const snapshotSep = '\x1f'

// buildSnapshotSQL stores, replacing any, the snapshot of the account
// given as its only argument, when it has contacts, and returns it.
const buildSnapshotSQL = "INSERT OR REPLACE INTO contact_snapshot (account, contacts, count, size)" +
	" SELECT ?1, doc, n, octet_length(doc) FROM (" +
	" SELECT group_concat(passport || '\x1f' || nick || '\x1f' || friendly_name, '\x1f') AS doc, count(*) AS n" +
	" FROM contact WHERE account = ?1)" +
	" WHERE n > 0" +
	" RETURNING contacts, count, size"

// dropSnapshotSQL drops the snapshot of the account given as its only
// argument.
const dropSnapshotSQL = `DELETE FROM contact_snapshot WHERE account = ?`

// readSnapshot returns the stored snapshot of the account's contacts.
// found reports whether there is one, ok whether it reads back as it was
// stored.
func (s *Store) readSnapshot(ctx context.Context, account string) (cs []Contact, found, ok bool, err error) {
	var doc string
	var count, size int64
	err = s.db.QueryRowContext(ctx,
		`SELECT contacts, count, size FROM contact_snapshot WHERE account = ?`, account).
		Scan(&doc, &count, &size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, false, nil
	}
	if err != nil {
		return nil, false, false, fmt.Errorf("db: contacts of %s: %w", account, err)
	}
	cs, ok = parseSnapshot(account, doc, count, size)
	return cs, true, ok, nil
}

// buildSnapshot stores the snapshot of the account's contacts, built from
// its rows in one statement, and returns the contacts it holds: none when
// the account has none. It reports false when the snapshot does not read
// back.
func (s *Store) buildSnapshot(ctx context.Context, account string) ([]Contact, bool, error) {
	var doc string
	var count, size int64
	err := s.db.QueryRowContext(ctx, buildSnapshotSQL, account).Scan(&doc, &count, &size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("db: snapshot of the contacts of %s: %w", account, err)
	}
	cs, ok := parseSnapshot(account, doc, count, size)
	return cs, ok, nil
}

// storeNewSnapshotSQL stores a snapshot built by encodeSnapshot of the
// contacts just stored for an account that had none, when the account has
// as many contacts as it holds: no two of them had the same passport.
const storeNewSnapshotSQL = `INSERT OR REPLACE INTO contact_snapshot (account, contacts, count, size)
	SELECT ?1, ?2, ?3, ?4 WHERE (SELECT count(*) FROM contact WHERE account = ?1) = ?3`

// encodeSnapshot spells cs as a snapshot. It reports false when a string
// of cs holds snapshotSep.
func encodeSnapshot(cs []Contact) (string, bool) {
	n := 0
	for _, c := range cs {
		n += len(c.Passport) + len(c.Nick) + len(c.FriendlyName) + 3
	}
	var b strings.Builder
	b.Grow(n)
	for i, c := range cs {
		if i > 0 {
			b.WriteByte(snapshotSep)
		}
		b.WriteString(c.Passport)
		b.WriteByte(snapshotSep)
		b.WriteString(c.Nick)
		b.WriteByte(snapshotSep)
		b.WriteString(c.FriendlyName)
	}
	doc := b.String()
	return doc, strings.Count(doc, string(snapshotSep)) == 3*len(cs)-1
}

// parseSnapshot reads a snapshot's value, which must hold count contacts
// in size bytes. It reports false for anything else.
func parseSnapshot(account, doc string, count, size int64) ([]Contact, bool) {
	if count <= 0 || int64(len(doc)) != size || count > (size+1)/3 {
		return nil, false
	}
	cs := make([]Contact, count)
	rest := doc
	for k := range cs {
		c := &cs[k]
		c.Account = account
		i := strings.IndexByte(rest, snapshotSep)
		if i < 0 {
			return nil, false
		}
		c.Passport = rest[:i]
		rest = rest[i+1:]
		if i = strings.IndexByte(rest, snapshotSep); i < 0 {
			return nil, false
		}
		c.Nick = rest[:i]
		rest = rest[i+1:]
		if k == len(cs)-1 {
			if strings.IndexByte(rest, snapshotSep) >= 0 {
				return nil, false
			}
			c.FriendlyName = rest
			break
		}
		if i = strings.IndexByte(rest, snapshotSep); i < 0 {
			return nil, false
		}
		c.FriendlyName = rest[:i]
		rest = rest[i+1:]
	}
	return cs, true
}
