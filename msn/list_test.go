package msn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// async runs f in the background and returns its error channel.
func async(f func(ctx context.Context) error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f(context.Background()) }()
	return ch
}

func wantNil(t *testing.T, ch <-chan error) {
	t.Helper()
	if err := <-ch; err != nil {
		t.Fatal(err)
	}
}

func TestContactManagementMSNP7(t *testing.T) {
	s := loginAs(t, 7, nil)
	c := s.c
	waitFor[ContactListSynced](t, c)

	done := async(func(ctx context.Context) error { return c.AddContact(ctx, "dave@example.com") })
	s.exchange("ADD {tr} FL dave@example.com dave@example.com 0", "ADD {tr} FL 3 dave@example.com dave@example.com 0")
	s.exchange("ADD {tr} AL dave@example.com dave@example.com", "ADD {tr} AL 4 dave@example.com dave@example.com")
	wantNil(t, done)
	if ev := waitFor[ContactListChanged](t, c); ev.Contact.Passport != "dave@example.com" || ev.Added != ForwardList || ev.Contact.Lists != ForwardList {
		t.Errorf("first change = %+v", ev)
	}
	if ev := waitFor[ContactListChanged](t, c); ev.Added != AllowList || ev.Contact.Lists != ForwardList|AllowList {
		t.Errorf("second change = %+v", ev)
	}

	// Escargot answers REM FL with 205 although the removal worked.
	done = async(func(ctx context.Context) error { return c.RemoveContact(ctx, "dave@example.com") })
	s.exchange("REM {tr} FL dave@example.com", "205 {tr}")
	wantNil(t, done)
	if ev := waitFor[ContactListChanged](t, c); ev.Removed != ForwardList || ev.Contact.Lists != AllowList {
		t.Errorf("remove = %+v", ev)
	}

	// Block: off the allow list, onto the block list.
	done = async(func(ctx context.Context) error { return c.Block(ctx, "dave@example.com") })
	s.exchange("REM {tr} AL dave@example.com", "REM {tr} AL 5 dave@example.com")
	s.exchange("ADD {tr} BL dave@example.com dave@example.com", "ADD {tr} BL 6 dave@example.com dave@example.com")
	wantNil(t, done)
	if ct, ok := c.Contact("dave@example.com"); !ok || ct.Lists != BlockList {
		t.Errorf("dave = %+v", ct)
	}

	// A server error other than the quirk is reported.
	done = async(func(ctx context.Context) error { return c.AddContact(ctx, "nobody@example.com") })
	s.exchange("ADD {tr} FL nobody@example.com nobody@example.com 0", "205 {tr}")
	if err := <-done; err == nil {
		t.Fatal("ADD of an unknown account succeeded")
	} else if se := (*ServerError)(nil); !errors.As(err, &se) || se.Code != 205 || ErrorText(205) != "user does not exist" {
		t.Fatalf("err = %v", err)
	}
}

// At MSNP8 and MSNP9 a contact is added to the forward list in the
// default group, by its number 0, and taken off by passport; the new
// contact is in none of the user's groups.
func TestContactManagementMSNP8And9(t *testing.T) {
	for _, v := range []int{8, 9} {
		s := loginAs(t, v, nil)
		c := s.c
		waitFor[ContactListSynced](t, c)

		done := async(func(ctx context.Context) error { return c.AddContact(ctx, "dave@example.com") })
		s.exchange("ADD {tr} FL dave@example.com dave@example.com 0", "ADD {tr} FL 3 dave@example.com dave@example.com 0")
		s.exchange("ADD {tr} AL dave@example.com dave@example.com", "ADD {tr} AL 4 dave@example.com dave@example.com")
		wantNil(t, done)
		if ct, ok := c.Contact("dave@example.com"); !ok || ct.Lists != ForwardList|AllowList || ct.Groups != nil {
			t.Errorf("MSNP%d: dave after ADD = %+v", v, ct)
		}

		done = async(func(ctx context.Context) error { return c.RemoveContact(ctx, "dave@example.com") })
		s.exchange("REM {tr} FL dave@example.com", "REM {tr} FL 5 dave@example.com")
		wantNil(t, done)
		if ct, ok := c.Contact("dave@example.com"); !ok || ct.Lists != AllowList {
			t.Errorf("MSNP%d: dave after REM FL = %+v", v, ct)
		}
	}
}

