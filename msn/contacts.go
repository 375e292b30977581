package msn

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// The client's contacts are kept by lower-cased passport in one of two
// forms: a map while the list is being synced, when contacts arrive in the
// server's order and are looked up for every line, and from the first time
// the list is read in order on, a slice sorted by lower-cased passport,
// which takes a quarter of the map's memory and is already in the order
// the list is handed out in. c.contacts is the map, nil once c.sorted
// holds the contacts.

// lookupLocked returns the contact for passport, or nil.
func (c *Client) lookupLocked(passport string) *entry {
	if c.contacts != nil {
		return c.contacts[strings.ToLower(passport)]
	}
	if i, ok := c.searchLocked(passport); ok {
		return c.sorted[i]
	}
	return nil
}

// searchLocked returns where passport is or would be in c.sorted.
func (c *Client) searchLocked(passport string) (int, bool) {
	return slices.BinarySearchFunc(c.sorted, passport, func(e *entry, p string) int {
		return compareFolded(e.passport, p)
	})
}

// insertLocked adds e, which is not there yet.
func (c *Client) insertLocked(e *entry) {
	if c.contacts != nil {
		c.contacts[strings.ToLower(e.passport)] = e
		return
	}
	i, _ := c.searchLocked(e.passport)
	if len(c.sorted) == cap(c.sorted) {
		// A little room, not the double append would make.
		c.sorted = slices.Grow(c.sorted, len(c.sorted)/16+4)
	}
	c.sorted = slices.Insert(c.sorted, i, e)
}

// removeLocked removes the contact for passport.
func (c *Client) removeLocked(passport string) {
	if c.contacts != nil {
		delete(c.contacts, strings.ToLower(passport))
		return
	}
	if i, ok := c.searchLocked(passport); ok {
		c.sorted = slices.Delete(c.sorted, i, i+1)
	}
}

// sortedLocked returns the contacts in order of lower-cased passport; it
// turns the map into the sorted slice.
func (c *Client) sortedLocked() []*entry {
	if c.contacts == nil {
		return c.sorted
	}
	// Sorted by the map's keys, the lower-cased passports, so that no
	// comparison lower-cases anything.
	keys := make([]string, 0, len(c.contacts))
	for k := range c.contacts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	sorted := make([]*entry, len(keys))
	for i, k := range keys {
		sorted[i] = c.contacts[k]
	}
	c.sorted, c.contacts = sorted, nil
	return sorted
}

// resetContactsLocked forgets every contact and makes room for n in the
// map that holds them during a list sync.
func (c *Client) resetContactsLocked(n int) {
	c.contacts = make(map[string]*entry, n)
	c.sorted = nil
}

// compareFolded compares a and b as strings.ToLower(a) and
// strings.ToLower(b), without lower-casing ASCII.
func compareFolded(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if x >= utf8.RuneSelf || y >= utf8.RuneSelf {
			return strings.Compare(strings.ToLower(a), strings.ToLower(b))
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	// Equal up to the shorter one's length, all ASCII: whatever follows
	// lower-cases to something non-empty.
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}
