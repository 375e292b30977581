package msn

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A contact id comes back exactly as the server spelled it, whatever its form.
func TestContactIDKeptAsSpelled(t *testing.T) {
	c := &Client{contacts: map[string]*entry{}}
	for _, id := range []string{
		"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		"0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0",
		"0F1E2D3C-4b5a-6978-8796-a5b4c3d2e1f0", // mixed case
		"12345",
		"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg",
		"0f1e2d3c4b5a-6978-8796-a5b4c3d2e1f0-",
	} {
		e := c.contactLocked("Bob@Example.com", true)
		c.setGUIDLocked(e, id)
		if got := e.snapshot(c.oddGUIDs).GUID; got != id {
			t.Errorf("id %q kept as %q", id, got)
		}
		if !c.guidIsLocked(e, id) {
			t.Errorf("id %q does not match itself", id)
		}
		if c.guidIsLocked(e, "00000000-0000-0000-0000-000000000000") {
			t.Errorf("id %q matches another", id)
		}
	}
	e := c.contactLocked("bob@example.com", false)
	c.setGUIDLocked(e, "")
	if got := e.snapshot(c.oddGUIDs).GUID; got != "" || len(c.oddGUIDs) != 0 {
		t.Errorf("cleared id reads %q, odd ids %v", got, c.oddGUIDs)
	}
}

func TestContactGroupsAndName(t *testing.T) {
	e := &entry{passport: "bob@example.com", name: "bob@example.com"}
	e.setGroups("1,,2,")
	if got := e.snapshot(nil).Groups; !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("groups %q", got)
	}
	e.setGroups("")
	if got := e.snapshot(nil).Groups; got != nil {
		t.Errorf("no groups read %q", got)
	}
	e.setName("Bob")
	e.setName("bob@example.com")
	if got := e.snapshot(nil).FriendlyName; got != "bob@example.com" {
		t.Errorf("name %q", got)
	}
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
	c := &Client{contacts: map[string]*entry{}}
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
