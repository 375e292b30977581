package bridge

import (
	"strings"

	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// contact is what the session knows of one MSN contact, in 64 bytes: the
// status as a number when it is a known one, the lists as a byte; what only
// a few contacts have (a personal message, an unknown status, lists beyond
// a byte) is kept apart, in ext.
type contact struct {
	passport   string
	nick       string
	name       string      // friendly name, cleaned
	ext        *contactExt // nil when the contact has none of it
	statusCode uint8       // index in knownStatuses, or statusOther
	listBits   uint8       // the lists, or listsOther
	inChannel  bool        // member of &msn
	voiced     bool
	listed     bool // in the list being synced (onSynced)
	drawn      bool // shown from the list while it arrived (drawListed)
	stranger   bool // queued among the strangers (strangers.go)
}

// contactExt is what only a few contacts have.
type contactExt struct {
	psm    string
	media  string     // what the contact listens to (mapping.NowPlaying)
	status msn.Status // when not one of knownStatuses
	lists  msn.Lists  // when not below listsOther
	groups []string   // ids of the contact's groups (groups.go)
	yahoo  bool       // on Yahoo! Messenger (network 32), not MSN
}

// knownStatuses are the statuses a contact keeps as their index. The zero
// index is the empty status: not known yet, which counts as offline.
var knownStatuses = [...]msn.Status{"", msn.StatusOffline, msn.StatusOnline, msn.StatusBusy, msn.StatusIdle, msn.StatusBRB, msn.StatusAway, msn.StatusPhone, msn.StatusLunch, msn.StatusHidden}

// statusOther is the status index of a contact whose status is in ext.
const statusOther = 0xff

// listsOther is the lists byte of a contact whose lists, not a byte's
// worth of bits, are in ext.
const listsOther = 0xff

// status returns the contact's MSN status ("" when not known).
func (c *contact) status() msn.Status {
	if c.statusCode == statusOther {
		return c.ext.status
	}
	return knownStatuses[c.statusCode]
}

// setStatus records the contact's status.
func (c *contact) setStatus(st msn.Status) {
	for i, k := range knownStatuses {
		if st == k {
			c.statusCode = uint8(i)
			if c.ext != nil && c.ext.status != "" {
				c.ext.status = ""
				c.dropExt()
			}
			return
		}
	}
	c.statusCode = statusOther
	if c.ext == nil || c.ext.status != st {
		c.needExt().status = msn.Status(strings.Clone(string(st)))
	}
}

// lists returns the contact lists the contact is on.
func (c *contact) lists() msn.Lists {
	if c.listBits == listsOther {
		return c.ext.lists
	}
	return msn.Lists(c.listBits)
}

// setLists records the contact lists the contact is on.
func (c *contact) setLists(l msn.Lists) {
	if l >= 0 && l < listsOther {
		if c.listBits == listsOther {
			c.ext.lists = 0
			c.dropExt()
		}
		c.listBits = uint8(l)
		return
	}
	c.needExt().lists = l
	c.listBits = listsOther
}

// psm returns the contact's personal message, cleaned.
func (c *contact) psm() string {
	if c.ext == nil {
		return ""
	}
	return c.ext.psm
}

// setPSM records the contact's personal message, cleaned.
func (c *contact) setPSM(m string) {
	if m == c.psm() {
		return
	}
	if m == "" {
		c.ext.psm = ""
		c.dropExt()
		return
	}
	c.needExt().psm = m
}

// media returns what the contact listens to, cleaned; "" when nothing.
func (c *contact) media() string {
	if c.ext == nil {
		return ""
	}
	return c.ext.media
}

// setMedia records what the contact listens to, cleaned.
func (c *contact) setMedia(m string) {
	if m == c.media() {
		return
	}
	if m == "" {
		c.ext.media = ""
		c.dropExt()
		return
	}
	c.needExt().media = m
}

// presenceText is the contact's personal message with what they listen
// to, as the away reason shows it.
func (c *contact) presenceText() string {
	return mapping.WithNowPlaying(c.psm(), c.media())
}

// needExt returns c.ext, making it first when c has none.
func (c *contact) needExt() *contactExt {
	if c.ext == nil {
		c.ext = &contactExt{}
	}
	return c.ext
}

// dropExt forgets c.ext once it holds nothing.
func (c *contact) dropExt() {
	if e := c.ext; e != nil && e.psm == "" && e.media == "" && e.status == "" && e.lists == 0 && len(e.groups) == 0 && !e.yahoo {
		c.ext = nil
	}
}

// newContact is a contact as the session first knows it: offline.
func newContact(passport, nick, name string) *contact {
	return &contact{passport: passport, nick: nick, name: name, statusCode: statusOfflineCode}
}

// statusOfflineCode is the index of msn.StatusOffline in knownStatuses.
const statusOfflineCode = 1

// knownOffline reports whether the contact is known to be offline: on the
// forward list (whose contacts MSN gives presence of) and not online.
// Anyone else may be online, unseen.
func (c *contact) knownOffline() bool {
	return c.lists()&msn.ForwardList != 0 && !c.online()
}

// online reports whether the contact is known to be online.
func (c *contact) online() bool {
	st := c.status()
	return st != "" && st != msn.StatusOffline
}
