package ircd

import (
	"fmt"
	"testing"
	"unsafe"
)

// TestUserRecordSize keeps a world's record of a user at 80 bytes: every
// contact of every idle session has one (the away message and metadata,
// which few users have, are kept apart; ident and host are one string).
func TestUserRecordSize(t *testing.T) {
	if n := unsafe.Sizeof(user{}); n > 80 {
		t.Errorf("user is %d bytes, want at most 80", n)
	}
}

// TestUserAwayAndMetadataApart checks that the away message and the
// metadata kept apart from the record read back as set, that a copy of
// the record keeps the away message it had, and that a user with neither
// holds nothing apart.
func TestUserAwayAndMetadataApart(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.srv.NewWorld(nil)
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "example.com", Online: true, Away: "Busy"})
	if !w.SetUserMetadata("bob", "avatar", "http://example.com/a.png") {
		t.Fatal("metadata not kept")
	}
	w.mu.Lock()
	u := w.users["bob"]
	old := *u
	u.setAway("Away")
	if old.away() != "Busy" || u.away() != "Away" || u.meta()["avatar"] != "http://example.com/a.png" {
		t.Errorf("copy away %q, user away %q, metadata %v", old.away(), u.away(), u.meta())
	}
	w.mu.Unlock()
	if got := w.UserMetadata("bob", "avatar"); got != "http://example.com/a.png" {
		t.Errorf("avatar %q after the away message changed", got)
	}
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "example.com", Online: true})
	w.SetUserMetadata("bob", "avatar", "")
	w.mu.Lock()
	defer w.mu.Unlock()
	if u := w.users["bob"]; u.ext != nil || u.away() != "" {
		t.Errorf("a user back with no metadata holds %+v apart", u.ext)
	}
}

// TestUserhostSharesAccount checks that a contact's ident@host is its
// account's string, not a copy, and that ident and host read back as set,
// an ident with an @ included.
func TestUserhostSharesAccount(t *testing.T) {
	account := "bob@hotmail.com"
	var u user
	u.set(&User{Nick: "bob", Ident: account[:3], Host: account[4:], Account: account})
	if unsafe.StringData(u.userhost) != unsafe.StringData(account) {
		t.Errorf("userhost %q is a copy of the account", u.userhost)
	}
	if u.ident() != "bob" || u.host() != "hotmail.com" {
		t.Errorf("ident %q, host %q, want bob, hotmail.com", u.ident(), u.host())
	}
	u.set(&User{Nick: "bob", Ident: "b@b", Host: "example.com", Account: account})
	if u.ident() != "b@b" || u.host() != "example.com" || u.prefix().String() != "bob!b@b@example.com" {
		t.Errorf("ident %q, host %q, prefix %s", u.ident(), u.host(), u.prefix())
	}
	if n := testing.AllocsPerRun(10, func() { u.set(&User{Nick: "bob", Ident: "b@b", Host: "example.com", Account: account}) }); n != 0 {
		t.Errorf("setting an unchanged ident and host allocates %v times", n)
	}
}

// TestReservedWorldKeepsNoSpareRoom draws a contact list the way the
// bridge does (the channel first, then room for the list, then the users
// in batches) and checks that the channel's member list holds no room
// beyond its members: growing by doubling left an idle world with up to
// twice the room it used.
func TestReservedWorldKeepsNoSpareRoom(t *testing.T) {
	e := newEnv(t, Config{})
	w := e.srv.NewWorld(nil)
	w.SetUser(User{Nick: "msn", Online: true})
	w.OpenChannel("&msn", "", true, []Member{{Nick: "msn", Op: true}})
	const n = 100
	w.Reserve("&msn", n+1)
	for b := 0; b < n; b += 25 {
		var batch []ChannelUser
		for i := b; i < b+25; i++ {
			nick := fmt.Sprintf("contact%03d", i)
			batch = append(batch, ChannelUser{User: User{Nick: nick, Ident: nick, Host: "example.com"}, In: true})
		}
		w.SetUsers("&msn", batch)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := w.channels["&msn"]
	if len(ch.members) != n+1 || cap(ch.members) != n+1 {
		t.Errorf("&msn has %d members in room for %d, want %d in %d", len(ch.members), cap(ch.members), n+1, n+1)
	}
	if len(w.users) != n+1 {
		t.Errorf("%d users, want %d", len(w.users), n+1)
	}
}
