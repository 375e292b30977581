package mapping

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/msn2irc/msn2irc/internal/irctext"
)

// The character rules (controls, bidi controls, breaks) are irctext's, the
// same as the IRC server's. The cleaners differ from ircd's on purpose:
// ircd only keeps a line from breaking and relays the rest, while these
// shape MSN text for IRC and IRC text for MSN, so they also collapse
// breaks, trim, and strip IRC formatting where MSN has no place for it.

// CleanLine makes text safe as one IRC parameter, for names, personal
// messages and topics: each run of line breaks and tabs (CR, LF, tab, NEL,
// U+2028, U+2029) becomes one space, NUL and every other C0 and C1 control
// character and the bidi embedding, override and isolate characters
// (U+202A-U+202E, U+2066-U+2069) are removed, invalid UTF-8 becomes U+FFFD,
// and surrounding white space is trimmed. IRC formatting codes are kept
// when keepFormatting is true; otherwise they are removed with their colour
// arguments. Unlike ircd's cleaners it makes one tidy line of a multi-line
// text, as MSN names and messages may span lines and IRC parameters may
// not.
func CleanLine(s string, keepFormatting bool) string {
	if !keepFormatting {
		s = irctext.StripFormatting(s)
	}
	if isClean(s) {
		return s // most lines: nothing to copy
	}
	return cleanLine(s, keepFormatting)
}

// isClean reports whether cleanLine would return s as it is: valid UTF-8
// without control characters or breaks, and without white space at either
// end.
func isClean(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if irctext.IsControl(rune(c)) {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || irctext.IsControl(r) || irctext.IsBreak(r) || irctext.IsBidiControl(r) {
			return false
		}
		i += size
	}
	if s == "" {
		return true
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	return !unicode.IsSpace(first) && !unicode.IsSpace(last)
}

// cleanLine is CleanLine after formatting was stripped when asked.
func cleanLine(s string, keepFormatting bool) string {
	var b strings.Builder
	b.Grow(len(s))
	inBreak := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case irctext.IsBreak(r):
			if !inBreak {
				b.WriteByte(' ')
			}
			inBreak = true
			continue
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case irctext.IsControl(r) && !(keepFormatting && irctext.IsFormatCode(r)), irctext.IsBidiControl(r):
			// removed
		default:
			b.WriteRune(r)
		}
		inBreak = false
	}
	return strings.TrimSpace(b.String())
}

// SplitLines splits MSN text into IRC message lines. Lines end at "\r\n",
// "\n", "\r", NEL, U+2028 and U+2029. In each line tabs become spaces,
// other control characters except the IRC formatting codes are removed, and
// invalid UTF-8 becomes U+FFFD. A line longer than maxBytes is split at a
// UTF-8 boundary, at the last space when there is one in the second half of
// the piece (that space is dropped), never inside a colour code; formatting
// in effect at a split is turned on again at the start of the next piece
// when there is room. Lines with no visible text are dropped. maxBytes < 1
// means no limit; a character or formatting code longer than maxBytes is
// dropped.
func SplitLines(text string, maxBytes int) []string {
	var out []string
	emit := func(s string) {
		if !isBlank(s) {
			out = append(out, s)
		}
	}
	for _, line := range strings.FieldsFunc(cleanText(text), func(r rune) bool { return r == '\n' }) {
		if maxBytes < 1 {
			emit(line)
			continue
		}
		prefix := ""
		for line != "" {
			room := maxBytes - len(prefix)
			if room < maxBytes/2 || room < 8 {
				// Not worth carrying the formatting over.
				prefix, room = "", maxBytes
			}
			if len(line) <= room {
				emit(prefix + line)
				break
			}
			cut := splitPoint(line, room)
			if cut == 0 {
				// The first character or formatting code does not fit
				// at all: drop it.
				size := irctext.FormatCodeLen(line)
				if size == 0 {
					_, size = utf8.DecodeRuneInString(line)
				}
				line = line[size:]
				continue
			}
			piece, rest := line[:cut], line[cut:]
			if sp := strings.LastIndexByte(line[:cut+1], ' '); sp > 0 && sp >= cut/2 {
				piece, rest = line[:sp], line[sp+1:]
			}
			emit(prefix + piece)
			prefix = styleAtEnd(prefix + piece).codes()
			line = rest
		}
	}
	return out
}

// splitPoint returns the largest n <= room (and < len(s)) such that s[:n]
// ends at a character boundary outside any formatting code.
func splitPoint(s string, room int) int {
	cut := room
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	// Move back before a colour code that would straddle the cut. The
	// longest code is 14 bytes (\x04RRGGBB,RRGGBB).
	for j := max(0, cut-13); j < cut; j++ {
		if n := irctext.FormatCodeLen(s[j:]); n > 0 {
			if j+n > cut {
				return j
			}
			j += n - 1
		}
	}
	return cut
}

// cleanText normalises line ends to "\n", turns tabs into spaces, removes
// other control characters except formatting codes and replaces invalid
// UTF-8 with U+FFFD.
func cleanText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			b.WriteByte('\n')
		case irctext.IsLineBreak(r):
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case irctext.IsControl(r) && !irctext.IsFormatCode(r):
			// removed
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isBlank reports whether s has no visible characters.
func isBlank(s string) bool {
	return strings.IndexFunc(irctext.StripFormatting(s), func(r rune) bool { return !unicode.IsSpace(r) }) < 0
}
