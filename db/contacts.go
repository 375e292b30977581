package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// Contact is the stored IRC identity of one MSN contact of an account.
type Contact struct {
	Account, Passport, Nick, FriendlyName string
}

// Contacts returns every stored contact of the account, ordered by nick.
func (s *Store) Contacts(ctx context.Context, account string) ([]Contact, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT account, passport, nick, friendly_name FROM contact
		WHERE account = ? ORDER BY nick, passport`, account)
	if err != nil {
		return nil, fmt.Errorf("db: contacts of %s: %w", account, err)
	}
	defer rows.Close()
	var cs []Contact
	for rows.Next() {
		var c Contact
		if err := rows.Scan(&c.Account, &c.Passport, &c.Nick, &c.FriendlyName); err != nil {
			return nil, fmt.Errorf("db: contacts of %s: %w", account, err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: contacts of %s: %w", account, err)
	}
	return cs, nil
}

// ContactsOf returns every stored contact of the account as Contacts does,
// but in no particular order and with Account set to account as given:
// less work for a caller that needs neither.
func (s *Store) ContactsOf(ctx context.Context, account string) ([]Contact, error) {
	if !s.snapshots {
		return s.contactsOfJSON(ctx, account)
	}
	cs, found, ok, err := s.readSnapshot(ctx, account)
	if err != nil {
		return nil, err
	}
	if ok {
		return cs, nil
	}
	if !found {
		// Build the snapshot for the next call. Should that fail, the
		// rows are read as they are.
		if cs, ok, err := s.buildSnapshot(ctx, account); err == nil && ok {
			return cs, nil
		}
	}
	return s.contactsOfJSON(ctx, account)
}

// contactsOfJSON is ContactsOf without a snapshot.
func (s *Store) contactsOfJSON(ctx context.Context, account string) ([]Contact, error) {
	// All rows in one JSON text: SQLite builds it faster than database/sql
	// scans rows, and the strings are cut out of it without a copy each.
	// The byte count checks that the JSON kept every byte.
	var doc sql.NullString
	var size sql.NullInt64
	err := s.db.QueryRowContext(ctx,
		`SELECT json_group_array(json_array(passport, nick, friendly_name)),
			sum(length(CAST(passport AS BLOB)) + length(CAST(nick AS BLOB)) + length(CAST(friendly_name AS BLOB)))
		FROM contact WHERE account = ?`,
		account).Scan(&doc, &size)
	if err != nil {
		return nil, fmt.Errorf("db: contacts of %s: %w", account, err)
	}
	if cs, ok := parseContactsJSON(account, doc.String); ok && contactsSize(cs) == size.Int64 {
		return cs, nil
	}
	return s.contactsOfRows(ctx, account)
}

// contactsSize is how many bytes the strings of cs hold, as ContactsOf's
// query counts them.
func contactsSize(cs []Contact) int64 {
	var n int64
	for _, c := range cs {
		n += int64(len(c.Passport) + len(c.Nick) + len(c.FriendlyName))
	}
	return n
}

// contactsOfRows is ContactsOf a row at a time, for the contacts whose
// JSON parseContactsJSON does not read.
func (s *Store) contactsOfRows(ctx context.Context, account string) ([]Contact, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT passport, nick, friendly_name FROM contact WHERE account = ?`, account)
	if err != nil {
		return nil, fmt.Errorf("db: contacts of %s: %w", account, err)
	}
	defer rows.Close()
	var cs []Contact
	for rows.Next() {
		c := Contact{Account: account}
		if err := rows.Scan(&c.Passport, &c.Nick, &c.FriendlyName); err != nil {
			return nil, fmt.Errorf("db: contacts of %s: %w", account, err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: contacts of %s: %w", account, err)
	}
	return cs, nil
}

// Contact returns one stored contact, or an error matching ErrNotFound.
func (s *Store) Contact(ctx context.Context, account, passport string) (Contact, error) {
	var c Contact
	err := s.db.QueryRowContext(ctx,
		`SELECT account, passport, nick, friendly_name FROM contact
		WHERE account = ? AND passport = ?`, account, passport).
		Scan(&c.Account, &c.Passport, &c.Nick, &c.FriendlyName)
	if errors.Is(err, sql.ErrNoRows) {
		return Contact{}, fmt.Errorf("db: contact %s of %s: %w", passport, account, ErrNotFound)
	}
	if err != nil {
		return Contact{}, fmt.Errorf("db: contact %s of %s: %w", passport, account, err)
	}
	return c, nil
}

// putContactSQL upserts one contact.
const putContactSQL = `INSERT INTO contact (account, passport, nick, friendly_name) VALUES (?, ?, ?, ?)` + putContactUpsert

// putContactUpsert is what an insert of contacts does with a stored one.
const putContactUpsert = `
	ON CONFLICT (account, passport) DO UPDATE SET
		passport = excluded.passport,
		nick = excluded.nick,
		friendly_name = excluded.friendly_name`

// putContactsRows is how many contacts one statement of PutContacts
// upserts: 4 variables each, well within SQLite's limit per statement.
const putContactsRows = 100

// putContactsSQL upserts n contacts, in order.
func putContactsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO contact (account, passport, nick, friendly_name) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`(?, ?, ?, ?)`)
	}
	b.WriteString(putContactUpsert)
	return b.String()
}

