package msn

import (
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
			{"bob@example.com", "Bob", ForwardList | AllowList | ReverseList},
			{"carol@example.com", "Carol", ForwardList | AllowList | ReverseList},
		}},
		{9, 2, []ListedContact{
			{"bob@example.com", "Bob", ForwardList | AllowList | ReverseList},
			{"carol@example.com", "Carol", ForwardList | AllowList | ReverseList},
		}},
		{7, 0, []ListedContact{
			{"bob@example.com", "Bob", ForwardList},
			{"carol@example.com", "Carol", ForwardList},
			{"bob@example.com", "Bob", ForwardList | AllowList},
			{"carol@example.com", "Carol", ForwardList | AllowList},
			{"bob@example.com", "Bob", ForwardList | AllowList | ReverseList},
			{"carol@example.com", "Carol", ForwardList | AllowList | ReverseList},
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
			if _, ok := ev.(ContactListSynced); ok {
				break
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("MSNP%d: listed %+v, want %+v", tc.v, got, tc.want)
		}
	}
	s := loginAs(t, 12, nil)
	for {
		ev := nextEvent(t, s.c)
		if _, ok := ev.(ContactsListed); ok {
			t.Fatal("ContactsListed without ListProgress")
		}
		if _, ok := ev.(ContactListSynced); ok {
			break
		}
	}
}

// A long list comes in batches, in the order the server sent it.
func TestListProgressBatches(t *testing.T) {
	c := &Client{cfg: Config{ListProgress: true}, events: newEventQueue(10, nil), contacts: map[string]*entry{}, sync: &syncState{wantContacts: 100}}
	c.version = 12
	for i := range 100 {
		e := c.contactLocked(string(rune('a'+i%26))+string(rune('a'+i/26))+"@example.com", true)
		c.listedLocked(e)
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
