package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// damagePage overwrites the b-tree page header of the root page of the
// named table or index in the closed database at path, as a torn write or a
// bad disk sector would.
func damagePage(t *testing.T, path, name string) {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var root, pageSize int64
	err = raw.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = ?`, name).Scan(&root)
	if err == nil {
		err = raw.QueryRow(`PRAGMA page_size`).Scan(&pageSize)
	}
	raw.Close()
	if err != nil {
		t.Fatalf("finding the page of %s: %v", name, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if _, err := f.WriteAt(junk, (root-1)*pageSize); err != nil {
		t.Fatal(err)
	}
}

// A store damaged on disk is refused at start with an error that names the
// file, what SQLite found and how to recover, instead of starting with its
// settings and nicks unreadable.
func TestOpenRefusesDamagedStore(t *testing.T) {
	for _, name := range []string{"contact", "sqlite_autoindex_contact_2", "setting"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "msn2irc.db")
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SaveSettings(ctx, "a@x", Settings{NickSource: NickSourceName, ShowOffline: true}); err != nil {
				t.Fatal(err)
			}
			var cs []Contact
			for i := range 300 {
				cs = append(cs, Contact{Account: "a@x", Passport: fmt.Sprintf("c%03d@x", i), Nick: fmt.Sprintf("nick%03d", i), FriendlyName: "Friend"})
			}
			if err := s.PutContacts(ctx, cs); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			damagePage(t, path, name)

			s, err = Open(ctx, path)
			if err == nil {
				st, serr := s.AccountState(ctx, "a@x")
				s.Close()
				t.Fatalf("Open of a damaged store succeeded; AccountState = %d contacts, settings %+v, %v", len(st.Contacts), st.Settings, serr)
			}
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("error %v does not match ErrDamaged", err)
			}
			for _, want := range []string{path, "SQLite reports: ", "backup", `sqlite3 ` + path + ` ".recover" | sqlite3 NEW.db`} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}
