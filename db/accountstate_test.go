package db

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkAccountState fails t unless AccountState gives the settings
// Settings gives and the contacts Contacts gives.
func checkAccountState(t *testing.T, s *Store, account, step string) {
	t.Helper()
	ctx := context.Background()
	wantSt, err := s.Settings(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	state, err := s.AccountState(ctx, account)
	if err != nil {
		t.Fatalf("%s: AccountState: %v", step, err)
	}
	st, got := state.Settings, state.Contacts
	if st != wantSt {
		t.Errorf("%s: AccountState settings %+v, Settings %+v", step, st, wantSt)
	}
	checkStoredContacts(t, s, account, step+": AccountState", got)
}

// openCurrentAndOld opens two stores in temporary files: one on the current
// schema and one on the schema before contact snapshots, with the settings
// added since (which Settings reads whatever the schema).
func openCurrentAndOld(t *testing.T) (cur, old *Store) {
	t.Helper()
	cur, _ = openTemp(t)
	old, err := open(context.Background(), filepath.Join(t.TempDir(), "old.db"), migrations[:snapshotVersion-1])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { old.Close() })
	if _, err := old.db.Exec(`ALTER TABLE setting ADD COLUMN presence_modes INTEGER NOT NULL DEFAULT 1;
		ALTER TABLE setting ADD COLUMN detached_status TEXT NOT NULL DEFAULT 'keep';
		ALTER TABLE setting ADD COLUMN answer_chats TEXT NOT NULL DEFAULT '';
		ALTER TABLE setting ADD COLUMN history_days INTEGER;
		ALTER TABLE setting ADD COLUMN dcc_files INTEGER NOT NULL DEFAULT 0;
		ALTER TABLE replay ADD COLUMN msgid TEXT NOT NULL DEFAULT ''`); err != nil {
		t.Fatal(err)
	}
	return cur, old
}

// AccountState gives an account's settings and contacts whichever of them
// are stored, on the current schema and on one without snapshots.
func TestAccountState(t *testing.T) {
	ctx := context.Background()
	cur, old := openCurrentAndOld(t)
	for name, s := range map[string]*Store{"current schema": cur, "before snapshots": old} {
		t.Run(name, func(t *testing.T) {
			state, err := s.AccountState(ctx, "new@example.com")
			if err != nil || state.Settings != DefaultSettings() || len(state.Contacts) != 0 {
				t.Errorf("a new account: %+v, %v; want the default settings and no contacts", state, err)
			}
			settings := Settings{NickSource: NickSourceName, ShowOffline: false, KeepOnline: true, Formatting: false, DetachedStatus: DetachedKeep}
			if err := s.SaveSettings(ctx, "set@example.com", settings); err != nil {
				t.Fatal(err)
			}
			var contacts []Contact
			for i := range 3 {
				contacts = append(contacts, Contact{Account: "both@example.com", Passport: fmt.Sprintf("c%d@hotmail.com", i), Nick: fmt.Sprintf("c%d", i), FriendlyName: fmt.Sprint("Contact ", i)})
			}
			if err := s.PutContacts(ctx, contacts); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveSettings(ctx, "both@example.com", settings); err != nil {
				t.Fatal(err)
			}
			if err := s.PutContact(ctx, Contact{Account: "listed@example.com", Passport: "bob@hotmail.com", Nick: "bob"}); err != nil {
				t.Fatal(err)
			}
			for _, acct := range []string{"new@example.com", "set@example.com", "both@example.com", "BOTH@Example.com", "listed@example.com"} {
				checkAccountState(t, s, acct, acct)
			}
			state, err = s.AccountState(ctx, "Both@example.com")
			st, cs := state.Settings, state.Contacts
			if err != nil || st != settings {
				t.Errorf("settings %+v, %v; want %+v", st, err, settings)
			}
			slices.SortFunc(cs, func(a, b Contact) int { return strings.Compare(a.Passport, b.Passport) })
			for i := range cs {
				cs[i].Account = contacts[i].Account
			}
			if !slices.Equal(cs, contacts) {
				t.Errorf("contacts %q, want %q", cs, contacts)
			}
		})
	}
}

