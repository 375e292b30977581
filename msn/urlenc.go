package msn

import (
	"fmt"
	"strconv"
	"strings"
)

// maxEncodedName is the longest friendly name MSN servers accept, in bytes
// after URL-encoding.
const maxEncodedName = 387

// MaxFriendlyNameSize is the most bytes a friendly name may take once
// URL-encoded (see FriendlyNameSize); SetFriendlyName refuses longer ones.
const MaxFriendlyNameSize = maxEncodedName

// FriendlyNameSize returns the bytes name takes once URL-encoded as
// SetFriendlyName sends it: a '%', a space or another byte below 0x21
// takes three.
func FriendlyNameSize(name string) int {
	return len(escapeName(name))
}

// decodeName URL-decodes a friendly name as servers send it. It is tolerant:
// raw UTF-8 and percent escapes both occur, invalid escapes are kept as they
// are, '+' is a literal plus, and invalid UTF-8 is replaced.
func decodeName(s string) string {
	return strings.ToValidUTF8(UnquoteName(s), "\uFFFD")
}

// UnquoteName decodes the %XX escapes of a command parameter the way
// Escargot does (Python's urllib.parse.unquote): invalid escapes are kept
// as they are, '+' stays a plus, and the bytes are returned unchanged
// otherwise, valid UTF-8 or not.
func UnquoteName(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, c)
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

// QuoteName escapes a command parameter the way Escargot does on output:
// '%', space, CR and LF become %XX; every other byte, UTF-8 included, goes
// out raw.
func QuoteName(s string) string {
	return escapeBytes(s, func(c byte) bool { return c == '%' || c == ' ' || c == '\r' || c == '\n' })
}

// escapeBytes writes every byte of s for which esc is true as %XX, in
// upper-case hex.
func escapeBytes(s string, esc func(c byte) bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if esc(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const digits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if esc(c) {
			b = append(b, '%', digits[c>>4], digits[c&0xf])
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// encodeName URL-encodes a friendly name for sending: '%', space, CR, LF,
// every byte below 0x21 and DEL are escaped; other UTF-8 goes out raw, as
// real clients and servers do. Names longer than 387 bytes once encoded are
// refused with ErrNameTooLong; empty names are refused too, since an empty
// parameter would break the command line.
func encodeName(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("msn: empty friendly name")
	}
	enc := escapeName(s)
	if len(enc) > maxEncodedName {
		return "", fmt.Errorf("%w: %d bytes", ErrNameTooLong, len(enc))
	}
	return enc, nil
}

// escapeName is encodeName without its checks.
func escapeName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return escapeBytes(s, func(c byte) bool { return c < 0x21 || c == '%' || c == 0x7f })
}

// percentEncode escapes everything but RFC 3986 unreserved characters, for
// the fields of a Passport Authorization header.
func percentEncode(s string) string {
	return escapeBytes(s, func(c byte) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~')
	})
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", "\"", "&quot;")

// xmlEscape escapes text for a personal message payload.
func xmlEscape(s string) string { return xmlEscaper.Replace(s) }

// xmlUnescape reverses xmlEscape and also decodes numeric character references.
// Unknown entities are kept as they are.
func xmlUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s, ';')
		if j < 0 || j > 12 {
			b.WriteByte('&')
			s = s[1:]
			continue
		}
		ent := s[1:j]
		if r, ok := entity(ent); ok {
			b.WriteString(r)
			s = s[j+1:]
			continue
		}
		b.WriteByte('&')
		s = s[1:]
	}
}

func entity(e string) (string, bool) {
	switch e {
	case "amp":
		return "&", true
	case "lt":
		return "<", true
	case "gt":
		return ">", true
	case "apos":
		return "'", true
	case "quot":
		return "\"", true
	}
	if len(e) > 1 && e[0] == '#' {
		var n int64
		var err error
		if e[1] == 'x' || e[1] == 'X' {
			n, err = strconv.ParseInt(e[2:], 16, 32)
		} else {
			n, err = strconv.ParseInt(e[1:], 10, 32)
		}
		if err == nil && n > 0 && n <= 0x10FFFF {
			return string(rune(n)), true
		}
	}
	return "", false
}
