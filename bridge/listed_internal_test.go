package bridge

import (
	"context"
	"testing"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// newDrawSession is a session with a world and no MSN client, as awaitList
// has it when the contact list begins to arrive.
func newDrawSession(t *testing.T) *session {
	t.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	br := NewBridge(Config{Store: store, ServerName: "msn2irc"})
	t.Cleanup(func() { br.Close(ctx, "done") })
	br.SetServer(ircd.NewServer(ircd.Config{}, br))
	s := newSession(br, "alice@example.com", "pw")
	t.Cleanup(s.cancel)
	s.settings = db.DefaultSettings()
	s.settings.ShowOffline = true
	s.world = br.srv.NewWorld(&handler{s: s})
	s.drawWorld()
	s.beginSaves()
	return s
}

// The complete list wins over what its batches showed: a contact whose
// name, lists or status changed in between is shown as the complete list
// has it, one that did not change stays as drawn, and one the batches did
// not have is added.
func TestCompleteListRedrawsWhatChanged(t *testing.T) {
	s := newDrawSession(t)
	both := msn.ForwardList | msn.AllowList
	s.drawListed([]msn.ListedContact{
		{Passport: "same@example.com", FriendlyName: "Same", Lists: both},
		{Passport: "renamed@example.com", FriendlyName: "Old", Lists: both},
		{Passport: "dropped@example.com", FriendlyName: "Dropped", Lists: both},
		{Passport: "online@example.com", FriendlyName: "Online", Lists: both},
		{Passport: "dirty@example.com", FriendlyName: "Dirty", Lists: both},
	})
	busy := msn.Contact{Passport: "online@example.com", FriendlyName: "Online", Lists: both}
	busy.SetStatus(msn.StatusBusy)
	s.handleEvent(msn.ContactListSynced{Contacts: []msn.Contact{
		{Passport: "same@example.com", FriendlyName: "Same", Lists: both},
		{Passport: "renamed@example.com", FriendlyName: "New", Lists: both},
		{Passport: "dropped@example.com", FriendlyName: "Dropped", Lists: msn.AllowList},
		busy,
		{Passport: "dirty@example.com", FriendlyName: "Dirty\x01", Lists: both},
		{Passport: "late@example.com", FriendlyName: "Late", Lists: both},
	}})
	member := func(passport string) (ircd.User, bool, bool) {
		t.Helper()
		c := s.contacts[passport]
		if c == nil {
			t.Fatalf("%s is not a contact", passport)
		}
		u, ok := s.world.LookupUser(c.nick)
		return u, ok, c.inChannel
	}
	for _, tc := range []struct {
		passport, realname string
		inChannel, online  bool
	}{
		{"same@example.com", "Same", true, false},
		{"renamed@example.com", "New", true, false},
		{"dropped@example.com", "Dropped", false, false},
		{"online@example.com", "Online", true, true},
		{"dirty@example.com", "Dirty", true, false},
		{"late@example.com", "Late", true, false},
	} {
		u, ok, in := member(tc.passport)
		if !ok {
			t.Errorf("%s is not a user of the world", tc.passport)
			continue
		}
		if u.Realname != tc.realname || in != tc.inChannel || u.Online != tc.online {
			t.Errorf("%s: realname %q, in &msn %v, online %v; want %q, %v, %v", tc.passport, u.Realname, in, u.Online, tc.realname, tc.inChannel, tc.online)
		}
	}
}

// Before MSNP8 a contact comes once per list it is on, each time with the
// lists known so far, in the same batch or a later one: it is drawn once,
// in &msn when it is on the forward list, and a contact only on the
// reverse list is a user but not a member.
func TestListedOncePerList(t *testing.T) {
	s := newDrawSession(t)
	s.drawListed([]msn.ListedContact{
		{Passport: "bob@example.com", FriendlyName: "Bob", Lists: msn.ForwardList},
		{Passport: "carol@example.com", FriendlyName: "Carol", Lists: msn.ForwardList},
		{Passport: "bob@example.com", FriendlyName: "Bob", Lists: msn.ForwardList | msn.AllowList},
	})
	s.drawListed([]msn.ListedContact{
		{Passport: "carol@example.com", FriendlyName: "Carol", Lists: msn.ForwardList | msn.AllowList},
		{Passport: "dave@example.com", FriendlyName: "Dave", Lists: msn.ReverseList},
		{Passport: "bob@example.com", FriendlyName: "Bob", Lists: msn.ForwardList | msn.AllowList | msn.ReverseList},
	})
	names := map[string]int{}
	for _, m := range s.world.Members(ContactsChannel) {
		names[m.Nick]++
	}
	for _, p := range []string{"bob@example.com", "carol@example.com"} {
		if n := names[s.contacts[p].nick]; n != 1 {
			t.Errorf("%s is in &msn %d times, want once: %v", p, n, names)
		}
	}
	dave := s.contacts["dave@example.com"]
	if _, ok := s.world.LookupUser(dave.nick); !ok || names[dave.nick] != 0 || dave.inChannel {
		t.Errorf("dave (reverse list only): user %v, in &msn %d; want a user outside &msn", ok, names[dave.nick])
	}
	if got := s.contacts["bob@example.com"].lists(); got != msn.ForwardList|msn.AllowList|msn.ReverseList {
		t.Errorf("bob's lists are %v", got)
	}
}

// A streamed list (msn.ContactListSynced.Streamed) is what its batches
// showed: the contacts drawn stay as drawn, and a contact known from
// before that none of the batches had is no longer on any list.
func TestStreamedListEndsWithItsBatches(t *testing.T) {
	s := newDrawSession(t)
	both := msn.ForwardList | msn.AllowList
	stale := s.ensureContact("stale@example.com", "Stale") // stored by an earlier login
	stale.setLists(both)
	s.refresh(stale)
	s.drawListed([]msn.ListedContact{
		{Passport: "bob@example.com", FriendlyName: "Bob", Lists: both},
		{Passport: "carol@example.com", FriendlyName: "Carol", Lists: msn.ReverseList},
	})
	s.handleEvent(msn.ContactListSynced{Streamed: true})
	if !s.synced {
		t.Fatal("the session is not synced after the streamed list")
	}
	members := map[string]bool{}
	for _, m := range s.world.Members(ContactsChannel) {
		members[m.Nick] = true
	}
	bob, carol := s.contacts["bob@example.com"], s.contacts["carol@example.com"]
	if !members[bob.nick] || bob.lists() != both {
		t.Errorf("bob: in &msn %v, lists %v; want in &msn on %v", members[bob.nick], bob.lists(), both)
	}
	if _, ok := s.world.LookupUser(carol.nick); !ok || members[carol.nick] {
		t.Errorf("carol (reverse list only): user %v, in &msn %v; want a user outside &msn", ok, members[carol.nick])
	}
	if members[stale.nick] || stale.lists() != 0 {
		t.Errorf("stale: in &msn %v, lists %v; want on no list and out of &msn", members[stale.nick], stale.lists())
	}
	for _, c := range s.contacts {
		if c.drawn || c.listed {
			t.Errorf("%s still marked drawn %v, listed %v", c.passport, c.drawn, c.listed)
		}
	}
}
