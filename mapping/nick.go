package mapping

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// ServiceNick is the nick of the service user that answers commands. No
// contact ever gets it.
const ServiceNick = "msn"

// Casefold folds a nick or channel name with the ascii casemapping, as
// the IRC server does (ircname.Casefold).
func Casefold(s string) string { return ircname.Casefold(s) }

// isJoiner reports whether c already joins words, so that white space next
// to it needs no '_'.
func isJoiner(c byte) bool { return c == '_' || c == '-' }

// IsValidNick reports whether s is a nick SanitizeNick could produce:
// a valid IRC nick (ircname.ValidNick) of any length.
func IsValidNick(s string) bool { return ircname.ValidNick(s, 0) }

// translit spells the letters that have no decomposition into an ASCII
// letter plus combining marks.
var translit = map[rune]string{
	'ß': "ss", 'ẞ': "SS",
	'ø': "o", 'Ø': "O",
	'æ': "ae", 'Æ': "AE",
	'œ': "oe", 'Œ': "OE",
	'ł': "l", 'Ł': "L",
	'đ': "d", 'Đ': "D",
	'ð': "d", 'Ð': "D",
	'þ': "th", 'Þ': "Th",
	'ı': "i",
	'ħ': "h", 'Ħ': "H",
	'ŀ': "l", 'Ŀ': "L",
	'ŋ': "n", 'Ŋ': "N",
	'ŧ': "t", 'Ŧ': "T",
	'ĸ': "k",
	'ſ': "s",
	'ƒ': "f",
}

// SanitizeNick makes an IRC nick from arbitrary text:
//
//   - Letters with accents lose them (é -> e; compatibility forms such as
//     full-width letters and ligatures become plain letters: Ａ -> A,
//     ﬁ -> fi), and letters that do not decompose are spelt out (ß -> ss,
//     ø -> o, æ -> ae, Ł -> L, þ -> th, ...).
//   - Each run of white space becomes one '_' between words (none at the
//     start or the end, none next to a '_' or '-'): "John Smith" ->
//     "John_Smith", "John - Smith" -> "John-Smith".
//   - Every other character that is not an IRC nick character (ASCII
//     letters, digits and []\`_^{|}-) is dropped: emoji, other scripts,
//     punctuation such as '.', '@' and '!'.
//   - A leading '-' is dropped; a leading digit gets a '_' in front, since a
//     nick cannot start with either: "1337" -> "_1337".
//   - The result is cut to maxLen bytes (maxLen < 1: no limit).
//
// It returns "" when nothing usable remains. The result of a non-empty
// return is a valid nick, and SanitizeNick(SanitizeNick(s)) == SanitizeNick(s).
func SanitizeNick(s string, maxLen int) string {
	if IsValidNick(s) && (maxLen < 1 || len(s) <= maxLen) {
		return s // nothing to change
	}
	var b strings.Builder
	space := false // white space seen since the last written character
	var last byte  // the last written character
	write := func(c byte) {
		if b.Len() == 0 {
			switch {
			case c == '-':
				space = false
				return
			case ircname.IsDigit(c):
				b.WriteByte('_')
			}
		} else if space && !isJoiner(c) && !isJoiner(last) {
			b.WriteByte('_')
		}
		space = false
		b.WriteByte(c)
		last = c
	}
	for _, r := range norm.NFKD.String(strings.ToValidUTF8(s, "")) {
		switch {
		case r < utf8.RuneSelf && ircname.IsNickChar(byte(r)):
			write(byte(r))
		case unicode.IsSpace(r):
			space = true
		case unicode.Is(unicode.Mn, r):
			// combining mark of a decomposed letter: drop
		default:
			for _, c := range []byte(translit[r]) {
				write(c)
			}
		}
	}
	n := b.String()
	if maxLen > 0 && len(n) > maxLen {
		n = n[:maxLen]
	}
	return n
}

// NickForContact computes the nick for a contact.
//
// The base is SanitizeNick of the passport's local part (source "passport",
// or any unknown source) or of the friendly name (source "name"; a friendly
// name that is the passport, as MSN gives a contact without one, counts as
// none). When that is empty it falls back, in order, to the local part, the whole passport,
// and "msn-" followed by a hash of the passport.
//
// Collisions are then broken the same way every time: taken(n) reports
// whether n is in use (ascii casemapping) by the user, the service user or
// another contact; the candidates are tried in the order base, base_,
// base2, base3, ..., each cut so that it stays within maxLen (maxLen < 1:
// no limit). The service nick "msn" is never returned even if taken does not
// report it. The result is "" only if no candidate is free, which needs
// maxLen too small to hold a suffix or a taken that refuses everything.
func NickForContact(passport, friendlyName, source string, maxLen int, taken func(string) bool) string {
	base := nickBase(passport, friendlyName, source, maxLen)
	if base == "" {
		return ""
	}
	isTaken := func(n string) bool {
		return Casefold(n) == ServiceNick || (taken != nil && taken(n))
	}
	if !isTaken(base) {
		return base
	}
	const maxTries = 100000
	for i := 1; i <= maxTries; i++ {
		suffix := "_"
		if i > 1 {
			suffix = strconv.Itoa(i)
		}
		n := withSuffix(base, suffix, maxLen)
		if n != "" && !isTaken(n) {
			return n
		}
	}
	return ""
}

// withSuffix appends suffix to base, cutting base so that the result fits in
// maxLen. It returns "" when no part of base fits.
func withSuffix(base, suffix string, maxLen int) string {
	if maxLen > 0 && len(base)+len(suffix) > maxLen {
		keep := maxLen - len(suffix)
		if keep < 1 {
			return ""
		}
		base = base[:keep]
	}
	return base + suffix
}

// NoName reports whether a contact's friendly name says nothing of its
// own: empty, or the contact's address, which MSN gives a contact that
// never chose a name.
func NoName(friendlyName, passport string) bool {
	return friendlyName == "" || strings.EqualFold(friendlyName, passport)
}

// nickBase is the nick a contact gets when nothing collides.
func nickBase(passport, friendlyName, source string, maxLen int) string {
	local := passport
	if i := strings.LastIndexByte(passport, '@'); i >= 0 {
		local = passport[:i]
	}
	if source == "name" && !NoName(friendlyName, passport) {
		if n := SanitizeNick(friendlyName, maxLen); n != "" {
			return n
		}
	}
	if n := SanitizeNick(local, maxLen); n != "" {
		return n
	}
	if n := SanitizeNick(passport, maxLen); n != "" {
		return n
	}
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(passport)))
	return SanitizeNick(fmt.Sprintf("msn-%08x", h.Sum32()), maxLen)
}
