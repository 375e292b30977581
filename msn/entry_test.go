package msn

import (
	"slices"
	"testing"
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

// ListSynced is called once, before Login returns, when the list's event
// can already be read.
func TestListSyncedBeforeLoginReturns(t *testing.T) {
	calls := 0
	var synced ContactListSynced
	s := loginAs(t, 12, func(cfg *Config) {
		cfg.ListSynced = func(c *Client) {
			calls++
			synced = waitFor[ContactListSynced](t, c)
		}
	})
	if calls != 1 {
		t.Errorf("ListSynced called %d times", calls)
	}
	if len(synced.Contacts) == 0 {
		t.Errorf("the list read in ListSynced is empty: %+v", synced)
	}
	if own := waitFor[OwnProfileChanged](t, s.c); own.Status != StatusOnline {
		t.Errorf("own profile after the list = %+v", own)
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
