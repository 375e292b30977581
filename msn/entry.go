package msn

import (
	"strings"
)

// entry is what the client keeps of one contact. It holds the same as a
// Contact in less memory: the group ids as the one string they came in,
// and the contact id (GUID) as 16 bytes when it has the usual form.
type entry struct {
	passport string
	name     string // friendly name; the passport's own string when equal to it
	groups   string // group ids, comma-separated, without empty ones
	psm      string
	status   Status
	lists    Lists
	clientID uint32
	guid     guid
}

// snapshot returns the contact as a Contact.
func (e *entry) snapshot(odd map[string]string) Contact {
	ct := Contact{
		Passport:        e.passport,
		FriendlyName:    e.name,
		Lists:           e.lists,
		GUID:            e.guid.text(odd, e.passport),
		Status:          e.status,
		ClientID:        e.clientID,
		PersonalMessage: e.psm,
	}
	if e.groups != "" {
		ct.Groups = strings.Split(e.groups, ",")
	}
	return ct
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

// guidDashes are the positions of the dashes in a GUID's text.
var guidDashes = [4]int{8, 13, 18, 23}

// parseGUID returns s as a compact guid, or ok false when it does not have
// the usual form.
func parseGUID(s string) (g guid, ok bool) {
	if len(s) != 36 {
		return guid{}, false
	}
	lower, upper := false, false
	n, d := 0, 0
	for i := 0; i < len(s); i++ {
		if d < len(guidDashes) && i == guidDashes[d] {
			if s[i] != '-' {
				return guid{}, false
			}
			d++
			continue
		}
		var v byte
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v, lower = c-'a'+10, true
		case 'A' <= c && c <= 'F':
			v, upper = c-'A'+10, true
		default:
			return guid{}, false
		}
		if n%2 == 0 {
			g.b[n/2] = v << 4
		} else {
			g.b[n/2] |= v
		}
		n++
	}
	switch {
	case lower && upper:
		return guid{}, false
	case upper:
		g.form = guidUpper
	default:
		g.form = guidLower
	}
	return g, true
}

// text returns the id as the server spelled it ("" for none).
func (g guid) text(odd map[string]string, passport string) string {
	switch g.form {
	case guidNone:
		return ""
	case guidOdd:
		return odd[strings.ToLower(passport)]
	}
	digits := "0123456789abcdef"
	if g.form == guidUpper {
		digits = "0123456789ABCDEF"
	}
	var out [36]byte
	n, d := 0, 0
	for i := range out {
		if d < len(guidDashes) && i == guidDashes[d] {
			out[i] = '-'
			d++
			continue
		}
		v := g.b[n/2]
		if n%2 == 0 {
			v >>= 4
		}
		out[i] = digits[v&0xf]
		n++
	}
	return string(out[:])
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
		e.groups = ""
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
	if joined != e.groups {
		e.groups = strings.Clone(joined)
	}
}
