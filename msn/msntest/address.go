package msntest

import "strings"

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

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
