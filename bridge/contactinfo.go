package bridge

// How a contact shows on IRC: ident and host from the address, clean names
// and personal messages, WHOIS lines.

import (
	"strconv"
	"strings"

	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// whoisInfo is a contact's WHOIS lines, as the contact is now.
func whoisInfo(c *contact) []string {
	_, online := mapping.AwayText(c.status(), c.psm())
	return whoisLines(c.passport, c.name, c.psm(), c.media(), whoisStatusName(c.status(), online), c.lists())
}

func whoisStatusName(st msn.Status, online bool) string {
	if !online {
		return "Offline"
	}
	return mapping.StatusName(st)
}

// whoisLines are a contact's WHOIS lines.
func whoisLines(passport, name, psm, media, status string, lists msn.Lists) []string {
	info := []string{"is " + passport + " on MSN (" + status + ")"}
	if name != "" {
		info = append(info, "friendly name: "+name)
	}
	if psm != "" {
		info = append(info, "personal message: "+psm)
	}
	if media != "" {
		info = append(info, "now playing: "+media)
	}
	return append(info, "lists: "+listNames(lists))
}

func listNames(l msn.Lists) string {
	var parts []string
	for _, x := range []struct {
		l    msn.Lists
		name string
	}{{msn.ForwardList, "FL"}, {msn.AllowList, "AL"}, {msn.BlockList, "BL"}, {msn.ReverseList, "RL"}, {msn.PendingList, "PL"}} {
		if l&x.l != 0 {
			parts = append(parts, x.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// splitPassport gives the ident and host of an address.
func splitPassport(p string) (ident, host string) {
	local, domain, _ := strings.Cut(p, "@")
	ident = identSafe(local, "user")
	host = identSafe(domain, "msn")
	return ident, host
}

// identSafe keeps the characters allowed in an ident or host.
func identSafe(s, fallback string) string {
	out := s
	if !identChars(s) {
		out = strings.Map(identRune, s)
	}
	if out == "" || out[0] == '.' || out[0] == '-' {
		out = fallback + out
	}
	if len(out) > 63 {
		out = out[:63]
	}
	return out
}

// identChars reports whether every byte of s is allowed in an ident or host.
func identChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if identRune(rune(s[i])) < 0 {
			return false
		}
	}
	return true
}

// identRune keeps r when it is allowed in an ident or host (-1 drops it).
func identRune(r rune) rune {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return r
	case r == '-' || r == '.' || r == '_' || r == '~' || r == '+' || r == '=':
		return r
	}
	return -1
}

// cleanName makes MSN text (a friendly name, a personal message, a status
// or server text) safe as one IRC line: mapping.CleanLine without
// formatting, so that names and messages read the same everywhere.
func cleanName(s string) string { return mapping.CleanLine(s, false) }

func itoa(n int) string { return strconv.Itoa(n) }
