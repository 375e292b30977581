package bridge

import (
	"testing"
	"unsafe"

	"github.com/msn2irc/msn2irc/msn"
)

// A session holds one contact record per contact, so its size is most of
// what an idle session's contacts cost.
func TestContactSize(t *testing.T) {
	if n := unsafe.Sizeof(contact{}); n > 64 {
		t.Errorf("contact is %d bytes, want at most 64", n)
	}
}

func TestNewContactIsOffline(t *testing.T) {
	c := newContact("bob@example.com", "bob", "Bob")
	if st := c.status(); st != msn.StatusOffline {
		t.Errorf("status of a new contact = %q, want %q", st, msn.StatusOffline)
	}
	if c.online() || c.lists() != 0 || c.psm() != "" {
		t.Errorf("new contact: online %v, lists %v, psm %q; want offline on no list without a message", c.online(), c.lists(), c.psm())
	}
}

// A contact gives back every status, list set and personal message it was
// given, the unusual ones included, and keeps no side record once it
// holds only usual ones again.
func TestContactKeepsWhatItIsGiven(t *testing.T) {
	var c contact
	if c.status() != "" || c.online() {
		t.Errorf("zero contact: status %q, online %v; want unknown and offline", c.status(), c.online())
	}
	statuses := []msn.Status{msn.StatusOnline, "XYZ", msn.StatusBusy, msn.StatusIdle, msn.StatusBRB, msn.StatusAway,
		msn.StatusPhone, msn.StatusLunch, msn.StatusHidden, "", "ABC", msn.StatusOffline}
	for _, st := range statuses {
		c.setStatus(st)
		if got := c.status(); got != st {
			t.Errorf("after setStatus(%q), status() = %q", st, got)
		}
		if want := st != "" && st != msn.StatusOffline; c.online() != want {
			t.Errorf("status %q: online() = %v, want %v", st, c.online(), want)
		}
	}
	lists := []msn.Lists{msn.ForwardList | msn.AllowList, 1 << 9, msn.BlockList | msn.ReverseList | msn.PendingList,
		0xff, 0xfe, -1, 0}
	for _, l := range lists {
		c.setLists(l)
		if got := c.lists(); got != l {
			t.Errorf("after setLists(%d), lists() = %d", l, got)
		}
	}
	for _, m := range []string{"at work", "at home", ""} {
		c.setPSM(m)
		if got := c.psm(); got != m {
			t.Errorf("after setPSM(%q), psm() = %q", m, got)
		}
	}
	if c.ext != nil {
		t.Errorf("a contact with only usual values keeps a side record: %+v", *c.ext)
	}

	// Each unusual value alone, then cleared, leaves the others as they were.
	c.setPSM("brb")
	c.setStatus("XYZ")
	c.setLists(1 << 10)
	c.setStatus(msn.StatusOnline)
	if c.psm() != "brb" || c.lists() != 1<<10 || c.status() != msn.StatusOnline {
		t.Errorf("got psm %q, lists %d, status %q; want brb, %d, NLN", c.psm(), c.lists(), c.status(), 1<<10)
	}
	c.setLists(msn.ForwardList)
	if c.psm() != "brb" || c.lists() != msn.ForwardList {
		t.Errorf("got psm %q, lists %d; want brb, FL", c.psm(), c.lists())
	}
	c.setPSM("")
	if c.ext != nil {
		t.Errorf("side record kept after its last value was cleared: %+v", *c.ext)
	}
}
