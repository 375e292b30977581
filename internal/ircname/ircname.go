// Package ircname holds the rules for IRC nicks that the whole program
// shares: which nicks are valid and how names are casefolded (the ascii
// casemapping, CASEMAPPING=ascii). It depends on nothing, so that the IRC
// server (ircd) and the bridge (mapping) use the same rules.
package ircname

// NickLen is the longest nick the IRC server accepts (NICKLEN).
const NickLen = 32

// Casefold folds a nick or channel name with the ascii casemapping: only
// the letters A-Z are folded (to a-z). A name without capitals is returned
// as it is.
func Casefold(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}

// Equal reports whether a and b are the same name under the ascii
// casemapping, without allocating.
func Equal(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if fold(a[i]) != fold(b[i]) {
			return false
		}
	}
	return true
}

func fold(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// IsSpecial reports whether c is one of the special characters a nick may
// have anywhere, first included: []\`_^{|}.
func IsSpecial(c byte) bool {
	switch c {
	case '[', ']', '\\', '`', '_', '^', '{', '|', '}':
		return true
	}
	return false
}

// IsLetter reports whether c is an ASCII letter.
func IsLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// IsNickStart reports whether a nick may start with c: a letter or a special.
func IsNickStart(c byte) bool { return IsLetter(c) || IsSpecial(c) }

// IsNickChar reports whether c may appear in a nick after its first
// character: a letter, a digit, a special or '-'.
func IsNickChar(c byte) bool { return IsNickStart(c) || IsDigit(c) || c == '-' }

// ValidNick reports whether s is a valid nick: not empty, at most maxLen
// bytes (no limit when maxLen < 1), a letter or special first, then
// letters, digits, specials and '-'.
func ValidNick(s string, maxLen int) bool {
	if s == "" || maxLen > 0 && len(s) > maxLen || !IsNickStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !IsNickChar(s[i]) {
			return false
		}
	}
	return true
}