func TestContactManagementMSNP10(t *testing.T) {
	s := loginAs(t, 10, nil)
	c := s.c
	waitFor[ContactListSynced](t, c)

	done := async(func(ctx context.Context) error { return c.AddContact(ctx, "dave@example.com") })
	s.exchange("ADC {tr} FL N=dave@example.com F=dave@example.com", "ADC {tr} FL N=dave@example.com F=dave@example.com C=0c3b6a0f-0000-4000-8000-000000000001")
	s.exchange("ADC {tr} AL N=dave@example.com", "ADC {tr} AL N=dave@example.com")
	wantNil(t, done)
	if ct, _ := c.Contact("dave@example.com"); ct.GUID.String() != "0c3b6a0f-0000-4000-8000-000000000001" || ct.Lists != ForwardList|AllowList {
		t.Errorf("dave = %+v", ct)
	}

	// Removal from the forward list goes by contact id.
	done = async(func(ctx context.Context) error { return c.RemoveContact(ctx, "dave@example.com") })
	s.exchange("REM {tr} FL 0c3b6a0f-0000-4000-8000-000000000001", "REM {tr} FL 0c3b6a0f-0000-4000-8000-000000000001")
	wantNil(t, done)
	waitFor[ContactListChanged](t, c)
	waitFor[ContactListChanged](t, c)
	if ev := waitFor[ContactListChanged](t, c); ev.Removed != ForwardList || ev.Contact.Passport != "dave@example.com" {
		t.Errorf("remove = %+v", ev)
	}
}

// Someone adds the user while online, and someone added them while offline.
func TestAuthorizationRequests(t *testing.T) {
	s := loginAs(t, 12, nil)
	c := s.c
	waitFor[ContactListSynced](t, c)
	s.ns.send("ADC 0 RL N=erin@example.com F=Erin%20E")
	if ev := waitFor[ContactListChanged](t, c); ev.Added != ReverseList || ev.Contact.Passport != "erin@example.com" {
		t.Errorf("change = %+v", ev)
	}
	if ev := waitFor[AuthorizationRequested](t, c); ev != (AuthorizationRequested{Passport: "erin@example.com", FriendlyName: "Erin E"}) {
		t.Errorf("request = %+v", ev)
	}
	done := async(func(ctx context.Context) error { return c.AcceptAuthorization(ctx, "erin@example.com") })
	s.exchange("ADC {tr} AL N=erin@example.com", "ADC {tr} AL N=erin@example.com")
	s.exchange("ADC {tr} FL N=erin@example.com F=Erin%20E", "ADC {tr} FL N=erin@example.com F=Erin%20E C=11111111-2222-3333-4444-555555555555")
	wantNil(t, done)
	if ct, _ := c.Contact("erin@example.com"); ct.Lists != ForwardList|AllowList|ReverseList {
		t.Errorf("erin = %+v", ct)
	}
	s.ns.send("REM 0 RL erin@example.com")
	for {
		ev := waitFor[ContactListChanged](t, c)
		if ev.Removed == ReverseList {
			break
		}
	}

	// Deny someone else.
	s.ns.send("ADC 0 RL N=frank@example.com F=Frank")
	waitFor[AuthorizationRequested](t, c)
	done = async(func(ctx context.Context) error { return c.DenyAuthorization(ctx, "frank@example.com") })
	s.exchange("ADC {tr} BL N=frank@example.com", "ADC {tr} BL N=frank@example.com")
	wantNil(t, done)
}

func TestAuthorizationRequestAtSync(t *testing.T) {
	srv := newFakeServer(t)
	res := startLogin(t, testConfig(srv.addr(), nil, "MSNP7"), StatusBusy)
	p := srv.accept()
	p.greetMSNP7()
	p.expect("USR 5 MD5 S 00d16f3de2dcf7d0df8446e6fa7d51a6")
	p.send("USR 5 OK alice@example.com Alice%20L 1")
	p.sendPayload("MSG Hotmail Hotmail", profile)
	p.expect("SYN 6 0")
	p.send("SYN 6 1", "GTC 6 1 N", "BLP 6 1 BL", "LSG 6 1 1 1 0 Other%20Contacts 0",
		"LST 6 FL 1 1 1 bob@example.com Bob 0",
		"LST 6 AL 1 1 1 bob@example.com Bob",
		"LST 6 BL 1 0 0",
		"LST 6 RL 1 1 2 bob@example.com Bob", "LST 6 RL 1 2 2 dave@example.com Dave")
	p.expect("CHG 7 BSY")
	p.send("CHG 7 BSY")
	p.answerPresenceBarrier(7)
	c, err := waitLogin(t, res)
	if err != nil {
		t.Fatal(err)
	}
	if c.FriendlyName() != "Alice L" || c.Status() != StatusBusy {
		t.Errorf("name %q status %q", c.FriendlyName(), c.Status())
	}
	synced, ok := nextEvent(t, c).(ContactListSynced)
	if !ok || synced.AllowByDefault || synced.PromptOnAdd || len(synced.Contacts) != 2 {
		t.Fatalf("first event = %+v", synced)
	}
	if ev, ok := nextEvent(t, c).(AuthorizationRequested); !ok || ev.Passport != "dave@example.com" || ev.FriendlyName != "Dave" {
		t.Fatalf("second event = %#v", ev)
	}
	// MSNP≤9: someone adds the user.
	p.send("ADD 0 RL 2 erin@example.com Erin")
	if ev := waitFor[AuthorizationRequested](t, c); ev.Passport != "erin@example.com" {
		t.Errorf("request = %+v", ev)
	}
}

