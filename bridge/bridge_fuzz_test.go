package bridge

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/msn2irc/msn2irc/internal/irctext"
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
		for _, l := range ircLines(text, msn.Format{Bold: bold, Italic: !bold}, formatting, maxLineBytes) {
			if strings.ContainsAny(l, "\r\n\x00") {
				t.Fatalf("line with CR, LF or NUL: %q", l)
			}
			if len(l) > maxLineBytes {
				t.Fatalf("line of %d bytes: %q", len(l), l)
			}
			if strings.TrimSpace(irctext.StripFormatting(l)) == "" {
				t.Fatalf("empty line from %q", text)
			}
			if !utf8.ValidString(l) {
				t.Fatalf("invalid UTF-8: %q", l)
			}
			if !formatting && irctext.StripFormatting(l) != l {
				t.Fatalf("formatting codes with formatting off: %q", l)
			}
		}
	})
}

// FuzzAccountAndIdent checks that any address gives a usable account, ident
// and host, or is refused.
func FuzzAccountAndIdent(f *testing.F) {
	for _, s := range []string{"bob@hotmail.com", "Bob@Example.COM ", "@x", "a@", "a b@c", "x!y@z", "weird\x00@host", "bob\x0b@example.com", "a@b@c", "ünï@cödé.de", strings.Repeat("a", 200) + "@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if a, ok := normalizeAccount(addr); ok {
			if a != strings.ToLower(a) || strings.ContainsAny(a, " \r\n\x00\x01\x0b\x7f!,:") || strings.Count(a, "@") != 1 {
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

// FuzzIncomingNames feeds MSN texts that reach IRC through a session (a
// friendly name, a personal message, message text with a P4-Context, a
// pending request's address, a server notice) and checks what the world
// shows: names, away reasons, WHOIS lines and the topic without control
// or bidi characters, message texts without control characters other than
// formatting codes; and the P4-Context never becomes a name.
func FuzzIncomingNames(f *testing.F) {
	f.Add("Bob", "psm", "hi", "Impostor", "eve@example.com", "maintenance")
	f.Add("B\u202eob\r\nQUIT", "p\x00s\u2066m", "a\r\nb\x07", "\u202eX", "e ve\x01@x", "\x00\r\nNOTICE")
	f.Add(strings.Repeat("Zoë", 200), strings.Repeat("p", 600), strings.Repeat("é", 600), "", "@", "")
	f.Fuzz(func(t *testing.T, name, psm, text, p4, address, notice string) {
		s := newDrawSession(t)
		const bob = "bob@example.com"
		s.handleEvent(msn.PresenceChanged{Passport: bob, FriendlyName: name, Status: msn.StatusBusy})
		s.handleEvent(msn.PersonalMessageChanged{Passport: bob, Message: psm})
		s.handleEvent(msn.PersonalMessageChanged{Passport: s.account, Message: psm})
		s.handleEvent(msn.MessageReceived{From: bob, FriendlyName: name, DisplayName: p4, Text: text})
		s.handleEvent(msn.AuthorizationRequested{Passport: address, FriendlyName: name})
		s.handleEvent(msn.SystemMessage{Text: notice})
		bad := func(r rune) bool { return unicode.IsControl(r) || unsafeRune(r) }
		for _, u := range s.world.Users() {
			for _, v := range []string{u.Nick, u.Realname, u.Away} {
				if strings.IndexFunc(v, bad) >= 0 || !utf8.ValidString(v) {
					t.Fatalf("user %s: %q", u.Nick, v)
				}
			}
			if cn := cleanName(p4); cn != "" && cn != cleanName(name) && u.Realname == cn {
				t.Fatalf("P4-Context %q became %s's realname", p4, u.Nick)
			}
		}
		if strings.IndexFunc(s.psm, bad) >= 0 {
			t.Fatalf("topic %q", s.psm)
		}
		kept, err := s.store.Replay(s.ctx, s.account)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range kept {
			if strings.IndexFunc(m.Text, func(r rune) bool { return unicode.IsControl(r) && !isFormatCode(r) || unsafeRune(r) }) >= 0 || !utf8.ValidString(m.Text) {
				t.Fatalf("%s text %q", m.Command, m.Text)
			}
		}
	})
}

// unsafeRune reports whether r breaks or reorders an IRC line although it
// is no control character: the Unicode line and paragraph separators and
// the bidi embedding, override and isolate characters.
func unsafeRune(r rune) bool {
	return r == '\u2028' || r == '\u2029' || 0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069
}

// isFormatCode reports whether r is an IRC formatting code, which kept
// messages may hold.
func isFormatCode(r rune) bool {
	return strings.ContainsRune("\x02\x03\x04\x0f\x11\x16\x1d\x1e\x1f", r)
}
