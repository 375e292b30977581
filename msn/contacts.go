package msn

import (
	"slices"
	"strings"
)

// The client keeps one Contact per contact, in c.contacts by lower-cased
// passport. A contact's Groups slice is replaced, never changed in place,
// so a copy of the record may share it.

// contactLocked returns the contact for passport, or nil; it creates an
// offline contact when create is set and there is none.
func (c *Client) contactLocked(passport string, create bool) *Contact {
	key := strings.ToLower(passport)
	ct := c.contacts[key]
	if ct == nil && create {
		ct = &Contact{Passport: passport, FriendlyName: passport, Status: StatusOffline}
		c.contacts[key] = ct
	}
	return ct
}

// removeLocked forgets the contact for passport.
func (c *Client) removeLocked(passport string) {
	delete(c.contacts, strings.ToLower(passport))
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
