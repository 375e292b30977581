package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// checkContactsOf fails t unless ContactsOf gives the contacts Contacts
// gives, with Account as asked.
func checkContactsOf(t *testing.T, s *Store, account, step string) {
	t.Helper()
	got, err := s.ContactsOf(context.Background(), account)
	if err != nil {
		t.Fatalf("%s: ContactsOf: %v", step, err)
	}
	checkStoredContacts(t, s, account, step+": ContactsOf", got)
}

// checkStoredContacts fails t unless got, read by what, holds the contacts
// Contacts gives, in any order, with Account as asked.
func checkStoredContacts(t *testing.T, s *Store, account, what string, got []Contact) {
	t.Helper()
	want, err := s.Contacts(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	byPassport := map[string]Contact{}
	for _, c := range got {
		byPassport[strings.ToLower(c.Passport)] = c
	}
	if len(got) != len(want) || len(byPassport) != len(want) {
		t.Fatalf("%s gave %d contacts %q, Contacts %d %q", what, len(got), got, len(want), want)
	}
	for _, c := range want {
		c.Account = account
		if g := byPassport[strings.ToLower(c.Passport)]; g != c {
			t.Errorf("%s has %+v, Contacts %+v", what, g, c)
		}
	}
}

// After every kind of write, ContactsOf gives what is stored, whether it
// reads a snapshot or the rows, and names with any bytes come back
// exactly.
func TestContactsOfAfterEveryWrite(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	odd := []string{"Bob", `say "hi"`, "日本語 ☃ 😀", "nul\x00byte", "bad\xffutf8", "", "del\x7f", "tab\tnl\n", "\\"}
	var first []Contact
	for i, name := range odd {
		first = append(first, Contact{Account: acct, Passport: fmt.Sprintf("c%02d@hotmail.com", i), Nick: fmt.Sprintf("c%02d", i), FriendlyName: name})
	}
	check := func(step string) {
		t.Helper()
		// AccountState first, so that it builds the snapshot when there is
		// none; then ContactsOf twice, reading it.
		checkAccountState(t, s, acct, step)
		checkContactsOf(t, s, acct, step)
		checkContactsOf(t, s, acct, step+", again")
		checkContactsOf(t, s, "ALICE@example.com", step+", other case")
		cs, err := s.Contacts(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		readable := len(cs) > 0
		for _, c := range cs {
			readable = readable && !strings.ContainsRune(c.Passport+c.Nick+c.FriendlyName, snapshotSep)
		}
		if _, _, ok, err := s.readSnapshot(ctx, acct); err != nil || ok != readable {
			t.Errorf("%s: the snapshot reads back: %v (%v); want %v", step, ok, err, readable)
		}
	}
	check("no contacts")

	steps := []struct {
		name  string
		write func() error
	}{
		{"first contacts, plain names", func() error { return s.PutContacts(ctx, first[:3]) }},
		{"more contacts, odd names", func() error { return s.PutContacts(ctx, first[3:]) }},
		{"a new contact", func() error {
			return s.PutContact(ctx, Contact{Account: acct, Passport: "new@hotmail.com", Nick: "new", FriendlyName: "New"})
		}},
		{"a rename", func() error {
			return s.PutContact(ctx, Contact{Account: acct, Passport: "c01@hotmail.com", Nick: "renamed", FriendlyName: "Renamed"})
		}},
		{"a rename with another case of the account", func() error {
			return s.PutContact(ctx, Contact{Account: "Alice@Example.com", Passport: "C02@hotmail.com", Nick: "again", FriendlyName: "Again"})
		}},
		{"an update among new contacts", func() error {
			return s.PutContacts(ctx, []Contact{
				{Account: acct, Passport: "c00@hotmail.com", Nick: "c00", FriendlyName: "Bobby"},
				{Account: acct, Passport: "more@hotmail.com", Nick: "more"},
			})
		}},
		{"a deletion", func() error { return s.DeleteContact(ctx, acct, "c03@hotmail.com") }},
		{"a deletion with another case", func() error { return s.DeleteContact(ctx, "ALICE@EXAMPLE.COM", "C04@HOTMAIL.COM") }},
		{"an update in SQL", func() error {
			_, err := s.db.ExecContext(ctx, `UPDATE contact SET friendly_name = 'sql' WHERE passport = 'c05@hotmail.com'`)
			return err
		}},
		{"a deletion in SQL", func() error {
			_, err := s.db.ExecContext(ctx, `DELETE FROM contact WHERE passport = 'c06@hotmail.com'`)
			return err
		}},
		{"a failed PutContacts", func() error {
			err := s.PutContacts(ctx, []Contact{
				{Account: acct, Passport: "c07@hotmail.com", Nick: "changed"},
				{Account: acct, Passport: "c08@hotmail.com", Nick: "new"},
			})
			if err == nil {
				return fmt.Errorf("PutContacts with a taken nick succeeded")
			}
			return nil
		}},
		{"a failed PutContact", func() error {
			if err := s.PutContact(ctx, Contact{Account: acct, Passport: "c07@hotmail.com", Nick: "more"}); err == nil {
				return fmt.Errorf("PutContact with a taken nick succeeded")
			}
			return nil
		}},
		{"a name with the separator", func() error {
			return s.PutContact(ctx, Contact{Account: acct, Passport: "c09@hotmail.com", Nick: "c09", FriendlyName: "sep\x1fin"})
		}},
		{"a new contact with the separator", func() error {
			return s.PutContacts(ctx, []Contact{{Account: acct, Passport: "sep@hotmail.com", Nick: "sep", FriendlyName: "\x1f"}})
		}},
		{"the separator gone", func() error {
			if err := s.PutContact(ctx, Contact{Account: acct, Passport: "c09@hotmail.com", Nick: "c09"}); err != nil {
				return err
			}
			return s.DeleteContact(ctx, acct, "sep@hotmail.com")
		}},
		{"every contact deleted", func() error {
			cs, err := s.Contacts(ctx, acct)
			for _, c := range cs {
				if err := s.DeleteContact(ctx, acct, c.Passport); err != nil {
					return err
				}
			}
			return err
		}},
		{"first contacts again, one listed twice", func() error {
			return s.PutContacts(ctx, []Contact{
				{Account: acct, Passport: "x@hotmail.com", Nick: "x1"},
				{Account: acct, Passport: "y@hotmail.com", Nick: "y"},
				{Account: acct, Passport: "X@hotmail.com", Nick: "x2", FriendlyName: "X"},
			})
		}},
	}
	for _, st := range steps {
		if err := st.write(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		check(st.name)
	}
}

// PutContacts stores the snapshot of an account's first contacts, and
// another account's contacts neither show in it nor drop it.
func TestSnapshotOfFirstContacts(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var batch []Contact
	for i := range 300 {
		batch = append(batch, Contact{Account: "alice@example.com", Passport: fmt.Sprintf("c%03d@hotmail.com", i), Nick: fmt.Sprintf("c%03d", i), FriendlyName: fmt.Sprint("C ", i)})
	}
	if err := s.PutContacts(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := s.PutContacts(ctx, []Contact{{Account: "other@example.com", Passport: "c001@hotmail.com", Nick: "x"}}); err != nil {
		t.Fatal(err)
	}
	cs, found, ok, err := s.readSnapshot(ctx, "alice@example.com")
	if err != nil || !found || !ok || len(cs) != len(batch) {
		t.Fatalf("snapshot after PutContacts: %d contacts, found %v, ok %v, %v", len(cs), found, ok, err)
	}
	if !slices.Equal(cs, batch) {
		t.Errorf("snapshot holds %+v, want %+v", cs, batch)
	}
	checkContactsOf(t, s, "alice@example.com", "first contacts")
	checkContactsOf(t, s, "other@example.com", "other account")
}

// Any contacts without snapshotSep in their strings read back from their
// snapshot exactly; any other value is refused or read consistently,
// never with a panic.
func FuzzParseSnapshot(f *testing.F) {
	f.Add("a@b.c", "nick", "Name", "x\x1fy\x1fz", int64(1))
	f.Add("\x00", "\xff", "", "", int64(0))
	f.Add("😀", "\x1f", "", "a\x1f\x1f\x1fb", int64(2))
	f.Fuzz(func(t *testing.T, p, n, name, raw string, count int64) {
		if cs, ok := parseSnapshot("acct", raw, count, int64(len(raw))); ok {
			if int64(len(cs)) != count {
				t.Fatalf("read %d contacts from %q, want %d", len(cs), raw, count)
			}
			doc, ok := encodeSnapshot(cs)
			if !ok || doc != raw {
				t.Fatalf("read %q from %q, which spell %q", cs, raw, doc)
			}
		}
		want := []Contact{
			{Account: "acct", Passport: p, Nick: n, FriendlyName: name},
			{Account: "acct", Passport: name, Nick: p, FriendlyName: n},
		}
		doc, ok := encodeSnapshot(want)
		if hasSep := strings.ContainsRune(p+n+name, snapshotSep); ok == hasSep {
			t.Fatalf("encodeSnapshot(%q) reports %v", want, ok)
		}
		cs, ok := parseSnapshot("acct", doc, int64(len(want)), int64(len(doc)))
		if ok != !strings.ContainsRune(p+n+name, snapshotSep) {
			t.Fatalf("parseSnapshot(%q) reports %v", doc, ok)
		}
		if ok && !slices.Equal(cs, want) {
			t.Fatalf("read %q from %q, want %q", cs, doc, want)
		}
	})
}
