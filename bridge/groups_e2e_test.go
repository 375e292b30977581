package bridge_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// yuki is a Yahoo! Messenger contact of alice's.
const yuki = "yuki@yahoo.com"

// whoisSpecial sends WHOIS nick and returns its 320 lines.
func (c *client) whoisSpecial(nick string) []string {
	c.t.Helper()
	from := len(c.seen)
	c.send("WHOIS " + nick)
	c.expectCmd(irc.RPL_ENDOFWHOIS, "*", nick)
	var out []string
	for _, m := range c.seen[from:] {
		if m.Command == "320" && m.Param(1) == nick {
			out = append(out, m.Trailing())
		}
	}
	return out
}

// Alice's contact groups show in WHOIS (320 "groups: ...") and in the
// contacts command (" in ..."), in the account's order, both from the
// list sync (LSG/LST: numeric group ids at MSNP7 to MSNP9, GUIDs at
// MSNP12) and from the address book (MSNP15, MSNP18); a contact in no
// group (group 0, "Other Contacts", at MSNP7 to MSNP9) shows none.
func TestGroupsInWhoisAndContacts(t *testing.T) {
	for _, v := range []string{"MSNP7", "MSNP8", "MSNP9", "MSNP12", "MSNP15", "MSNP18"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			friends, err := e.msn.AddGroup(alice, "Friends")
			if err != nil {
				t.Fatal(err)
			}
			work, err := e.msn.AddGroup(alice, "Work Mates")
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range []string{work, friends} {
				if err := e.msn.PutInGroup(alice, bob, g); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.msn.PutInGroup(alice, carol, work); err != nil {
				t.Fatal(err)
			}
			c := e.login("alice", alice, password, allCaps)

			if got := c.whoisSpecial("bob"); !contains(got, "groups: Friends, Work Mates") {
				t.Errorf("WHOIS bob: 320 lines %q, want \"groups: Friends, Work Mates\"", got)
			}
			if got := c.whoisSpecial("carol"); !contains(got, "groups: Work Mates") {
				t.Errorf("WHOIS carol: 320 lines %q, want \"groups: Work Mates\"", got)
			}
			for _, l := range c.whoisSpecial("dave") {
				if strings.HasPrefix(l, "groups:") {
					t.Errorf("WHOIS dave, in no group: %q", l)
				}
			}
			c.ask("contacts", "3 contacts")
			c.expectMsn("bob (" + bob + ") Offline in Friends, Work Mates")
			c.expectMsn("carol (" + carol + ") Offline in Work Mates")
			c.expect("dave's line without groups", func(m *irc.Message) bool {
				return m.Prefix != nil && m.Prefix.Name == "msn" && strings.HasPrefix(m.Trailing(), "dave (") && !strings.Contains(m.Trailing(), " in ")
			})
		})
	}
}

// A Yahoo! Messenger contact from the address book (network 32) is in
// &msn, WHOIS says "on Yahoo! Messenger" and the contacts command marks
// it " (Yahoo)".
func TestYahooContactMarked(t *testing.T) {
	for _, v := range []string{"MSNP15", "MSNP18"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			addYahooFriend(t, e, "Yuki")
			c := e.login("alice", alice, password, allCaps)
			got := c.whoisSpecial("yuki")
			if !contains(got, "on Yahoo! Messenger") || !contains(got, "groups: Friends") {
				t.Errorf("WHOIS yuki: 320 lines %q, want \"on Yahoo! Messenger\" and \"groups: Friends\"", got)
			}
			for _, l := range c.whoisSpecial("bob") {
				if strings.Contains(l, "Yahoo") {
					t.Errorf("WHOIS bob, on MSN: %q", l)
				}
			}
			c.ask("contacts", "4 contacts")
			c.expectMsn("yuki (" + yuki + ") Offline (Yahoo) in Friends")
		})
	}
}

// addYahooFriend gives alice the Yahoo! Messenger contact yuki, named
// name, in her group "Friends".
func addYahooFriend(t *testing.T, e *env, name string) {
	t.Helper()
	if err := e.msn.AddYahooContact(alice, yuki, name); err != nil {
		t.Fatal(err)
	}
	g, err := e.msn.AddGroup(alice, "Friends")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.msn.PutInGroup(alice, yuki, g); err != nil {
		t.Fatal(err)
	}
}

// At MSNP8 and MSNP9 SYN lists a Yahoo! Messenger contact like any
// other: it is in &msn and the contacts command with its name and groups.
// The protocol does not say its network there, so it is not marked Yahoo.
func TestYahooContactListedAtMSNP8And9(t *testing.T) {
	for _, v := range []string{"MSNP8", "MSNP9"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			addYahooFriend(t, e, "Yuki Y")
			c := e.login("alice", alice, password, allCaps)
			if got := c.whoisSpecial("yuki"); !contains(got, "groups: Friends") {
				t.Errorf("WHOIS yuki: 320 lines %q, want \"groups: Friends\"", got)
			}
			c.ask("contacts", "4 contacts")
			c.expectMsn("yuki (" + yuki + ") Offline in Friends")
		})
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}
