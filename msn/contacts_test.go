package msn

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// The contact list as a whole says of every contact what asking for that
// contact alone says: ids of every form, groups or none, in passport order;
// and changing one contact's groups leaves the others' alone.
func TestContactsMatchOneByOne(t *testing.T) {
	c := &Client{contacts: map[string]*Contact{}}
	ids := []string{
		"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		"0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0",
		"12345",
		"",
	}
	groups := []string{"", "1", "2,3", "4,,5,"}
	for i := range 20 {
		ct := c.contactLocked(fmt.Sprintf("Contact%02d@Example.com", (i*7)%20), true)
		ct.Lists = ForwardList | AllowList
		ct.FriendlyName = fmt.Sprintf("Name %d", i)
		ct.GUID = ParseContactID(ids[i%len(ids)])
		ct.Groups = splitGroups(groups[i%len(groups)])
		if i%3 == 0 {
			ct.status = codeOf(StatusBusy)
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
			one.Lists != ct.Lists || one.Status() != ct.Status() {
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

// Group ids arrive comma-separated; empty ones are left out.
func TestSplitGroups(t *testing.T) {
	for in, want := range map[string][]string{"": nil, "1": {"1"}, "1,,2,": {"1", "2"}, ",": nil} {
		if got := splitGroups(in); !slices.Equal(got, want) {
			t.Errorf("splitGroups(%q) = %q, want %q", in, got, want)
		}
	}
}

// Contacts are found whatever the case of the address asked for, added and
// removed after the list sync as during it, and listed in order of
// lower-cased address.
func TestContactTable(t *testing.T) {
	c := &Client{contacts: map[string]*Contact{}}
	model := map[string]string{} // lower-cased passport: passport
	add := func(p string) {
		t.Helper()
		ct := c.contactLocked(p, true)
		if _, ok := model[strings.ToLower(p)]; !ok {
			model[strings.ToLower(p)] = p
		}
		if ct.Passport != model[strings.ToLower(p)] {
			t.Fatalf("adding %s found %s", p, ct.Passport)
		}
	}
	check := func(step string) {
		t.Helper()
		for k, p := range model {
			for _, q := range []string{k, strings.ToUpper(k), p} {
				if ct := c.contactLocked(q, false); ct == nil || ct.Passport != p {
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
	check("first ones")
	for _, p := range []string{"Carol@example.com", "aaron@example.com", "émile@EXAMPLE.com", "zz@example.com", "Ångström@example.com", "b@example.com"} {
		add(p)
		check("after adding " + p)
	}
	for _, p := range []string{"ALICE@example.com", "zz@example.com", "ångström@example.com", "nobody@example.com"} {
		c.removeLocked(p)
		delete(model, strings.ToLower(p))
		check("after removing " + p)
	}
	c.contacts = map[string]*Contact{}
	clear(model)
	check("after a new sync")
}

// Started is called once, with the client Login then returns, before it
// connects: the list's event can be read from another goroutine as Login
// runs, and it precedes the client going online.
func TestStartedGivesTheClientBeforeLogin(t *testing.T) {
	var calls atomic.Int32
	clients := make(chan *Client, 1)
	listed := make(chan ContactListSynced, 1)
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	s := loginAs(t, 12, func(cfg *Config) {
		cfg.Started = func(c *Client) {
			calls.Add(1)
			clients <- c
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ev := range c.Events() {
					if ls, ok := ev.(ContactListSynced); ok {
						listed <- ls
						return
					}
				}
			}()
		}
	})
	if n := calls.Load(); n != 1 {
		t.Errorf("Started called %d times", n)
	}
	if c := <-clients; c != s.c {
		t.Errorf("Started got another client than Login returned")
	}
	select {
	case ls := <-listed:
		if len(ls.Contacts) != 2 {
			t.Errorf("the list read while logging in: %+v", ls)
		}
	case <-time.After(ioTimeout):
		t.Fatal("no ContactListSynced read from the started client")
	}
	if own := waitFor[OwnProfileChanged](t, s.c); own.Status != StatusOnline {
		t.Errorf("own profile after the list = %+v", own)
	}
}

// A client whose login fails was started too; its events end.
func TestStartedClientEventsEndWhenLoginFails(t *testing.T) {
	srv := newFakeServer(t)
	started := make(chan *Client, 1)
	cfg := testConfig(srv.addr(), nil, "MSNP7")
	cfg.Started = func(c *Client) { started <- c }
	res := startLogin(t, cfg, "")
	p := srv.accept()
	p.expect("VER 1 MSNP7 CVR0")
	p.send("VER 1 0")
	if _, err := waitLogin(t, res); err == nil {
		t.Fatal("login with no common version succeeded")
	}
	c := <-started
	for ev := range c.Events() {
		if _, ok := ev.(Disconnected); ok {
			t.Errorf("a failed login reported %T", ev)
		}
	}
}

// Contacts come sorted by lower-cased address, each spelled as the server
// spelled it.
func TestContactsSortedByLowerCasedAddress(t *testing.T) {
	c := &Client{contacts: map[string]*Contact{}}
	for _, p := range []string{"bob@example.com", "Alice@example.com", "carol@Example.com", "ALBERT@example.com"} {
		c.contactLocked(p, true)
	}
	var got []string
	for _, ct := range c.Contacts() {
		got = append(got, ct.Passport)
	}
	want := []string{"ALBERT@example.com", "Alice@example.com", "bob@example.com", "carol@Example.com"}
	if !slices.Equal(got, want) {
		t.Errorf("contacts in order %q, want %q", got, want)
	}
}

// The client keeps a Contact for every contact for as long as the session
// lasts (a thousand sessions of a hundred contacts hold 100,000): the
// record stays within 80 bytes, the size class it is allocated in, with
// the display picture kept apart and the status as a code.
func TestContactRecordSize(t *testing.T) {
	if n := unsafe.Sizeof(Contact{}); n > 80 {
		t.Errorf("Contact is %d bytes, want at most 80", n)
	}
}

// A contact's record reads back the status its last presence gave: FLN
// before any, each known status as sent, and NLN for one the client does
// not know (the event has it as sent).
func TestContactStatusFollowsPresence(t *testing.T) {
	c := &Client{contacts: map[string]*Contact{}, events: newEventQueue(16)}
	c.contactLocked("bob@example.com", true)
	if ct, _ := c.Contact("bob@example.com"); ct.Status() != StatusOffline {
		t.Errorf("status before any presence = %q, want FLN", ct.Status())
	}
	for _, st := range []Status{StatusOnline, StatusBusy, StatusIdle, StatusBRB, StatusAway, StatusPhone, StatusLunch, "XYZ"} {
		c.onPresence([]string{string(st), "bob@example.com", "Bob", "0"}, false)
		want := st
		if st == "XYZ" {
			want = StatusOnline
		}
		if ct, _ := c.Contact("bob@example.com"); ct.Status() != want {
			t.Errorf("status after %s = %q, want %q", st, ct.Status(), want)
		}
	}
	c.onOffline(&Command{Name: "FLN", Params: []string{"bob@example.com"}})
	if ct, _ := c.Contact("bob@example.com"); ct.Status() != StatusOffline {
		t.Errorf("status after FLN = %q, want FLN", ct.Status())
	}
}

// A contact's display picture is the one its last presence gave: kept
// apart from the record, it is replaced by the next, cleared by a presence
// without one, and forgotten with the contact.
func TestContactPictureFollowsPresence(t *testing.T) {
	c := &Client{contacts: map[string]*Contact{}, events: newEventQueue(16)}
	c.contactLocked("Bob@example.com", true)
	c.contactLocked("carol@example.com", true)
	obj := func(sha string) string {
		return url.PathEscape(`<msnobj Creator="bob@example.com" Size="10" Type="3" Location="0" Friendly="AAA=" SHA1D="` + sha + `" SHA1C="x"/>`)
	}
	c.onPresence([]string{"NLN", "bob@example.com", "Bob", "0", obj("one=")}, true)
	if pic, ok := c.Picture("BOB@example.com"); !ok || pic.SHA1D != "one=" {
		t.Fatalf("picture after the first presence = %+v, %v; want SHA1D one=", pic, ok)
	}
	if _, ok := c.Picture("carol@example.com"); ok {
		t.Errorf("carol shows a picture she never gave")
	}
	c.onPresence([]string{"AWY", "bob@example.com", "Bob", "0", obj("two=")}, false)
	if pic, ok := c.Picture("bob@example.com"); !ok || pic.SHA1D != "two=" {
		t.Errorf("picture after the second presence = %+v, %v; want SHA1D two=", pic, ok)
	}
	c.onPresence([]string{"NLN", "bob@example.com", "Bob", "0"}, false)
	if pic, ok := c.Picture("bob@example.com"); ok {
		t.Errorf("picture after a presence without one = %+v, want none", pic)
	}
	c.onPresence([]string{"NLN", "bob@example.com", "Bob", "0", obj("three=")}, false)
	c.removeLocked("bob@example.com")
	if pic, ok := c.Picture("bob@example.com"); ok {
		t.Errorf("picture of a removed contact = %+v, want none", pic)
	}
}
