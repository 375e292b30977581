package msn

// listBatch is how many listed contacts one ContactsListed event carries
// at most; a consumer draws each batch while the rest of the list arrives.
const listBatch = 32

// ContactsListed is part of the contact list as the server sends it during
// Login's list sync, before ContactListSynced, when Config.ListProgress is
// set: a consumer can show the contacts while the rest arrives. The
// ContactListSynced that follows ends the list: Streamed when these events
// held all of it, or else with the complete, authoritative list (when
// something other than the list's own lines changed it during the sync).
type ContactsListed struct {
	Contacts []ListedContact
	// Total is how many contacts the server announced for the whole list;
	// 0 when it does not say (before MSNP8).
	Total int
}

// ListedContact is a contact as far as the list sent so far tells.
type ListedContact struct {
	Passport     string
	FriendlyName string
	// Lists are the lists known so far: before MSNP8 the server sends each
	// list on its own, so a contact comes once per list it is on.
	Lists Lists
	// Groups are the ids of the contact's groups (MSNP8+): the record's
	// slice, never changed in place.
	Groups []string
}

func (ContactsListed) event() {}

// listedLocked notes a contact the list sync just read, and queues a batch
// of them when it is full.
func (c *Client) listedLocked(ct *Contact) {
	s := c.sync
	if !c.cfg.ListProgress || s == nil || s.finished {
		return
	}
	if s.listed == nil {
		s.listed = make([]ListedContact, 0, listBatch)
	}
	s.listed = append(s.listed, ListedContact{Passport: ct.Passport, FriendlyName: ct.FriendlyName, Lists: ct.Lists, Groups: ct.Groups})
	if len(s.listed) == listBatch {
		c.flushListedLocked()
	}
}

// flushListedLocked queues the listed contacts not queued yet.
func (c *Client) flushListedLocked() {
	s := c.sync
	if s == nil || len(s.listed) == 0 {
		return
	}
	c.events.push(ContactsListed{Contacts: s.listed, Total: s.wantContacts})
	s.listed = nil
}
