package bridge

// Contact groups and contacts on other networks, as WHOIS and the
// contacts command show them.

import (
	"slices"
	"strings"

	"github.com/msn2irc/msn2irc/msn"
)

// maxGroups bounds the groups a session keeps of its account.
const maxGroups = 500

// groups returns the ids of the contact's groups.
func (c *contact) groups() []string {
	if c.ext == nil {
		return nil
	}
	return c.ext.groups
}

// setGroups records the ids of the contact's groups. ids is msn's slice,
// which msn replaces rather than changes.
func (c *contact) setGroups(ids []string) {
	if slices.Equal(ids, c.groups()) {
		return
	}
	if len(ids) == 0 {
		c.ext.groups = nil
		c.dropExt()
		return
	}
	c.needExt().groups = ids
}

// yahoo reports whether the contact is on Yahoo! Messenger.
func (c *contact) yahoo() bool { return c.ext != nil && c.ext.yahoo }

// setYahoo records whether the contact is on Yahoo! Messenger.
func (c *contact) setYahoo(y bool) {
	if y == c.yahoo() {
		return
	}
	if !y {
		c.ext.yahoo = false
		c.dropExt()
		return
	}
	c.needExt().yahoo = true
}

// setGroupNames keeps the account's groups (at login and after a
// reconnect), their names cleaned.
func (s *session) setGroupNames(gs []msn.Group) {
	s.groups = s.groups[:0]
	for _, g := range gs {
		if len(s.groups) == maxGroups {
			break
		}
		s.groups = append(s.groups, msn.Group{ID: g.ID, Name: cleanName(g.Name)})
	}
}

// groupNames names the contact's groups, in the account's order, joined
// by commas; "" when the contact is in none the session knows.
func (s *session) groupNames(c *contact) string {
	ids := c.groups()
	if len(ids) == 0 {
		return ""
	}
	var names []string
	for _, g := range s.groups {
		if g.Name != "" && slices.Contains(ids, g.ID) {
			names = append(names, g.Name)
		}
	}
	return strings.Join(names, ", ")
}

// withGroupLines adds to a contact's WHOIS lines the network it is on,
// when not MSN, and its groups.
func (s *session) withGroupLines(c *contact, info []string) []string {
	if c.yahoo() {
		info = append(info, "on Yahoo! Messenger")
	}
	if g := s.groupNames(c); g != "" {
		info = append(info, "groups: "+g)
	}
	return info
}

// contactsSuffix is what the contacts command adds to a contact's line:
// " (Yahoo)" and " in Friends, Work".
func (s *session) contactsSuffix(c *contact) string {
	out := ""
	if c.yahoo() {
		out += " (Yahoo)"
	}
	if g := s.groupNames(c); g != "" {
		out += " in " + g
	}
	return out
}