// fullPutContactsSQL is putContactsSQL(putContactsRows).
var fullPutContactsSQL = sync.OnceValue(func() string { return putContactsSQL(putContactsRows) })

// PutContact stores a contact, replacing the one with the same account and
// passport. It fails with an error matching ErrNickTaken when another
// contact of the account has the same nick (ascii casemapping); then nothing
// is changed.
func (s *Store) PutContact(ctx context.Context, c Contact) error {
	if err := checkContact(c); err != nil {
		return err
	}
	if !s.snapshots {
		_, err := s.db.ExecContext(ctx, putContactSQL, c.Account, c.Passport, c.Nick, c.FriendlyName)
		return putContactErr(c, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return putContactErr(c, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, putContactSQL, c.Account, c.Passport, c.Nick, c.FriendlyName); err != nil {
		return putContactErr(c, err)
	}
	if _, err := tx.ExecContext(ctx, dropSnapshotSQL, c.Account); err != nil {
		return putContactErr(c, err)
	}
	return putContactErr(c, tx.Commit())
}

// PutContacts stores several contacts at once, as PutContact does each of
// them in order, in one transaction: either all are stored or, on any
// error, none is. It fails with an error matching ErrNickTaken when a
// contact's nick is used by another contact of the account, stored or
// earlier in cs.
func (s *Store) PutContacts(ctx context.Context, cs []Contact) (err error) {
	if len(cs) == 0 {
		return nil
	}
	for _, c := range cs {
		if err := checkContact(c); err != nil {
			return err
		}
	}
	all := cs
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: put %d contacts: %w", len(cs), err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	fresh := false
	if s.snapshots {
		if fresh, err = firstContacts(ctx, tx, cs); err != nil {
			return err
		}
		if err := dropSnapshots(ctx, tx, cs); err != nil {
			return err
		}
	}
	if doc, ok := contactsJSON(cs); ok {
		// All of them in one statement with one argument.
		if _, err := tx.ExecContext(ctx, putContactsJSONSQL, doc); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("db: put %d contacts of %s: %w", len(cs), cs[0].Account, ErrNickTaken)
			}
			return fmt.Errorf("db: put %d contacts of %s: %w", len(cs), cs[0].Account, err)
		}
		cs = nil
	}
	args := make([]any, 0, 4*min(len(cs), putContactsRows))
	for len(cs) > 0 {
		part := cs[:min(len(cs), putContactsRows)]
		cs = cs[len(part):]
		query := fullPutContactsSQL()
		if len(part) < putContactsRows {
			query = putContactsSQL(len(part))
		}
		args = args[:0]
		for _, c := range part {
			args = append(args, c.Account, c.Passport, c.Nick, c.FriendlyName)
		}
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("db: put %d contacts of %s: %w", len(part), part[0].Account, ErrNickTaken)
			}
			return fmt.Errorf("db: put %d contacts of %s: %w", len(part), part[0].Account, err)
		}
	}
	if fresh {
		// The account's contacts are exactly all: store their snapshot,
		// which ContactsOf would otherwise build from the rows.
		if doc, ok := encodeSnapshot(all); ok {
			if _, err := tx.ExecContext(ctx, storeNewSnapshotSQL, all[0].Account, doc, len(all), len(doc)); err != nil {
				return fmt.Errorf("db: snapshot of the contacts of %s: %w", all[0].Account, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: put contacts: %w", err)
	}
	return nil
}

// dropSnapshots drops, in tx, the snapshot of each account of cs.
func dropSnapshots(ctx context.Context, tx *sql.Tx, cs []Contact) error {
	for i, c := range cs {
		if i > 0 && c.Account == cs[i-1].Account {
			continue
		}
		if _, err := tx.ExecContext(ctx, dropSnapshotSQL, c.Account); err != nil {
			return fmt.Errorf("db: put %d contacts of %s: %w", len(cs), c.Account, err)
		}
	}
	return nil
}

// firstContacts reports whether cs are all of one account that has no
// stored contacts yet.
func firstContacts(ctx context.Context, tx *sql.Tx, cs []Contact) (bool, error) {
	for _, c := range cs[1:] {
		if c.Account != cs[0].Account {
			return false, nil
		}
	}
	var stored bool
	err := tx.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM contact WHERE account = ?)`, cs[0].Account).Scan(&stored)
	if err != nil {
		return false, fmt.Errorf("db: put %d contacts of %s: %w", len(cs), cs[0].Account, err)
	}
	return !stored, nil
}

// putContactsJSONSQL upserts the contacts of a JSON array of
// [account, passport, nick, friendly_name] arrays, in order.
const putContactsJSONSQL = `INSERT INTO contact (account, passport, nick, friendly_name)
	SELECT value->>0, value->>1, value->>2, value->>3 FROM json_each(?) WHERE true ORDER BY key` + putContactUpsert

// contactsJSON spells cs as the argument of putContactsJSONSQL, in one
// string instead of four arguments per contact. It reports false when a
// field is not valid UTF-8 or holds a control character: SQLite's JSON
// would not give those back byte for byte.
func contactsJSON(cs []Contact) (string, bool) {
	n := 2
	for _, c := range cs {
		for _, f := range [...]string{c.Account, c.Passport, c.Nick, c.FriendlyName} {
			if !utf8.ValidString(f) {
				return "", false
			}
			n += len(f) + 4
		}
		n += 3
	}
	var b strings.Builder
	b.Grow(n + n/8)
	b.WriteByte('[')
	for i, c := range cs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j, f := range [...]string{c.Account, c.Passport, c.Nick, c.FriendlyName} {
			if j > 0 {
				b.WriteByte(',')
			}
			if !writeJSONString(&b, f) {
				return "", false
			}
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return b.String(), true
}

// writeJSONString writes s as a JSON string; it reports false when s holds
// a control character.
func writeJSONString(b *strings.Builder, s string) bool {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return false
		case c == '"' || c == '\\':
			b.WriteString(s[start:i])
			b.WriteByte('\\')
			start = i
		}
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
	return true
}

// checkContact refuses a contact without an account, passport or nick.
func checkContact(c Contact) error {
	if c.Account == "" || c.Passport == "" || c.Nick == "" {
		return fmt.Errorf("db: put contact %q of %q: account, passport and nick are required", c.Passport, c.Account)
	}
	return nil
}

// putContactErr wraps the error of upserting c.
func putContactErr(c Contact, err error) error {
	if isUniqueViolation(err) {
		// The primary key conflict is handled by the upsert, so the
		// violated constraint is the nick.
		return fmt.Errorf("db: put contact %s of %s as %q: %w", c.Passport, c.Account, c.Nick, ErrNickTaken)
	}
	if err != nil {
		return fmt.Errorf("db: put contact %s of %s: %w", c.Passport, c.Account, err)
	}
	return nil
}

// DeleteContact forgets a contact. Deleting a contact that is not stored is
// not an error.
func (s *Store) DeleteContact(ctx context.Context, account, passport string) error {
	_, err := s.db.ExecContext(ctx,
		`DELETE FROM contact WHERE account = ? AND passport = ?`, account, passport)
	if err != nil {
		return fmt.Errorf("db: delete contact %s of %s: %w", passport, account, err)
	}
	return nil
}
