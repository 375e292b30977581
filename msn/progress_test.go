package msn

import (
	"reflect"
	"slices"
	"testing"
)

// With ListProgress, the contacts come in ContactsListed events as the
// list arrives, each with the lists known so far, all before
// ContactListSynced; without it, none come.
func TestListProgress(t *testing.T) {
	for _, tc := range []struct {
		v     int
		total int
		want  []ListedContact
	}{
		{12, 2, []ListedContact{
			{"bob@example.com", "Bob", ForwardList | AllowList | ReverseList, nil},
			{"carol@example.com", "Carol", ForwardList | AllowList | ReverseList, nil},
		}},
		{9, 2, []ListedContact{
			{"bob@example.com", "Bob", ForwardList | AllowList | ReverseList, nil},
			{"carol@example.com", "Carol", ForwardList | AllowList | ReverseList, nil},
		}},
		{7, 0, []ListedContact{
			{"bob@example.com", "Bob", ForwardList, nil},
			{"carol@example.com", "Carol", ForwardList, nil},
			{"bob@example.com", "Bob", ForwardList | AllowList, nil},
			{"carol@example.com", "Carol", ForwardList | AllowList, nil},
			{"bob@example.com", "Bob", ForwardList | AllowList | ReverseList, nil},
			{"carol@example.com", "Carol", ForwardList | AllowList | ReverseList, nil},
		}},
	} {
		s := loginAs(t, tc.v, func(cfg *Config) { cfg.ListProgress = true })
		var got []ListedContact
		for {
			ev := nextEvent(t, s.c)
			if l, ok := ev.(ContactsListed); ok {
				if l.Total != tc.total {
					t.Errorf("MSNP%d: total %d, want %d", tc.v, l.Total, tc.total)
				}
				got = append(got, l.Contacts...)
				continue
			}
			if ls, ok := ev.(ContactListSynced); ok {
				if !ls.Streamed || ls.Contacts != nil {
					t.Errorf("MSNP%d: ContactListSynced streamed %v with %d contacts; want streamed with none", tc.v, ls.Streamed, len(ls.Contacts))
				}
				break
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("MSNP%d: listed %+v, want %+v", tc.v, got, tc.want)
		}
		// The full records are still there to ask for.
		if cs := s.c.Contacts(); len(cs) != 2 || cs[0].Passport != "bob@example.com" || cs[1].Lists != ForwardList|AllowList|ReverseList {
			t.Errorf("MSNP%d: Contacts() = %+v", tc.v, cs)
		}
	}
	s := loginAs(t, 12, nil)
	for {
		ev := nextEvent(t, s.c)
		if _, ok := ev.(ContactsListed); ok {
			t.Fatal("ContactsListed without ListProgress")
		}
		if ls, ok := ev.(ContactListSynced); ok {
			if ls.Streamed || len(ls.Contacts) != 2 {
				t.Errorf("without ListProgress: ContactListSynced streamed %v with %d contacts; want the 2 contacts", ls.Streamed, len(ls.Contacts))
			}
			break
		}
	}
}

// newSyncingClient is a client in the middle of an MSNP12 list sync with
// ListProgress, as the SYN reply announcing n contacts leaves it.
func newSyncingClient(n int) *Client {
	c := &Client{cfg: Config{ListProgress: true}, events: newEventQueue(20),
		sync: &syncState{done: make(chan struct{}), gotReply: true, wantContacts: n}}
	c.version = 12
	c.contacts = make(map[string]*Contact, n)
	return c
}

// listedForTest plays one LST line of the sync.
func (c *Client) listedForTest(passport string, lists Lists) {
	ct := c.contactLocked(passport, true)
	ct.Lists = lists
	c.listedLocked(ct)
	c.sync.lsts++
}

// drainEvents returns the events queued so far.
func drainEvents(c *Client) []Event {
	var evs []Event
	for len(c.events.out) > 0 {
		evs = append(evs, <-c.events.out)
	}
	return evs
}

// A streamed list asks for authorization in order of address, as the
// whole list does, however the contacts were kept while it arrived.
func TestStreamedListAuthorizationRequests(t *testing.T) {
	c := newSyncingClient(4)
	c.listedForTest("zed@example.com", ReverseList)
	c.listedForTest("bob@example.com", ForwardList|AllowList|ReverseList)
	c.listedForTest("Amy@example.com", ReverseList|PendingList)
	c.listedForTest("mia@example.com", PendingList)
	sync := c.sync
	c.finishSyncLocked()
	var asked []string
	for _, ev := range drainEvents(c) {
		switch ev := ev.(type) {
		case ContactListSynced:
			if !ev.Streamed || ev.Contacts != nil {
				t.Errorf("streamed %v with %d contacts; want streamed with none", ev.Streamed, len(ev.Contacts))
			}
		case AuthorizationRequested:
			asked = append(asked, ev.Passport)
		}
	}
	if want := []string{"Amy@example.com", "mia@example.com", "zed@example.com"}; !slices.Equal(asked, want) {
		t.Errorf("authorization requests from %v, want %v", asked, want)
	}
	select {
	case <-sync.done:
	default:
		t.Error("the sync is not done")
	}
}

// Someone adding the user while the list arrives is not in ContactsListed:
// ContactListSynced then carries the whole list after all.
func TestListChangedDuringSyncSendsWholeList(t *testing.T) {
	c := newSyncingClient(1)
	c.listedForTest("bob@example.com", ForwardList|AllowList)
	c.changeListsLocked("dave@example.com", "Dave", ReverseList, 0, true)
	c.checkSyncLocked()
	var ls *ContactListSynced
	for _, ev := range drainEvents(c) {
		if ev, ok := ev.(ContactListSynced); ok {
			ls = &ev
		}
	}
	if ls == nil {
		t.Fatal("no ContactListSynced")
	}
	if ls.Streamed || len(ls.Contacts) != 2 || ls.Contacts[1].Passport != "dave@example.com" || ls.Contacts[1].Lists != ReverseList {
		t.Errorf("streamed %v, contacts %+v; want the whole list with dave", ls.Streamed, ls.Contacts)
	}
}

// A long list comes in batches, in the order the server sent it.
func TestListProgressBatches(t *testing.T) {
	c := &Client{cfg: Config{ListProgress: true}, events: newEventQueue(10), contacts: map[string]*Contact{}, sync: &syncState{wantContacts: 100}}
	c.version = 12
	for i := range 100 {
		ct := c.contactLocked(string(rune('a'+i%26))+string(rune('a'+i/26))+"@example.com", true)
		c.listedLocked(ct)
	}
	c.flushListedLocked()
	var n, batches int
	for len(c.events.out) > 0 {
		ev := <-c.events.out
		l := ev.(ContactsListed)
		if len(l.Contacts) > listBatch || l.Total != 100 {
			t.Fatalf("batch of %d, total %d", len(l.Contacts), l.Total)
		}
		n += len(l.Contacts)
		batches++
	}
	if n != 100 || batches != 4 {
		t.Errorf("%d contacts in %d batches, want 100 in 4", n, batches)
	}
}
