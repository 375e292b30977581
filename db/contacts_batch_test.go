package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPutContacts(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	if err := s.PutContact(ctx, Contact{Account: acct, Passport: "bob@hotmail.com", Nick: "bob", FriendlyName: "Bob"}); err != nil {
		t.Fatal(err)
	}

	// Many new contacts and an update of a stored one, in one call.
	var batch []Contact
	for i := range 500 {
		batch = append(batch, Contact{Account: acct, Passport: fmt.Sprintf("c%03d@hotmail.com", i), Nick: fmt.Sprintf("c%03d", i), FriendlyName: fmt.Sprintf("C %d", i)})
	}
	batch = append(batch, Contact{Account: acct, Passport: "bob@hotmail.com", Nick: "bobby", FriendlyName: "Bobby"})
	if err := s.PutContacts(ctx, batch); err != nil {
		t.Fatalf("PutContacts: %v", err)
	}
	cs, err := s.Contacts(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 501 {
		t.Fatalf("stored %d contacts, want 501", len(cs))
	}
	if c, err := s.Contact(ctx, acct, "bob@hotmail.com"); err != nil || c.Nick != "bobby" || c.FriendlyName != "Bobby" {
		t.Errorf("bob after PutContacts = %+v, %v; want the update", c, err)
	}
	if c, err := s.Contact(ctx, acct, "c042@hotmail.com"); err != nil || c.Nick != "c042" || c.FriendlyName != "C 42" {
		t.Errorf("c042 = %+v, %v", c, err)
	}

	// Later entries win over earlier ones for the same passport, as with
	// PutContact in a row; a nick freed earlier in the list can be taken.
	if err := s.PutContacts(ctx, []Contact{
		{Account: acct, Passport: "c001@hotmail.com", Nick: "one"},
		{Account: acct, Passport: "c002@hotmail.com", Nick: "c001"},
		{Account: acct, Passport: "c001@hotmail.com", Nick: "uno"},
	}); err != nil {
		t.Fatalf("PutContacts with renames: %v", err)
	}
	for p, want := range map[string]string{"c001@hotmail.com": "uno", "c002@hotmail.com": "c001"} {
		if c, _ := s.Contact(ctx, acct, p); c.Nick != want {
			t.Errorf("%s is %q, want %q", p, c.Nick, want)
		}
	}

	// A nick collision, with a stored contact or within the list, fails the
	// whole call with ErrNickTaken and changes nothing.
	for _, bad := range [][]Contact{
		{
			{Account: acct, Passport: "new1@hotmail.com", Nick: "new1"},
			{Account: acct, Passport: "new2@hotmail.com", Nick: "BOBBY"},
		},
		{
			{Account: acct, Passport: "new1@hotmail.com", Nick: "new1"},
			{Account: acct, Passport: "new2@hotmail.com", Nick: "NEW1"},
		},
		{
			{Account: acct, Passport: "c003@hotmail.com", Nick: "renamed"},
			{Account: acct, Passport: "c004@hotmail.com", Nick: "c005"},
		},
	} {
		err := s.PutContacts(ctx, bad)
		if !errors.Is(err, ErrNickTaken) {
			t.Errorf("PutContacts(%+v) = %v, want ErrNickTaken", bad, err)
		}
	}
	if _, err := s.Contact(ctx, acct, "new1@hotmail.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("failed PutContacts stored a contact: %v", err)
	}
	if c, _ := s.Contact(ctx, acct, "c003@hotmail.com"); c.Nick != "c003" {
		t.Errorf("failed PutContacts renamed c003 to %q", c.Nick)
	}
	if cs, _ := s.Contacts(ctx, acct); len(cs) != 501 {
		t.Errorf("after failed calls: %d contacts, want 501", len(cs))
	}

	// Missing fields are refused before anything is written.
	err = s.PutContacts(ctx, []Contact{
		{Account: acct, Passport: "new3@hotmail.com", Nick: "new3"},
		{Account: acct, Passport: "new4@hotmail.com", Nick: ""},
	})
	if err == nil || errors.Is(err, ErrNickTaken) {
		t.Errorf("PutContacts with an empty nick = %v, want a validation error", err)
	}
	if _, err := s.Contact(ctx, acct, "new3@hotmail.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("refused PutContacts stored a contact: %v", err)
	}

	// Nothing to store is not an error; a canceled context is reported.
	if err := s.PutContacts(ctx, nil); err != nil {
		t.Errorf("PutContacts(nil) = %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.PutContacts(cctx, []Contact{{Account: acct, Passport: "new5@hotmail.com", Nick: "new5"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("PutContacts with canceled ctx = %v, want context.Canceled", err)
	}
	// The store is still usable after failed transactions.
	if err := s.PutContact(ctx, Contact{Account: acct, Passport: "new6@hotmail.com", Nick: "new6"}); err != nil {
		t.Errorf("PutContact after failed PutContacts: %v", err)
	}
}

// A collision late in a long list undoes the contacts stored before it.
func TestPutContactsLongListAllOrNothing(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	var batch []Contact
	for i := range 250 {
		batch = append(batch, Contact{Account: acct, Passport: fmt.Sprintf("c%03d@hotmail.com", i), Nick: fmt.Sprintf("c%03d", i)})
	}
	batch = append(batch, Contact{Account: acct, Passport: "late@hotmail.com", Nick: "C007"})
	if err := s.PutContacts(ctx, batch); !errors.Is(err, ErrNickTaken) {
		t.Fatalf("PutContacts = %v, want ErrNickTaken", err)
	}
	if cs, err := s.Contacts(ctx, acct); err != nil || len(cs) != 0 {
		t.Errorf("after a failed PutContacts %d contacts are stored (%v), want none", len(cs), err)
	}
}

// ContactsOf gives the contacts Contacts gives, in any order.
func TestContactsOf(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	var batch []Contact
	for i := range 30 {
		batch = append(batch, Contact{Account: acct, Passport: fmt.Sprintf("c%02d@hotmail.com", 29-i), Nick: fmt.Sprintf("n%02d", i), FriendlyName: fmt.Sprintf("C %d", i)})
	}
	batch = append(batch, Contact{Account: "other@example.com", Passport: "x@hotmail.com", Nick: "x"})
	if err := s.PutContacts(ctx, batch); err != nil {
		t.Fatal(err)
	}
	want, err := s.Contacts(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ContactsOf(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	byPassport := map[string]Contact{}
	for _, c := range got {
		byPassport[c.Passport] = c
	}
	if len(got) != len(want) || len(byPassport) != len(want) {
		t.Fatalf("ContactsOf gave %d contacts, Contacts %d", len(got), len(want))
	}
	for _, c := range want {
		if byPassport[c.Passport] != c {
			t.Errorf("ContactsOf has %+v, Contacts %+v", byPassport[c.Passport], c)
		}
	}
}

// Names with quotes, backslashes, other scripts and control characters
// come back exactly as stored, whichever way PutContacts writes them.
func TestPutContactsKeepsNamesExactly(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const acct = "alice@example.com"
	names := []string{`say "hi"`, `back\slash\`, "日本語 ☃ 😀", "tab\there", "nul\x00byte", "bad\xffutf8", "", `\u0041`, "del\x7f"}
	for round, only := range []bool{true, false} {
		var batch []Contact
		for i, name := range names {
			if only && (!utf8.ValidString(name) || strings.ContainsAny(name, "\x00\t\x7f")) {
				continue // a batch of plain names only, then one with all
			}
			batch = append(batch, Contact{Account: acct, Passport: fmt.Sprintf("c%d.%d@hotmail.com", round, i), Nick: fmt.Sprintf("c%d_%d", round, i), FriendlyName: name})
		}
		if err := s.PutContacts(ctx, batch); err != nil {
			t.Fatalf("PutContacts: %v", err)
		}
		for _, c := range batch {
			got, err := s.Contact(ctx, acct, c.Passport)
			if err != nil || got != c {
				t.Errorf("stored %+v, read back %+v, %v", c, got, err)
			}
		}
		all, err := s.ContactsOf(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]Contact{}
		for _, c := range all {
			got[c.Passport] = c
		}
		for _, c := range batch {
			if got[c.Passport] != c {
				t.Errorf("stored %+v, ContactsOf read %+v", c, got[c.Passport])
			}
		}
	}
}

// BenchmarkPutContacts stores a first login's 1,000 new contacts: as one
// JSON argument (plain names), and with four arguments per contact (the
// path names with control characters take); each with contact snapshots,
// and in a store at the schema before them (the baseline).
func BenchmarkPutContacts(b *testing.B) {
	for _, schema := range []struct {
		name string
		migs []string
	}{{"snapshot", migrations}, {"before", migrations[:snapshotVersion-1]}} {
		for _, bc := range []struct{ name, sep string }{{"json", " "}, {"args", "\t"}} {
			b.Run(bc.name+"/"+schema.name, func(b *testing.B) {
				s, err := open(context.Background(), filepath.Join(b.TempDir(), "msn2irc.db"), schema.migs)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				ctx := context.Background()
				batch := make([]Contact, 1000)
				b.ReportAllocs()
				round := 0
				for b.Loop() {
					b.StopTimer()
					round++
					for i := range batch {
						batch[i] = Contact{Account: fmt.Sprintf("a%d@example.com", round), Passport: fmt.Sprintf("c%04d@hotmail.com", i), Nick: fmt.Sprintf("c%04d", i), FriendlyName: "Contact" + bc.sep + fmt.Sprint(i)}
					}
					b.StartTimer()
					if err := s.PutContacts(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// Whatever a friendly name holds, PutContacts stores it byte for byte.
func FuzzPutContactsName(f *testing.F) {
	for _, s := range []string{"Bob", `"q"`, `\`, "日本", "a\x00b", "\xff", `\u0041"`} {
		f.Add(s)
	}
	s, _ := openTemp(f)
	ctx := context.Background()
	n := 0
	f.Fuzz(func(t *testing.T, name string) {
		n++
		c := Contact{Account: "alice@example.com", Passport: fmt.Sprintf("c%d@hotmail.com", n), Nick: fmt.Sprintf("c%d", n), FriendlyName: name}
		if err := s.PutContacts(ctx, []Contact{c}); err != nil {
			t.Fatalf("PutContacts(%q): %v", name, err)
		}
		if got, err := s.Contact(ctx, c.Account, c.Passport); err != nil || got != c {
			t.Fatalf("stored %q, read back %q, %v", name, got.FriendlyName, err)
		}
	})
}

// Any JSON array of three-string arrays reads back exactly; anything else
// is refused or read consistently, never with a panic.
func FuzzParseContactsJSON(f *testing.F) {
	f.Add("a@b.c", "nick", "Name", `[["x","y","z"]]`)
	f.Add("\x00", "\\", `"`, `[]`)
	f.Add("😀", "\xed\xa0\x80", "\xff", `[["\u00e9","\ud83d\ude00","\/"] , ["a","b","c"]]`)
	f.Fuzz(func(t *testing.T, a, b, c, raw string) {
		parseContactsJSON("acct", raw) // must not panic
		var sb strings.Builder
		sb.WriteString(`[[`)
		for i, s := range []string{a, b, c} {
			if i > 0 {
				sb.WriteByte(',')
			}
			q, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			sb.Write(q)
		}
		sb.WriteString(`]]`)
		cs, ok := parseContactsJSON("acct", sb.String())
		if !ok {
			if utf8.ValidString(a) && utf8.ValidString(b) && utf8.ValidString(c) {
				t.Fatalf("refused %s", sb.String())
			}
			return
		}
		if utf8.ValidString(a+b+c) && (len(cs) != 1 || cs[0] != (Contact{Account: "acct", Passport: a, Nick: b, FriendlyName: c})) {
			t.Fatalf("read %q from %s", cs, sb.String())
		}
	})
}

// BenchmarkContactsOf reads a returning login's 1,000 stored contacts:
// from their snapshot; building the snapshot from the rows, as the first
// call after a change does; in a store at the schema before snapshots,
// as one JSON text built by the query (the baseline, and the way back
// when there is no snapshot); and a row at a time (the way back when the
// JSON does not read).
func BenchmarkContactsOf(b *testing.B) {
	ctx := context.Background()
	const acct = "alice@example.com"
	batch := make([]Contact, 1000)
	for i := range batch {
		batch[i] = Contact{Account: acct, Passport: fmt.Sprintf("c%04d@hotmail.com", i), Nick: fmt.Sprintf("c%04d", i), FriendlyName: fmt.Sprint("Contact ", i)}
	}
	s, _ := openTemp(b)
	if err := s.PutContacts(ctx, batch); err != nil {
		b.Fatal(err)
	}
	before, err := open(ctx, filepath.Join(b.TempDir(), "before.db"), migrations[:snapshotVersion-1])
	if err != nil {
		b.Fatal(err)
	}
	defer before.Close()
	if err := before.PutContacts(ctx, batch); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		read  func(context.Context, string) ([]Contact, error)
		setup func()
	}{
		{"snapshot", s.ContactsOf, nil},
		{"build", s.ContactsOf, func() {
			if _, err := s.db.ExecContext(ctx, dropSnapshotSQL, acct); err != nil {
				b.Fatal(err)
			}
		}},
		{"before", before.ContactsOf, nil},
		{"rows", s.contactsOfRows, nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if bc.setup != nil {
					b.StopTimer()
					bc.setup()
					b.StartTimer()
				}
				if cs, err := bc.read(ctx, acct); err != nil || len(cs) != len(batch) {
					b.Fatalf("%d contacts, %v", len(cs), err)
				}
			}
		})
	}
}
