package irctext

import "strings"

// The IRC formatting codes.
const (
	Bold      = '\x02'
	Color     = '\x03' // with up to two digits, a comma and up to two more
	HexColor  = '\x04' // with six hex digits, a comma and six more
	Reset     = '\x0f'
	Monospace = '\x11'
	Reverse   = '\x16'
	Italic    = '\x1d'
	Strike    = '\x1e'
	Underline = '\x1f'
)

// IsFormatCode reports whether c starts an IRC formatting code.
func IsFormatCode(c rune) bool {
	switch c {
	case Bold, Color, HexColor, Reset, Monospace, Reverse, Italic, Strike, Underline:
		return true
	}
	return false
}

// HasFormatCode reports whether s holds an IRC formatting code. The codes
// are ASCII control characters, which UTF-8 never uses inside another
// character, so the bytes are enough.
func HasFormatCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 && IsFormatCode(rune(s[i])) {
			return true
		}
	}
	return false
}

// FormatCodeLen returns the length in bytes of the formatting code at the
// start of s, or 0 if s does not start with one. Colour codes include
// their arguments: \x03 with up to two digits, optionally a comma and up
// to two more; \x04 with six hex digits, optionally a comma and six more.
func FormatCodeLen(s string) int {
	if s == "" || !IsFormatCode(rune(s[0])) {
		return 0
	}
	switch s[0] {
	case Color:
		n := 1 + countPrefix(s[1:], isDigit, 2)
		if n > 1 && n+1 < len(s) && s[n] == ',' && isDigit(s[n+1]) {
			n += 1 + countPrefix(s[n+1:], isDigit, 2)
		}
		return n
	case HexColor:
		n := 1
		if countPrefix(s[1:], isHex, 6) == 6 {
			n += 6
			if n < len(s) && s[n] == ',' && countPrefix(s[n+1:], isHex, 6) == 6 {
				n += 7
			}
		}
		return n
	}
	return 1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

// countPrefix counts the leading bytes of s that satisfy ok, up to max.
func countPrefix(s string, ok func(byte) bool, max int) int {
	n := 0
	for n < len(s) && n < max && ok(s[n]) {
		n++
	}
	return n
}

// StripFormatting removes every IRC formatting code (bold, italic,
// underline, strike-out, monospace, reverse, reset, and colour codes with
// their digits). Other text, control characters included, is kept.
func StripFormatting(s string) string {
	if !HasFormatCode(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if n := FormatCodeLen(s[i:]); n > 0 {
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
