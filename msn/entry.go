package msn

import (
	"strings"
)

// entry is what the client keeps of one contact. It holds the same as a
// Contact in less memory: 64 bytes and the passport for most contacts. The
// group ids are kept as the one string they came in, the contact id (GUID)
// as 16 bytes when it has the usual form, the status as a number when it
// is a known one, the lists as a byte; what only some contacts have is
// kept apart, in more.
type entry struct {
	passport string
	name     string     // friendly name; the passport's own string when equal to it
	more     *entryMore // nil when the contact has none of it
	guid     guid
	status   uint8 // index in knownStatuses, or statusOther
	lists    uint8 // or listsOther
	clientID uint32
}

// entryMore is what only some contacts have.
type entryMore struct {
	groups string // group ids, comma-separated, without empty ones
	psm    string
	status Status // when not one of knownStatuses
	lists  Lists  // when not below listsOther
}

// listsOther is the lists byte of an entry whose lists, not a byte's worth
// of bits, are in more.
const listsOther = 0xff

// getLists returns the lists the contact is on.
func (e *entry) getLists() Lists {
	if e.lists == listsOther {
		return e.more.lists
	}
	return Lists(e.lists)
}

// setLists records the lists the contact is on.
func (e *entry) setLists(l Lists) {
	if l >= 0 && l < listsOther {
		if e.lists == listsOther {
			e.more.lists = 0
			e.dropMore()
		}
		e.lists = uint8(l)
		return
	}
	e.needMore().lists = l
	e.lists = listsOther
}

// knownStatuses are the statuses an entry keeps as their index; the zero
// index is offline, the status of a new entry.
var knownStatuses = [...]Status{StatusOffline, StatusOnline, StatusBusy, StatusIdle, StatusBRB, StatusAway, StatusPhone, StatusLunch, StatusHidden}

// statusOther is the status index of an entry whose status is in more.
const statusOther = 0xff

// getStatus returns the contact's status.
func (e *entry) getStatus() Status {
	if e.status == statusOther {
		return e.more.status
	}
	return knownStatuses[e.status]
}

// setStatus records the contact's status, keeping a copy of an unknown one
// so that it does not hold on to the protocol line it was cut from.
func (e *entry) setStatus(st Status) {
	for i, k := range knownStatuses {
		if st == k {
			e.status = uint8(i)
			if e.more != nil && e.more.status != "" {
				e.more.status = ""
				e.dropMore()
			}
			return
		}
	}
	e.status = statusOther
	if e.more == nil || e.more.status != st {
		e.needMore().status = Status(strings.Clone(string(st)))
	}
}

// groups returns the contact's group ids, comma-separated.
func (e *entry) groups() string {
	if e.more == nil {
		return ""
	}
	return e.more.groups
}

// psm returns the contact's personal message.
func (e *entry) psm() string {
	if e.more == nil {
		return ""
	}
	return e.more.psm
}

// setPSM records the contact's personal message, keeping a copy.
func (e *entry) setPSM(m string) {
	if m == e.psm() {
		return
	}
	if m == "" {
		e.more.psm = ""
		e.dropMore()
		return
	}
	e.needMore().psm = strings.Clone(m)
}

// needMore returns e.more, making it first when e has none.
func (e *entry) needMore() *entryMore {
	if e.more == nil {
		e.more = &entryMore{}
	}
	return e.more
}

// dropMore forgets e.more once it holds nothing.
func (e *entry) dropMore() {
	if m := e.more; m != nil && *m == (entryMore{}) {
		e.more = nil
	}
}

// snapshot returns the contact as a Contact.
func (e *entry) snapshot(odd map[string]string) Contact {
	var ct Contact
	e.fill(&ct)
	ct.GUID = e.guid.text(odd, e.passport)
	if g := e.groups(); g != "" {
		ct.Groups = strings.Split(g, ",")
	}
	return ct
}

// fill sets what ct says of the contact, but for its GUID and Groups.
func (e *entry) fill(ct *Contact) {
	ct.Passport = e.passport
	ct.FriendlyName = e.name
	ct.Lists = e.getLists()
	ct.Status = e.getStatus()
	ct.ClientID = e.clientID
	ct.PersonalMessage = e.psm()
}

