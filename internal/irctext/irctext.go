// Package irctext holds the character rules for text that the whole
// program shares: which characters are controls, bidi controls and line
// breaks, and the IRC formatting codes. It depends on nothing, so that
// the IRC server (ircd), the translations (mapping) and the store (db)
// build on the same rules.
package irctext

// IsControl reports whether r is a C0 or C1 control character or DEL. The
// IRC formatting codes (bold, colour, ...) are C0 controls too: a cleaner
// that keeps them checks for them itself.
func IsControl(r rune) bool {
	return r < 0x20 || r == 0x7f || 0x80 <= r && r <= 0x9f
}

// IsBidiControl reports whether r is a bidi embedding, override or isolate
// character (U+202A to U+202E, U+2066 to U+2069): in a name they can make
// it, and what follows it on the line, display as something else.
func IsBidiControl(r rune) bool {
	return 0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069
}

// IsLineEnd reports whether r would end an IRC line early if relayed as it
// is: CR, LF or NUL.
func IsLineEnd(r rune) bool { return r == '\r' || r == '\n' || r == 0 }

// IsLineBreak reports whether r ends a line of text: CR, LF, NEL and the
// Unicode line and paragraph separators.
func IsLineBreak(r rune) bool {
	switch r {
	case '\r', '\n', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// IsBreak reports whether r separates lines or words: a line break
// (IsLineBreak) or a tab.
func IsBreak(r rune) bool { return r == '\t' || IsLineBreak(r) }
