package msn

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// maxPresized bounds the room made for the contacts a SYN reply announces.
const maxPresized = 10000

// syncState tracks a SYN in progress.
type syncState struct {
	done         chan struct{}
	gotReply     bool
	finished     bool
	wantContacts int // MSNP8+: LST lines announced by the SYN reply
	wantGroups   int
	lsts, lsgs   int
	listed       []ListedContact // read but not queued yet (Config.ListProgress)
	// offList: something besides the list's lines changed the contacts
	// during the sync, which ContactsListed does not tell.
	offList bool
}

var listBits = map[string]Lists{"FL": ForwardList, "AL": AllowList, "BL": BlockList, "RL": ReverseList, "PL": PendingList}

func listName(l Lists) string {
	for k, v := range listBits {
		if v == l {
			return k
		}
	}
	return ""
}

// syncList fetches the whole contact list (SYN) and waits until every line
// announced has arrived.
func (c *Client) syncList(ctx context.Context) error {
	s := &syncState{done: make(chan struct{})}
	c.mu.Lock()
	c.sync, c.listSynced = s, false
	v, l := c.version, c.ns
	c.mu.Unlock()
	params := []string{"0"}
	if v >= 10 {
		params = []string{"0", "0"}
	}
	if _, err := c.request(ctx, "SYN", params, nil); err != nil {
		return fmt.Errorf("msn: login: contact list: %w", err)
	}
	select {
	case <-s.done:
		return nil
	case <-l.done:
		return fmt.Errorf("msn: login: contact list: %w", ErrClosed)
	case <-ctx.Done():
		return fmt.Errorf("msn: login: contact list incomplete: %w (%v)", ErrTimeout, ctx.Err())
	}
}

// onSYN reads the SYN reply: how much of the list follows.
func (c *Client) onSYN(cmd *Command) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sync
	if s == nil || s.gotReply {
		return
	}
	s.gotReply = true
	c.contacts = map[string]*Contact{}
	c.pictures = nil
	c.groups = nil
	switch {
	case c.version < 8:
		// SYN t ser: lists follow unless the serial is unchanged (we sent 0).
		if cmd.Param(1) == "0" {
			c.finishSyncLocked()
		}
		return
	case c.version < 10:
		// SYN t ver nContacts nGroups
		s.wantContacts, _ = strconv.Atoi(cmd.Param(2))
		s.wantGroups, _ = strconv.Atoi(cmd.Param(3))
	default:
		// SYN t ts1 ts2 nContacts nGroups
		s.wantContacts, _ = strconv.Atoi(cmd.Param(3))
		s.wantGroups, _ = strconv.Atoi(cmd.Param(4))
	}
	if s.wantContacts > 0 {
		c.contacts = make(map[string]*Contact, min(s.wantContacts, maxPresized))
	}
	c.checkSyncLocked()
}

func (c *Client) checkSyncLocked() {
	s := c.sync
	if s != nil && s.gotReply && !s.finished && c.version >= 8 && s.lsts >= s.wantContacts && s.lsgs >= s.wantGroups {
		c.finishSyncLocked()
	}
}

// finishSyncLocked queues ContactListSynced, then the authorization
// requests of the list (queueAuthRequestsLocked).
func (c *Client) finishSyncLocked() {
	s := c.sync
	if s == nil || s.finished {
		return
	}
	c.flushListedLocked()
	s.finished = true
	ev := ContactListSynced{
		Streamed:       c.cfg.ListProgress && !s.offList,
		Groups:         append([]Group(nil), c.groups...),
		AllowByDefault: c.blp != "BL",
		PromptOnAdd:    c.gtc != "N",
	}
	if !ev.Streamed {
		// The consumer has had none of it, or not all: the whole list.
		ev.Contacts = c.contactsLocked()
	}
	c.events.push(ev)
	c.queueAuthRequestsLocked()
	close(s.done)
	c.sync, c.listSynced = nil, true // nothing more to track
}

// queueAuthRequestsLocked queues an AuthorizationRequested for everyone
// who added the user and is on neither the allow nor the block list, in
// the order of their lower-cased passports.
func (c *Client) queueAuthRequestsLocked() {
	for _, ct := range c.sortedLocked() {
		if ct.Lists&(ReverseList|PendingList) != 0 && ct.Lists&(AllowList|BlockList) == 0 {
			c.events.push(AuthorizationRequested{Passport: ct.Passport, FriendlyName: ct.FriendlyName})
		}
	}
}

