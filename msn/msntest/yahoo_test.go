package msntest

import (
	"strconv"
	"testing"
)

// At MSNP8 and MSNP9 Escargot lists every contact of the account in SYN,
// whatever its network: a Yahoo contact is an LST line like any other,
// without a network id (the protocol has none before MSNP12). The
// account's groups follow "Other Contacts" (id 0) with their small
// numeric ids, counted in SYN, and each forward-list contact names its
// groups by those ids ("0" when in none).
func TestYahooAndGroupsAtMSNP8And9(t *testing.T) {
	for _, ver := range []int{8, 9} {
		t.Run("MSNP"+strconv.Itoa(ver), func(t *testing.T) {
			s := newServer(t, Options{})
			friends, err := s.AddGroup("alice@example.com", "Friends")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddGroup("alice@example.com", "Work Mates"); err != nil {
				t.Fatal(err)
			}
			if err := s.AddYahooContact("alice@example.com", "yuki@yahoo.com", "Yuki Y"); err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{"bob@example.com", "yuki@yahoo.com"} {
				if err := s.PutInGroup("alice@example.com", c, friends); err != nil {
					t.Fatal(err)
				}
			}
			alice, tr := login(t, s, "alice/NS", ver, "alice@example.com", "secret123", "Alice")
			alice.send(synCmd(ver, tr))
			alice.expect("SYN " + strconv.Itoa(tr) + " 1 3 3")
			alice.expect("GTC A")
			alice.expect("BLP AL")
			alice.expect("LSG 0 Other%20Contacts 0")
			alice.expect("LSG 1 Friends 0")
			alice.expect("LSG 2 Work%20Mates 0")
			alice.expect("LST bob@example.com Bob 11 1")
			alice.expect("LST carol@example.com Carol 11 0")
			alice.expect("LST yuki@yahoo.com Yuki%20Y 1 1")
			alice.ping(ver)
		})
	}
}

// At MSNP7 SYN lists the account's groups after "Other Contacts" (id 0),
// numbered within the LSG count, and each forward-list LST line ends with
// the contact's group ids, "0" when in none (msnp.md, MSNP7; the MSNP7
// transcript's "LSG 6 1 1 1 0 Other%20Contacts 0" and "... Alice 0" are
// the shape for an account without groups).
func TestGroupsAtMSNP7(t *testing.T) {
	s := newServer(t, Options{})
	friends, err := s.AddGroup("alice@example.com", "Friends")
	if err != nil {
		t.Fatal(err)
	}
	work, err := s.AddGroup("alice@example.com", "Work Mates")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{friends, work} {
		if err := s.PutInGroup("alice@example.com", "bob@example.com", g); err != nil {
			t.Fatal(err)
		}
	}
	alice, tr := login(t, s, "alice/NS", 7, "alice@example.com", "secret123", "Alice")
	t7 := strconv.Itoa(tr)
	alice.send(synCmd(7, tr))
	for _, l := range []string{
		"SYN " + t7 + " 1", "GTC " + t7 + " 1 A", "BLP " + t7 + " 1 AL",
		"LSG " + t7 + " 1 1 3 0 Other%20Contacts 0",
		"LSG " + t7 + " 1 2 3 1 Friends 0",
		"LSG " + t7 + " 1 3 3 2 Work%20Mates 0",
		"LST " + t7 + " FL 1 1 2 bob@example.com Bob 1,2",
		"LST " + t7 + " FL 1 2 2 carol@example.com Carol 0",
		"LST " + t7 + " AL 1 1 2 bob@example.com Bob",
	} {
		alice.expect(l)
	}
}
