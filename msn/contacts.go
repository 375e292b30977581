package msn

import (
	"slices"
	"strings"
)

// The client keeps one Contact per contact, in c.contacts by lower-cased
// passport. A contact's Groups slice is replaced, never changed in place,
// so a copy of the record may share it.
//
// The parameters of a command are slices of its whole line, and a record
// lives as long as the session: what a record keeps is copied, or shared
// with a string the client keeps anyway, so that no protocol line stays
// alive behind it.

// contactLocked returns the contact for passport, or nil; it creates an
// offline contact when create is set and there is none.
func (c *Client) contactLocked(passport string, create bool) *Contact {
	ct := c.contacts[strings.ToLower(passport)]
	if ct == nil && create {
		passport = strings.Clone(passport)
		ct = &Contact{Passport: passport, FriendlyName: passport}
		c.contacts[strings.ToLower(passport)] = ct // passport itself when lower case
	}
	return ct
}

// removeLocked forgets the contact for passport.
func (c *Client) removeLocked(passport string) {
	delete(c.contacts, strings.ToLower(passport))
	delete(c.pictures, strings.ToLower(passport))
}

// setPictureLocked records the display picture of ct, or that it shows
// none when obj is zero.
func (c *Client) setPictureLocked(ct *Contact, obj MSNObject) {
	key := strings.ToLower(ct.Passport)
	if obj.IsZero() {
		delete(c.pictures, key)
		return
	}
	if c.pictures == nil {
		c.pictures = map[string]MSNObject{}
	}
	c.pictures[key] = obj
}

// sortedLocked returns the contacts in order of lower-cased passport.
func (c *Client) sortedLocked() []*Contact {
	keys := make([]string, 0, len(c.contacts))
	for k := range c.contacts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]*Contact, len(keys))
	for i, k := range keys {
		out[i] = c.contacts[k]
	}
	return out
}

// contactsLocked returns a copy of every contact, sorted by lower-cased
// passport.
func (c *Client) contactsLocked() []Contact {
	sorted := c.sortedLocked()
	out := make([]Contact, len(sorted))
	for i, ct := range sorted {
		out[i] = ct.copy()
	}
	return out
}

// copy returns ct with a Groups slice of its own.
func (ct *Contact) copy() Contact {
	out := *ct
	out.Groups = slices.Clone(ct.Groups)
	return out
}

// splitGroups splits comma-separated group ids, leaving out empty ones;
// nil for none.
func splitGroups(s string) []string {
	var out []string
	for g := range strings.SplitSeq(s, ",") {
		if g != "" {
			out = append(out, g)
		}
	}
	return out
}

// defaultGroup is the group id "0" of MSNP7-9: "Other Contacts", which
// Escargot lists for every account and gives as the group of a contact
// in none of the user's groups. The client reports neither the group nor
// a contact's membership of it, so that a contact in no group is in none
// at every version, as at MSNP10+ where the protocol has no such group.
const defaultGroup = "0"

// memberGroups returns the user's groups in an MSNP7-9 LST group field:
// its ids without the default group; nil for none.
func memberGroups(s string) []string {
	ids := slices.DeleteFunc(splitGroups(s), func(id string) bool { return id == defaultGroup })
	if len(ids) == 0 {
		return nil
	}
	return ids
}

// keepGroupsLocked returns ids for a record: the id of a known group is
// that group's string, any other a copy.
func (c *Client) keepGroupsLocked(ids []string) []string {
	for i, id := range ids {
		ids[i] = strings.Clone(id)
		for _, g := range c.groups {
			if g.ID == id {
				ids[i] = g.ID
				break
			}
		}
	}
	return ids
}

// keepName returns a friendly name for ct's record: ct's passport when
// they are equal (a contact who never chose a name), else a copy.
func keepName(ct *Contact, name string) string {
	if name == ct.Passport {
		return ct.Passport
	}
	return strings.Clone(name)
}
