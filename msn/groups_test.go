package msn_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// The account's groups and each contact's groups arrive at every version
// that lists them: by small numeric ids at MSNP8 and MSNP9 (LSG n name 0,
// the LST group field), by GUIDs at MSNP10-12, from the address book at
// MSNP13+. A contact's group ids name the account's groups; a Yahoo
// contact is on the list wherever the server lists it (SYN at MSNP8 and
// MSNP9, the address book at MSNP13+), known as Yahoo where the protocol
// says so (MSNP13+).
func TestMatrixGroupsAndYahoo(t *testing.T) {
	for _, v := range []int{8, 9, 10, 12, 15, 18} {
		ver := fmt.Sprintf("MSNP%d", v)
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{})
			friends, err := srv.AddGroup("alice@example.com", "Friends")
			if err != nil {
				t.Fatal(err)
			}
			work, err := srv.AddGroup("alice@example.com", "Work Mates")
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.AddYahooContact("alice@example.com", "yuki@yahoo.com", "Yuki Y"); err != nil {
				t.Fatal(err)
			}
			for _, p := range []struct{ contact, group string }{
				{"bob@example.com", friends}, {"bob@example.com", work}, {"yuki@yahoo.com", friends},
			} {
				if err := srv.PutInGroup("alice@example.com", p.contact, p.group); err != nil {
					t.Fatal(err)
				}
			}
			alice := login(t, srv, "alice@example.com", ver)
			synced := waitEv[msn.ContactListSynced](t, alice, nil)

			names := map[string]string{} // group id -> name
			for _, g := range synced.Groups {
				names[g.ID] = g.Name
			}
			groupsOf := func(passport string) []string {
				ct, ok := alice.Contact(passport)
				if !ok {
					t.Fatalf("%s not on the contact list", passport)
				}
				var out []string
				for _, id := range ct.Groups {
					if names[id] == "" {
						t.Errorf("%s: group id %q names none of the account's groups %+v", passport, id, synced.Groups)
					}
					out = append(out, names[id])
				}
				slices.Sort(out)
				return out
			}
			if got := groupsOf("bob@example.com"); !slices.Equal(got, []string{"Friends", "Work Mates"}) {
				t.Errorf("bob's groups = %q, want Friends and Work Mates", got)
			}
			if got := groupsOf("carol@example.com"); len(got) != 0 {
				t.Errorf("carol, in no group: groups %q", got)
			}

			yuki, listed := alice.Contact("yuki@yahoo.com")
			wantListed := v <= 9 || v >= 13
			if listed != wantListed {
				t.Fatalf("Yahoo contact listed = %v, want %v", listed, wantListed)
			}
			if !listed {
				return
			}
			if got := groupsOf("yuki@yahoo.com"); !slices.Equal(got, []string{"Friends"}) {
				t.Errorf("yuki's groups = %q, want Friends", got)
			}
			if yuki.FriendlyName != "Yuki Y" || yuki.Lists&msn.ForwardList == 0 {
				t.Errorf("yuki = %+v, want name \"Yuki Y\" on the forward list", yuki)
			}
			if v >= 13 && yuki.Network != msn.NetworkYahoo {
				t.Errorf("yuki's network = %d, want %d", yuki.Network, msn.NetworkYahoo)
			}
		})
	}
}