// AccountState says whether an account has kept messages and pending
// authorization requests, on the current schema; before snapshots it does
// not know, and says there may be.
func TestAccountStateKeptAndPending(t *testing.T) {
	ctx := context.Background()
	cur, old := openCurrentAndOld(t)
	check := func(s *Store, account string, kept, pending bool) {
		t.Helper()
		state, err := s.AccountState(ctx, account)
		if err != nil {
			t.Fatal(err)
		}
		if state.HasKept != kept || state.HasPending != pending {
			t.Errorf("%s: kept messages %v, pending requests %v; want %v, %v", account, state.HasKept, state.HasPending, kept, pending)
		}
	}
	now := time.Now()
	for _, s := range []*Store{cur, old} {
		if _, err := s.SaveReplay(ctx, StoredMessage{Account: "kept@example.com", From: "bob", Command: "PRIVMSG", Text: "hi", Time: now}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddPending(ctx, AuthRequest{Account: "asked@example.com", Passport: "carol@example.com", Received: now}); err != nil {
			t.Fatal(err)
		}
	}
	check(cur, "new@example.com", false, false)
	check(cur, "Kept@example.com", true, false)
	check(cur, "asked@example.com", false, true)
	check(old, "new@example.com", true, true)
	if err := cur.DeletePending(ctx, "asked@example.com", "carol@example.com"); err != nil {
		t.Fatal(err)
	}
	check(cur, "asked@example.com", false, false)
}

// AccountState stops at a cancelled context with its error, and still
// gives settings a session can use.
func TestAccountStateCanceled(t *testing.T) {
	s, _ := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	state, err := s.AccountState(ctx, "alice@example.com")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "alice@example.com") {
		t.Errorf("AccountState with a cancelled context: %v; want an error naming the account", err)
	}
	if state.Settings != DefaultSettings() {
		t.Errorf("settings with the error: %+v, want the defaults", state.Settings)
	}
	if !state.HasKept || !state.HasPending {
		t.Errorf("with the error, kept messages %v and pending requests %v; want both true (not known)", state.HasKept, state.HasPending)
	}
}

// BenchmarkAccountState measures what a session reads when it starts, for
// an account new to the store and for one with 1,000 contacts, right after
// another account's contacts were stored (as when logins follow each
// other); "separate" reads the same with Settings and ContactsOf.
func BenchmarkAccountState(b *testing.B) {
	ctx := context.Background()
	s, _ := openTemp(b)
	var batch []Contact
	for i := range 1000 {
		batch = append(batch, Contact{Account: "known@example.com", Passport: fmt.Sprintf("c%04d@hotmail.com", i), Nick: fmt.Sprintf("c%04d", i), FriendlyName: fmt.Sprint("Contact ", i)})
	}
	if err := s.PutContacts(ctx, batch); err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, account := range []string{"new", "known"} {
		for _, read := range []string{"one", "separate"} {
			b.Run(account+"/"+read, func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					n++
					other := []Contact{{Account: fmt.Sprintf("other%d@example.com", n), Passport: "x@hotmail.com", Nick: "x"}}
					if err := s.PutContacts(ctx, other); err != nil {
						b.Fatal(err)
					}
					acct := fmt.Sprintf("new%d@example.com", n)
					if account == "known" {
						acct = "known@example.com"
					}
					b.StartTimer()
					if read == "one" {
						if _, err := s.AccountState(ctx, acct); err != nil {
							b.Fatal(err)
						}
						continue
					}
					if _, err := s.Settings(ctx, acct); err != nil {
						b.Fatal(err)
					}
					if _, err := s.ContactsOf(ctx, acct); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