func (c *Client) onPrivacy(cmd *Command) {
	if len(cmd.Params) == 0 {
		return
	}
	val := cmd.Params[len(cmd.Params)-1]
	c.mu.Lock()
	defer c.mu.Unlock()
	if cmd.Name == "GTC" {
		c.gtc = val
	} else {
		c.blp = val
	}
}

func (c *Client) onLSG(cmd *Command) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var g Group
	switch {
	case c.version < 8: // LSG t ser i n gid name 0
		g = Group{ID: cmd.Param(4), Name: decodeName(cmd.Param(5))}
	case c.version < 10: // LSG gid name 0
		g = Group{ID: cmd.Param(0), Name: decodeName(cmd.Param(1))}
	default: // LSG name guid
		g = Group{ID: cmd.Param(1), Name: decodeName(cmd.Param(0))}
	}
	if g.ID != "" && !(c.version < 10 && g.ID == defaultGroup) {
		c.groups = append(c.groups, g)
	}
	if c.sync != nil {
		c.sync.lsgs++
		c.checkSyncLocked()
	}
}

func (c *Client) onLST(cmd *Command) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := cmd.Params
	switch {
	case c.version < 8:
		// LST t LIST ser i n [passport name [groups]]
		bit := listBits[cmd.Param(1)]
		i, _ := strconv.Atoi(cmd.Param(3))
		n, _ := strconv.Atoi(cmd.Param(4))
		if n > 0 && bit != 0 {
			if ct := c.listContactLocked(cmd.Param(5)); ct != nil {
				ct.Lists |= bit
				if name := cmd.Param(6); name != "" {
					ct.FriendlyName = keepName(ct, decodeName(name))
				}
				if bit == ForwardList && c.version >= 7 {
					ct.Groups = c.keepGroupsLocked(memberGroups(cmd.Param(7)))
				}
				c.listedLocked(ct)
			}
		}
		if bit == ReverseList && i >= n && c.sync != nil && c.sync.gotReply {
			c.finishSyncLocked()
		}
		return
	case c.version < 10:
		// LST passport name bits [groups]
		if len(p) < 3 {
			break
		}
		if ct := c.listContactLocked(p[0]); ct != nil {
			ct.FriendlyName = keepName(ct, decodeName(p[1]))
			bits, _ := strconv.Atoi(p[2])
			ct.Lists = Lists(bits)
			ct.Groups = c.keepGroupsLocked(memberGroups(cmd.Param(3)))
			c.listedLocked(ct)
		}
	default:
		// LST N=passport F=name C=guid bits [nettype] [groups]
		var buf [4]string
		passport, name, guid, rest := contactFields(p, buf[:0])
		if len(rest) == 0 {
			break
		}
		if ct := c.listContactLocked(passport); ct != nil {
			if name != "" {
				ct.FriendlyName = keepName(ct, decodeName(name))
			}
			ct.GUID = ParseContactID(guid)
			bits, _ := strconv.Atoi(rest[0])
			ct.Lists = Lists(bits)
			rest = rest[1:]
			if c.version >= 12 && len(rest) > 0 && !strings.Contains(rest[0], "-") {
				rest = rest[1:] // network type
			}
			groups := ""
			if len(rest) > 0 {
				groups = rest[0]
			}
			ct.Groups = c.keepGroupsLocked(splitGroups(groups))
			c.listedLocked(ct)
		}
	}
	if c.sync != nil {
		c.sync.lsts++
		c.checkSyncLocked()
	}
}

// listContactLocked returns the contact an LST line names, made when it
// is new, or nil when the client keeps maxABContacts already: a list
// longer than that is cut, however many lines the server sends.
func (c *Client) listContactLocked(passport string) *Contact {
	if passport == "" {
		return nil
	}
	if ct := c.contactLocked(passport, false); ct != nil {
		return ct
	}
	if len(c.contacts) >= maxABContacts {
		c.log.Debug("msn: contact list full, listed contact dropped", "passport", passport, "max", maxABContacts)
		return nil
	}
	return c.contactLocked(passport, true)
}

