package ircd

import (
	"strings"
	"unicode/utf8"

	"github.com/msn2irc/msn2irc/internal/ircname"
	"github.com/msn2irc/msn2irc/internal/irctext"
)

// Limits advertised in ISUPPORT and enforced on input. NICKLEN is
// ircname.NickLen.
const (
	channelLen  = 64
	awayLen     = 390
	topicLen    = 390
	realnameLen = 200
	userLen     = 32
)

// validNick reports whether s is an acceptable nick (ircname.ValidNick
// within NICKLEN).
func validNick(s string) bool { return ircname.ValidNick(s, ircname.NickLen) }

// isChannel reports whether target names a channel (CHANTYPES=&#).
func isChannel(target string) bool {
	return target != "" && (target[0] == '#' || target[0] == '&')
}

// validChannel reports whether s is an acceptable channel name.
func validChannel(s string) bool {
	if !isChannel(s) || len(s) < 2 || len(s) > channelLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == ',' || r == 0x07 || r == 0x7f {
			return false
		}
	}
	return true
}

// cleanText makes free text safe as the last parameter of a line: invalid
// UTF-8 becomes U+FFFD and each CR, LF and NUL (irctext.IsLineEnd) a space,
// so it cannot end the line early. Unlike mapping.CleanLine it keeps every
// other character, formatting codes and tabs included: it is the last line
// of defence for whatever the bridge or a client says, and the text is the
// sender's to shape.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD") // UTF8ONLY: never relay invalid UTF-8
	}
	if strings.IndexFunc(s, irctext.IsLineEnd) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if irctext.IsLineEnd(r) {
			return ' '
		}
		return r
	}, s)
}

// cleanName makes s usable as a name or a short text about someone
// (realname, away reason, topic): cleanText, then every other control
// character (formatting codes too) and bidi control removed. Unlike
// mapping.CleanLine it neither collapses runs of spaces nor trims them: a
// client's realname or topic is shown as the client set it.
func cleanName(s string) string {
	s = cleanText(s)
	drop := func(r rune) bool { return irctext.IsControl(r) || irctext.IsBidiControl(r) }
	if strings.IndexFunc(s, drop) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if drop(r) {
			return -1
		}
		return r
	}, s)
}

// cleanWord makes s usable as a middle parameter: no spaces, no line breaks,
// not empty and not starting with ':'.
func cleanWord(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		if irctext.IsLineEnd(r) || r == ' ' {
			return '_'
		}
		return r
	}, s)
	if s == "" {
		return "*"
	}
	if s[0] == ':' {
		s = "_" + s[1:]
	}
	return s
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// splitText cuts text into pieces of at most max bytes, at a space when
// there is one in the second half of the piece, never inside a UTF-8
// sequence. Empty text gives one empty piece.
func splitText(text string, max int) []string {
	if max < 16 {
		max = 16
	}
	var parts []string
	for len(text) > max {
		cut := len(truncate(text, max))
		if sp := strings.LastIndexByte(text[:cut], ' '); sp > cut/2 {
			cut = sp + 1
		}
		parts = append(parts, text[:cut])
		text = text[cut:]
	}
	return append(parts, text)
}

// validTagValue reports whether v may be sent as a tag value: valid UTF-8
// without control characters (NUL, CR, LF and the others). A client's tag
// whose value is not is dropped, never repaired: its meaning is unknown.
func validTagValue(v string) bool {
	if !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if irctext.IsControl(r) {
			return false
		}
	}
	return true
}

// plainWord reports whether s is printable ASCII without spaces, not
// starting with ':' (and, for a prefix part, without '!' and '@'): a word
// cleanWord and cleanPrefixPart leave as it is.
func plainWord(s string, prefixPart bool) bool {
	if s == "" || s[0] == ':' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || prefixPart && (c == '!' || c == '@') {
			return false
		}
	}
	return true
}

// cleanWordFast is cleanWord, without copying a word that needs no change.
func cleanWordFast(s string) string {
	if plainWord(s, false) {
		return s
	}
	return cleanWord(s)
}

// cleanNameFast is cleanName, without copying ASCII text that needs no change.
func cleanNameFast(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return cleanName(s)
		}
	}
	return s
}

// cleanLines returns the lines cleaned for one IRC line each.
func cleanLines(lines []string) []string {
	if len(lines) == 0 {
		return nil
	}
	info := make([]string, 0, len(lines))
	for _, l := range lines {
		info = append(info, cleanText(l))
	}
	return info
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
