package mapping

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/msn2irc/msn2irc/msn"
)

// FuzzIncomingText checks that any MSN text becomes IRC lines that cannot
// break framing: no CR, LF or NUL, none empty, none over the byte budget.
func FuzzIncomingText(f *testing.F) {
	for _, s := range []string{"hello", "line one\r\nline two", "a\x00b\rPRIVMSG #x :y\n", strings.Repeat("é", 500), "\x02bold\x02", "\u2028x\u0085y", "\xff\xfe"} {
		f.Add(s, true, false)
		f.Add(s, false, true)
	}
	f.Fuzz(func(t *testing.T, text string, bold, formatting bool) {
		for _, l := range ircLines(text, msn.Format{Bold: bold, Italic: !bold}, formatting) {
			if strings.ContainsAny(l, "\r\n\x00") {
				t.Fatalf("line with CR, LF or NUL: %q", l)
			}
			if len(l) > maxLineBytes {
				t.Fatalf("line of %d bytes: %q", len(l), l)
			}
			if strings.TrimSpace(StripFormatting(l)) == "" {
				t.Fatalf("empty line from %q", text)
			}
			if !utf8.ValidString(l) {
				t.Fatalf("invalid UTF-8: %q", l)
			}
			if !formatting && StripFormatting(l) != l {
				t.Fatalf("formatting codes with formatting off: %q", l)
			}
		}
	})
}

// FuzzAccountAndIdent checks that any address gives a usable account, ident
// and host, or is refused.
func FuzzAccountAndIdent(f *testing.F) {
	for _, s := range []string{"bob@hotmail.com", "Bob@Example.COM ", "@x", "a@", "a b@c", "x!y@z", "weird\x00@host", "ünï@cödé.de", strings.Repeat("a", 200) + "@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if a, ok := normalizeAccount(addr); ok {
			if a != strings.ToLower(a) || strings.ContainsAny(a, " \r\n\x00!,:") || strings.Count(a, "@") < 1 {
				t.Fatalf("accepted %q as %q", addr, a)
			}
		}
		ident, host := splitPassport(addr)
		for _, s := range []string{ident, host} {
			if s == "" || strings.ContainsAny(s, " !@:\r\n\x00") || len(s) > 66 {
				t.Fatalf("ident/host %q/%q from %q", ident, host, addr)
			}
		}
		if n := cleanName(addr); strings.ContainsAny(n, "\r\n\x00") {
			t.Fatalf("name %q", n)
		}
	})
}
