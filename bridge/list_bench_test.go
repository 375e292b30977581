package bridge

import (
	"context"
	"fmt"
	"testing"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// BenchmarkDrawList measures what a first login costs the session once the
// contact list arrived: it names 1,000 new contacts, and puts them in the
// world and in &msn.
func BenchmarkDrawList(b *testing.B) {
	benchmarkDrawList(b, false)
}

// BenchmarkDrawListStreamed is BenchmarkDrawList with the list drawn in
// the batches it arrives in (msn.ContactsListed), ended by a streamed
// msn.ContactListSynced.
func BenchmarkDrawListStreamed(b *testing.B) {
	benchmarkDrawList(b, true)
}

func benchmarkDrawList(b *testing.B, streamed bool) {
	ctx := context.Background()
	store, err := db.Open(ctx, ":memory:")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	br := NewBridge(Config{Store: store, ServerName: "msn2irc"})
	b.Cleanup(func() { br.Close(ctx, "done") })
	br.SetServer(ircd.NewServer(ircd.Config{}, br))
	list := benchList(1000)
	var batches [][]msn.ListedContact
	for i := 0; i < len(list.Contacts); i += 32 {
		var batch []msn.ListedContact
		for _, c := range list.Contacts[i:min(i+32, len(list.Contacts))] {
			batch = append(batch, msn.ListedContact{Passport: c.Passport, FriendlyName: c.FriendlyName, Lists: c.Lists})
		}
		batches = append(batches, batch)
	}
	b.ReportAllocs()
	for b.Loop() {
		s := newSession(br, "alice@example.com", "pw")
		s.settings = db.DefaultSettings()
		s.world = br.srv.NewWorld(&handler{s: s})
		s.drawWorld()
		s.holdSaves = true // as start does: stored once a client has its world
		s.reserve(len(list.Contacts))
		if streamed {
			s.beginSaves() // as awaitList does: stored with the complete list
			for _, batch := range batches {
				s.drawListed(batch)
			}
			s.handleEvent(msn.ContactListSynced{Streamed: true, AllowByDefault: true})
		} else {
			s.handleEvent(list)
		}
		if _, ok := s.world.LookupUser(s.contacts["c0999@example.com"].nick); !ok {
			b.Fatal("the last contact is not drawn")
		}
		s.cancel()
	}
}

// benchList is a synced list of n contacts, sorted as msn sorts it, with
// names that need no cleaning and about a tenth of the contacts online.
func benchList(n int) msn.ContactListSynced {
	ls := msn.ContactListSynced{AllowByDefault: true}
	for i := range n {
		st := msn.StatusOffline
		if i%10 == 0 {
			st = msn.StatusOnline
		}
		ct := msn.Contact{
			Passport:     fmt.Sprintf("c%04d@example.com", i),
			FriendlyName: fmt.Sprintf("Contact %d", i),
			Lists:        msn.ForwardList | msn.AllowList | msn.ReverseList,
			GUID:         msn.ParseContactID(fmt.Sprintf("%08x-0000-0000-0000-000000000000", i)),
		}
		ct.SetStatus(st)
		ls.Contacts = append(ls.Contacts, ct)
	}
	return ls
}