// guid is a contact id. Ids of the form servers use, 32 hex digits in
// groups of 8-4-4-4-12 all in one case, are kept as their 16 bytes; any
// other id is kept in the client's odd map, by lower-cased passport.
type guid struct {
	b    [16]byte
	form uint8 // guidNone, guidLower, guidUpper or guidOdd
}

const (
	guidNone = iota
	guidLower
	guidUpper
	guidOdd
)

// parseGUID returns s as a compact guid, or ok false when it does not have
// the usual form.
func parseGUID(s string) (g guid, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return guid{}, false
	}
	var seen uint8 // hexLower and hexUpper bits of the letters met
	for n, i := range guidBytePos {
		hi, lo := hexDigit[s[i]], hexDigit[s[i+1]]
		if hi == 0 || lo == 0 {
			return guid{}, false
		}
		seen |= hi | lo
		g.b[n] = (hi&0xf)<<4 | lo&0xf
	}
	switch {
	case seen&hexUpper != 0 && seen&hexLower != 0:
		return guid{}, false
	case seen&hexUpper != 0:
		g.form = guidUpper
	default:
		g.form = guidLower
	}
	return g, true
}

// guidBytePos are the positions of the 16 bytes' digit pairs in a GUID's text.
var guidBytePos = [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// hexDigit maps a hex digit to its value plus hexDigitBit, plus hexLower or
// hexUpper for letters; anything else to 0.
var hexDigit = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = uint8(c-'0') | hexDigitBit
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = uint8(c-'a'+10) | hexDigitBit | hexLower
	}
	for c := 'A'; c <= 'F'; c++ {
		t[c] = uint8(c-'A'+10) | hexDigitBit | hexUpper
	}
	return t
}()

const (
	hexDigitBit = 0x10
	hexLower    = 0x20
	hexUpper    = 0x40
)

// text returns the id as the server spelled it ("" for none).
func (g guid) text(odd map[string]string, passport string) string {
	switch g.form {
	case guidNone:
		return ""
	case guidOdd:
		return odd[strings.ToLower(passport)]
	}
	var out [guidLen]byte
	return string(g.appendText(out[:0]))
}

// guidLen is the length of a GUID's text.
const guidLen = 36

// appendText appends the text of an id of the usual form (guidLower or
// guidUpper) to dst.
func (g guid) appendText(dst []byte) []byte {
	digits := "0123456789abcdef"
	if g.form == guidUpper {
		digits = "0123456789ABCDEF"
	}
	n := len(dst)
	dst = append(dst, make([]byte, guidLen)...)
	out := dst[n : n+guidLen]
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	for n, i := range guidBytePos {
		out[i], out[i+1] = digits[g.b[n]>>4], digits[g.b[n]&0xf]
	}
	return dst
}

// setGUIDLocked records the contact id of e ("" for none).
func (c *Client) setGUIDLocked(e *entry, id string) {
	key := strings.ToLower(e.passport)
	if e.guid.form == guidOdd {
		delete(c.oddGUIDs, key)
	}
	if id == "" {
		e.guid = guid{}
		return
	}
	if g, ok := parseGUID(id); ok {
		e.guid = g
		return
	}
	if c.oddGUIDs == nil {
		c.oddGUIDs = map[string]string{}
	}
	c.oddGUIDs[key] = strings.Clone(id)
	e.guid = guid{form: guidOdd}
}

// guidIsLocked reports whether e's contact id is id.
func (c *Client) guidIsLocked(e *entry, id string) bool {
	switch e.guid.form {
	case guidNone:
		return false
	case guidOdd:
		return c.oddGUIDs[strings.ToLower(e.passport)] == id
	}
	g, ok := parseGUID(id)
	return ok && g == e.guid
}

// setName records a friendly name as decoded from the protocol, keeping a
// copy that does not hold on to the line it was cut from.
func (e *entry) setName(decoded string) {
	if decoded == e.passport {
		e.name = e.passport
		return
	}
	if decoded != e.name {
		e.name = strings.Clone(decoded)
	}
}

// setGroups records comma-separated group ids.
func (e *entry) setGroups(s string) {
	if s == "" {
		if e.groups() != "" {
			e.more.groups = ""
			e.dropMore()
		}
		return
	}
	parts := strings.Split(s, ",")
	kept := parts[:0]
	for _, g := range parts {
		if g != "" {
			kept = append(kept, g)
		}
	}
	joined := strings.Join(kept, ",")
	if joined != e.groups() {
		e.needMore().groups = strings.Clone(joined)
	}
}
