package msn

import (
	"encoding/hex"
	"strings"
)

// ContactID is a contact's id in the user's list (C= of LST and ADC from
// MSNP10, the address book's contactId from MSNP13), a GUID such as
// 9fb3beec-9e9e-4e85-8d22-a14f9ff2bf91. A contact record keeps its 16
// bytes rather than a copy of the 36 characters, which every contact of
// every session would hold for as long as the session lives. The zero
// ContactID is none.
type ContactID [16]byte

// ParseContactID reads a contact id as servers write it: a GUID in hex
// with dashes, either case, possibly in braces; the zero ContactID when s
// is no GUID. It copies nothing from s.
func ParseContactID(s string) ContactID {
	id, _ := parseGUID(s)
	return id
}

// parseGUID reads a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, either
// case, possibly in braces and spaces) into its 16 bytes, reporting
// whether s is one. It is the one rule of what a GUID is (normalGUID
// writes what it reads).
func parseGUID(s string) (id ContactID, ok bool) {
	g := strings.Trim(strings.TrimSpace(s), "{}")
	if len(g) != 36 {
		return ContactID{}, false
	}
	var digits [32]byte
	n := 0
	for i := 0; i < len(g); i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if g[i] != '-' {
				return ContactID{}, false
			}
			continue
		}
		digits[n] = g[i]
		n++
	}
	if _, err := hex.Decode(id[:], digits[:]); err != nil {
		return ContactID{}, false
	}
	return id, true
}

// IsZero reports whether id is none.
func (id ContactID) IsZero() bool { return id == ContactID{} }

// String writes id as servers send it: lower case hex with dashes; "" for
// the zero ContactID.
func (id ContactID) String() string {
	if id.IsZero() {
		return ""
	}
	return id.guid()
}

// guid writes id as a GUID in lower case, the zero one too.
func (id ContactID) guid() string {
	h := hex.EncodeToString(id[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