// Reading a contact's LST line keeps what the record needs and makes no
// other garbage: the fields besides N=, F= and C= are looked at in place.
func TestLSTOfAKnownContactAllocatesNothing(t *testing.T) {
	c := &Client{contacts: map[string]*Contact{}, version: 12}
	cmd, err := ParseLine("LST N=bob@example.com F=bob@example.com C=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 11 1")
	if err != nil {
		t.Fatal(err)
	}
	c.onLST(cmd)
	ct := c.contactLocked("bob@example.com", false)
	if ct == nil || ct.Lists != ForwardList|AllowList|ReverseList || ct.GUID.IsZero() {
		t.Fatalf("after LST: %+v", ct)
	}
	if n := testing.AllocsPerRun(100, func() { c.onLST(cmd) }); n != 0 {
		t.Errorf("LST of a known contact: %v allocations, want 0", n)
	}
}

// List changes the server pushes add contacts only up to maxABContacts:
// past it, a stranger's change is dropped unreported.
func TestPushedListChangesCapped(t *testing.T) {
	s := loginAs(t, 12, nil)
	waitFor[ContactListSynced](t, s.c)
	var b strings.Builder
	for i := range maxABContacts {
		fmt.Fprintf(&b, "ADC 0 RL N=stranger%d@example.com F=S%d\r\n", i, i)
	}
	b.WriteString("NLN AWY bob@example.com Bob 0\r\n") // after every ADC
	s.ns.sendRaw(b.String())
	changes := 0
	for {
		e := nextEvent(t, s.c)
		if _, ok := e.(ContactListChanged); ok {
			changes++
		}
		if _, ok := e.(PresenceChanged); ok {
			break
		}
	}
	s.c.mu.Lock()
	n := len(s.c.contacts)
	s.c.mu.Unlock()
	if n != maxABContacts || changes != maxABContacts-2 {
		t.Errorf("%d contacts, %d list changes reported; want %d and %d (bob and carol were there)", n, changes, maxABContacts, maxABContacts-2)
	}
}

// A contact list the server sends in LST lines is cut at maxABContacts,
// in every version's form, and a short LST line adds nobody.
func TestLSTListCapped(t *testing.T) {
	for _, tc := range []struct {
		version int
		line    string // with %d for the contact's number
	}{
		{7, "LST 0 FL 1 10001 %d contact%d@example.com Contact 0"},
		{9, "LST contact%[2]d@example.com Contact 3 0"},
		{12, "LST N=contact%[2]d@example.com F=Contact C=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 3 1"},
	} {
		c := &Client{contacts: map[string]*Contact{}, version: tc.version, log: slog.New(slog.DiscardHandler)}
		for i := range maxABContacts + 5 {
			cmd, err := ParseLine(fmt.Sprintf(tc.line, i+1, i))
			if err != nil {
				t.Fatal(err)
			}
			c.onLST(cmd)
		}
		if n := len(c.contacts); n != maxABContacts {
			t.Errorf("MSNP%d: %d contacts kept of %d listed, want %d", tc.version, n, maxABContacts+5, maxABContacts)
		}
		if c.contactLocked("contact0@example.com", false) == nil {
			t.Errorf("MSNP%d: the first contact listed was not kept", tc.version)
		}
		short := &Client{contacts: map[string]*Contact{}, version: tc.version, log: slog.New(slog.DiscardHandler)}
		short.onLST(&Command{Name: "LST"})
		if len(short.contacts) != 0 {
			t.Errorf("MSNP%d: an empty LST line added %v", tc.version, short.contacts)
		}
	}
}
