package ircd

import (
	"fmt"
	"testing"
	"unsafe"
)

// TestUserRecordSize keeps a world's record of a user at 96 bytes: every
// contact of every idle session has one, and at 112 bytes (ident and host
// apart) a session with 100 contacts held 1.6 KiB more.
func TestUserRecordSize(t *testing.T) {
	if n := unsafe.Sizeof(user{}); n > 96 {
		t.Errorf("user is %d bytes, want at most 96", n)
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
