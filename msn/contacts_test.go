package msn

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// The contact list as a whole says of every contact what asking for that
// contact alone says: ids of every form, groups or none, in passport order;
// and changing one contact's groups leaves the others' alone.
func TestContactsMatchOneByOne(t *testing.T) {
	c := &Client{contacts: map[string]*entry{}}
	ids := []string{
		"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		"0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0",
		"12345",
		"",
	}
	groups := []string{"", "1", "2,3", "4,,5,"}
	for i := range 20 {
		e := c.contactLocked(fmt.Sprintf("Contact%02d@Example.com", (i*7)%20), true)
		e.setLists(ForwardList | AllowList)
		e.setName(fmt.Sprintf("Name %d", i))
		c.setGUIDLocked(e, ids[i%len(ids)])
		e.setGroups(groups[i%len(groups)])
		if i%3 == 0 {
			e.setStatus(StatusBusy)
			e.clientID = 42
			e.setPSM("out")
		}
	}
	all := c.contactsLocked()
	if len(all) != 20 {
		t.Fatalf("%d contacts, want 20", len(all))
	}
	for i, ct := range all {
		if want := fmt.Sprintf("Contact%02d@Example.com", i); ct.Passport != want {
			t.Fatalf("contact %d is %s, want %s", i, ct.Passport, want)
		}
		one, ok := c.Contact(ct.Passport)
		if !ok || one.GUID != ct.GUID || !slices.Equal(one.Groups, ct.Groups) || one.FriendlyName != ct.FriendlyName ||
			one.Lists != ct.Lists || one.Status != ct.Status || one.ClientID != ct.ClientID || one.PersonalMessage != ct.PersonalMessage {
			t.Errorf("list says %+v, contact alone %+v", ct, one)
		}
	}
	grown := slices.IndexFunc(all, func(ct Contact) bool { return ct.Groups != nil })
	all[grown].Groups = append(all[grown].Groups, "x")
	for i, ct := range all {
		if i != grown && slices.Contains(ct.Groups, "x") {
			t.Errorf("appending to one contact's groups changed %s's: %q", ct.Passport, ct.Groups)
		}
	}
}

// What only some contacts have (groups, a personal message, a status the
// client does not know) reads back as set, and a contact that no longer
// has any of it keeps nothing for it.
func TestEntryKeepsWhatFewHave(t *testing.T) {
	e := &entry{passport: "bob@example.com", name: "bob@example.com"}
	check := func(step string, status Status, psm string, groups []string) {
		t.Helper()
		ct := e.snapshot(nil)
		if ct.Status != status || ct.PersonalMessage != psm || !slices.Equal(ct.Groups, groups) {
			t.Errorf("%s: status %q, message %q, groups %q; want %q, %q, %q", step, ct.Status, ct.PersonalMessage, ct.Groups, status, psm, groups)
		}
	}
	check("new", StatusOffline, "", nil)
	e.setStatus("XYZ")
	e.setPSM("gone fishing")
	e.setGroups("1,2")
	check("set", "XYZ", "gone fishing", []string{"1", "2"})
	e.setStatus(StatusAway)
	check("known status", StatusAway, "gone fishing", []string{"1", "2"})
	e.setPSM("")
	e.setGroups("")
	check("cleared", StatusAway, "", nil)
	if e.more != nil {
		t.Errorf("a contact with nothing more keeps %+v", *e.more)
	}
	for _, st := range knownStatuses {
		e.setStatus(st)
		check(string(st), st, "", nil)
	}
	for _, l := range []Lists{ForwardList | AllowList | ReverseList, 254, 255, 1 << 40, -1, 0, ForwardList} {
		e.setLists(l)
		if got := e.snapshot(nil).Lists; got != l {
			t.Errorf("lists %d read back as %d", l, got)
		}
	}
	if e.more != nil {
		t.Errorf("a contact on a few lists keeps %+v", *e.more)
	}
}

// Contacts are found whatever the case of the address asked for, added and
// removed after the list sync as during it, and listed in order of
// lower-cased address.
func TestContactTable(t *testing.T) {
	c := &Client{}
	c.resetContactsLocked(4)
	model := map[string]string{} // lower-cased passport: passport
	add := func(p string) {
		t.Helper()
		e := c.contactLocked(p, true)
		if _, ok := model[strings.ToLower(p)]; !ok {
			model[strings.ToLower(p)] = p
		}
		if e.passport != model[strings.ToLower(p)] {
			t.Fatalf("adding %s found %s", p, e.passport)
		}
	}
	check := func(step string) {
		t.Helper()
		for k, p := range model {
			for _, q := range []string{k, strings.ToUpper(k), p} {
				if e := c.contactLocked(q, false); e == nil || e.passport != p {
					t.Fatalf("%s: %s not found as %s", step, p, q)
				}
			}
		}
		if c.contactLocked("nobody@example.com", false) != nil {
			t.Fatalf("%s: found someone not there", step)
		}
		var got []string
		for _, ct := range c.contactsLocked() {
			got = append(got, ct.Passport)
		}
		want := slices.Sorted(maps.Keys(model))
		for i := range want {
			want[i] = model[want[i]]
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: listed %q, want %q", step, got, want)
		}
	}
	for _, p := range []string{"bob@example.com", "Alice@Example.com", "ÉMILE@example.com", "zed@example.com", "BOB@example.com"} {
		add(p)
	}
	check("during the sync")
	for _, p := range []string{"Carol@example.com", "aaron@example.com", "émile@EXAMPLE.com", "zz@example.com", "Ångström@example.com", "b@example.com"} {
		add(p)
		check("after adding " + p)
	}
	for _, p := range []string{"ALICE@example.com", "zz@example.com", "ångström@example.com", "nobody@example.com"} {
		c.removeLocked(p)
		delete(model, strings.ToLower(p))
		check("after removing " + p)
	}
	c.resetContactsLocked(0)
	clear(model)
	check("after a new sync")
}

// compareFolded orders as lower-casing both strings would.
func FuzzCompareFolded(f *testing.F) {
	for _, s := range [][2]string{{"a", "B"}, {"Bob@x", "bob@x"}, {"ab", "a"}, {"É", "é"}, {"a\xff", "A"}, {"", "x"}, {"[", "a"}, {"_", "A"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := compareFolded(a, b), strings.Compare(strings.ToLower(a), strings.ToLower(b)); got != want {
			t.Fatalf("compareFolded(%q, %q) = %d, want %d", a, b, got, want)
		}
	})
}
