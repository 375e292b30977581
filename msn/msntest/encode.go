package msntest

import "strings"

// quote escapes a parameter the way Escargot does on output: only '%',
// space, CR and LF; other bytes (UTF-8 included) go out raw.
func quote(s string) string {
	if !strings.ContainsAny(s, "% \r\n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			b.WriteString("%25")
		case ' ':
			b.WriteString("%20")
		case '\r':
			b.WriteString("%0D")
		case '\n':
			b.WriteString("%0A")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unquote decodes %XX escapes like Python's urllib.parse.unquote, which
// Escargot applies to every incoming parameter: invalid escapes are kept as
// they are and '+' stays a plus.
func unquote(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// validPassport is a loose check of an e-mail address as Escargot does it:
// something before and after an '@', no white space or control characters.
func validPassport(p string) bool {
	at := strings.IndexByte(p, '@')
	if at <= 0 || at == len(p)-1 || len(p) > 129 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] == 0x7f {
			return false
		}
	}
	return true
}
