package mapping

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isControl reports whether r is a C0 or C1 control character or DEL.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (0x80 <= r && r <= 0x9f)
}

// isBidiControl reports whether r is a bidi embedding, override or isolate
// character (U+202A to U+202E, U+2066 to U+2069): in a name they can make
// it, and what follows it on the line, display as something else.
func isBidiControl(r rune) bool {
	return 0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069
}

// isBreak reports whether r separates lines or words: CR, LF, tab, NEL and
// the Unicode line and paragraph separators.
func isBreak(r rune) bool {
	switch r {
	case '\r', '\n', '\t', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// CleanLine makes text safe as one IRC parameter, for names, personal
// messages and topics: each run of line breaks and tabs (CR, LF, tab, NEL,
// U+2028, U+2029) becomes one space, NUL and every other C0 and C1 control
// character and the bidi embedding, override and isolate characters
// (U+202A-U+202E, U+2066-U+2069) are removed, invalid UTF-8 becomes U+FFFD,
// and surrounding white
// space is trimmed. IRC formatting codes are kept when keepFormatting is
// true; otherwise they are removed with their colour arguments.
func CleanLine(s string, keepFormatting bool) string {
	if !keepFormatting {
		s = StripFormatting(s)
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
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || isControl(r) || isBreak(r) || isBidiControl(r) {
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
		case isBreak(r):
			if !inBreak {
				b.WriteByte(' ')
			}
			inBreak = true
			continue
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case isControl(r) && !(keepFormatting && isFormatCode(r)), isBidiControl(r):
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
				size := codeLen(line)
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
		if n := codeLen(s[j:]); n > 0 {
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
		case r == '\n' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case isControl(r) && !isFormatCode(r):
			// removed
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isBlank reports whether s has no visible characters.
func isBlank(s string) bool {
	return strings.IndexFunc(StripFormatting(s), func(r rune) bool { return !unicode.IsSpace(r) }) < 0
}