// changeListsLocked applies a confirmed list change and queues the events.
func (c *Client) changeListsLocked(passport, name string, added, removed Lists, async bool) {
	ct := c.contactLocked(passport, false)
	if ct == nil {
		if added == 0 {
			return
		}
		if len(c.contacts) >= maxABContacts {
			c.log.Debug("msn: contact list full, list change dropped", "passport", passport, "max", maxABContacts)
			return
		}
		ct = c.contactLocked(passport, true)
	}
	if name != "" {
		ct.FriendlyName = keepName(ct, decodeName(name))
	}
	before := ct.Lists
	lists := (before | added) &^ removed
	if lists&PendingList != 0 && lists&(AllowList|BlockList) != 0 {
		// Answered: no longer pending, but still someone who added the
		// user. MSNP10-12 lists a pending contact with PL in place of RL.
		lists = lists&^PendingList | ReverseList
	}
	ct.Lists = lists
	gained, lost := lists&^before, before&^lists
	if gained == 0 && lost == 0 {
		return
	}
	snap := ct.copy()
	if lists == 0 {
		c.removeLocked(ct.Passport)
	}
	if !c.listSynced {
		if c.sync != nil {
			c.sync.offList = true
		}
		return // part of the initial list
	}
	c.events.push(ContactListChanged{Contact: snap, Added: gained, Removed: lost})
	if async && gained&(ReverseList|PendingList) != 0 && before&(ReverseList|PendingList) == 0 && snap.Lists&(AllowList|BlockList) == 0 {
		c.events.push(AuthorizationRequested{Passport: snap.Passport, FriendlyName: snap.FriendlyName})
	}
}

func (c *Client) onADD(cmd *Command) {
	// ADD t LIST ser passport name [gid]
	bit := listBits[cmd.Param(1)]
	if bit == 0 || cmd.Param(3) == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changeListsLocked(cmd.Param(3), cmd.Param(4), bit, 0, cmd.Param(0) == "0")
}

// contactFields splits the MSNP10+ fields of a contact, "N=passport",
// "F=name" and "C=guid", from the other fields, which it appends in order
// to rest and returns: LST passes room on its stack, as it reads a line
// per contact at login.
func contactFields(fields, rest []string) (passport, name, guid string, _ []string) {
	for _, f := range fields {
		switch {
		case strings.HasPrefix(f, "N="):
			passport = f[2:]
		case strings.HasPrefix(f, "F="):
			name = f[2:]
		case strings.HasPrefix(f, "C="):
			guid = f[2:]
		default:
			rest = append(rest, f)
		}
	}
	return passport, name, guid, rest
}

func (c *Client) onADC(cmd *Command) {
	// ADC t LIST N=passport [F=name] [C=guid] [groupguid]
	bit := listBits[cmd.Param(1)]
	passport, name, guid, _ := contactFields(cmd.Params[min(2, len(cmd.Params)):], nil)
	if bit == 0 || passport == "" {
		return // e.g. adding a known contact to a group
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changeListsLocked(passport, name, bit, 0, cmd.Param(0) == "0")
	if guid != "" {
		if ct := c.contactLocked(passport, false); ct != nil {
			ct.GUID = ParseContactID(guid)
		}
	}
}

func (c *Client) onREM(cmd *Command) {
	bit := listBits[cmd.Param(1)]
	if bit == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var id string
	if c.version < 10 {
		// REM t LIST ser passport [gid]; with a group id only the group changes.
		if len(cmd.Params) > 4 {
			return
		}
		id = cmd.Param(3)
	} else {
		// REM t LIST guid-or-passport [groupguid]
		if len(cmd.Params) > 3 {
			return
		}
		id = cmd.Param(2)
	}
	passport := id
	if !strings.Contains(id, "@") {
		passport = ""
		want := ParseContactID(id)
		for _, ct := range c.contacts {
			if !want.IsZero() && ct.GUID == want {
				passport = ct.Passport
			}
		}
	}
	if passport == "" {
		return
	}
	c.changeListsLocked(passport, "", 0, bit, cmd.Param(0) == "0")
}
