package msntest

import (
	"fmt"
	"strings"

	"github.com/msn2irc/msn2irc/msn"
)

// Contact groups and contacts on other networks (Yahoo). An account's
// groups are listed by SYN (LSG, and each forward-list contact's group ids
// in its LST: small numeric ids at MSNP7 to MSNP9, GUIDs at MSNP10-12)
// and by the address book from MSNP13. A Yahoo contact is an LST line
// like any other at MSNP8 and MSNP9, as Escargot lists every contact
// there, and an e-mail with network 32 in the address book.

// group is one of an account's contact groups.
type group struct {
	id   string // a GUID
	name string
}

// networkYahoo is the network id of a Yahoo contact (msn.NetworkYahoo).
const networkYahoo = 32

// AddGroup gives owner a contact group called name and returns its id.
func (s *Server) AddGroup(owner, name string) (string, error) {
	if name == "" || len(name) > 61 {
		return "", fmt.Errorf("msntest: add group %q: invalid name", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(owner)]
	if a == nil {
		return "", fmt.Errorf("msntest: add group to %q: %w", owner, ErrNoAccount)
	}
	g := group{id: newGUID(), name: name}
	a.groups = append(a.groups, g)
	return g.id, nil
}

// PutInGroup puts contact, on owner's forward list, in owner's group
// groupID. Contacts already signed in see it at their next list sync.
func (s *Server) PutInGroup(owner, contact, groupID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(owner)]
	if a == nil {
		return fmt.Errorf("msntest: put %q in a group: %w", contact, ErrNoAccount)
	}
	e := a.contacts[key(contact)]
	if e == nil {
		return fmt.Errorf("msntest: put %q in a group: not a contact of %s", contact, owner)
	}
	found := false
	for _, g := range a.groups {
		found = found || g.id == groupID
	}
	if !found {
		return fmt.Errorf("msntest: put %q in group %q: no such group", contact, groupID)
	}
	for _, id := range e.groups {
		if id == groupID {
			return nil
		}
	}
	e.groups = append(e.groups, groupID)
	return nil
}

// AddYahooContact puts a Yahoo Messenger contact on owner's forward list,
// with the display name name. SYN lists it at MSNP8 and MSNP9, the
// address book (MSNP13+) as an e-mail with network 32; MSNP10-12 and
// MSNP7 and older do not see it.
func (s *Server) AddYahooContact(owner, address, name string) error {
	if !validPassport(address) {
		return fmt.Errorf("msntest: add Yahoo contact %q: invalid address", address)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[key(owner)]
	if a == nil {
		return fmt.Errorf("msntest: add Yahoo contact to %q: %w", owner, ErrNoAccount)
	}
	if s.accounts[key(address)] != nil || a.contacts[key(address)] != nil {
		return fmt.Errorf("msntest: add Yahoo contact %q: already known", address)
	}
	a.setLists(address, msn.ForwardList, 0)
	e := a.contacts[key(address)]
	e.network, e.name = networkYahoo, name
	return nil
}

// writeABGroups writes a's groups as the address book lists them. s.mu held.
func writeABGroups(b *strings.Builder, a *account) {
	for _, g := range a.groups {
		fmt.Fprintf(b, "<Group>\n<groupId>%s</groupId>\n<groupInfo>\n<groupType>c8529ce2-6ead-434d-881f-341e17db3ff8</groupType>\n<name>%s</name>\n</groupInfo>\n<propertiesChanged />\n<fDeleted>false</fDeleted>\n</Group>\n",
			g.id, xmlText(g.name))
	}
}

// abGroupIDs is the groupIds element of a contact in groups, "" when in none.
func abGroupIDs(e *entry) string {
	if len(e.groups) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("<groupIds>")
	for _, id := range e.groups {
		b.WriteString("<guid>" + id + "</guid>")
	}
	b.WriteString("</groupIds>\n")
	return b.String()
}

// writeYahooContact writes a Yahoo contact as the address book lists one:
// no passport, an e-mail with network 32. s.mu held.
func (s *Server) writeYahooContact(b *strings.Builder, e *entry) {
	name := xmlText(e.name)
	fmt.Fprintf(b, "<Contact>\n<contactId>%s</contactId>\n<contactInfo>\n%s<emails>\n<ContactEmail>\n<contactEmailType>Messenger2</contactEmailType>\n<email>%s</email>\n<isMessengerEnabled>true</isMessengerEnabled>\n<Capability>32</Capability>\n<MessengerEnabledExternally>false</MessengerEnabledExternally>\n<propertiesChanged />\n</ContactEmail>\n</emails>\n<contactType>Regular</contactType>\n<quickName>%s</quickName>\n<displayName>%s</displayName>\n<isMessengerUser>false</isMessengerUser>\n</contactInfo>\n<fDeleted>false</fDeleted>\n</Contact>",
		s.contactGUID(e.passport), abGroupIDs(e), xmlText(e.passport), name, name)
}
