package ircd

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidNick(t *testing.T) {
	for nick, want := range map[string]bool{
		"bob": true, "Bob_2": true, "[away]": true, "a-b": true, "`x": true,
		"": false, "1bob": false, "-bob": false, "bo b": false, "bob!x": false, "b@b": false,
		"#chan": false, "ü": false, strings.Repeat("a", 32): true, strings.Repeat("a", 33): false,
	} {
		if got := validNick(nick); got != want {
			t.Errorf("validNick(%q) = %v", nick, got)
		}
	}
}

func TestValidChannel(t *testing.T) {
	for name, want := range map[string]bool{
		"&msn": true, "#chat": true, "#ünïcode": true, "#": false, "msn": false,
		"#a b": false, "#a,b": false, "#a\x07": false, "#" + strings.Repeat("a", 64): false, "#\xff": false,
	} {
		if got := validChannel(name); got != want {
			t.Errorf("validChannel(%q) = %v", name, got)
		}
	}
}

func TestCleanTextAndWord(t *testing.T) {
	if got := cleanText("a\r\nb\x00c\xffd"); got != "a  b c\uFFFDd" {
		t.Errorf("cleanText = %q", got)
	}
	for in, want := range map[string]string{"": "*", ":x": "_x", "a b": "a_b", "a\nb": "a_b"} {
		if got := cleanWord(in); got != want {
			t.Errorf("cleanWord(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitText(t *testing.T) {
	text := strings.Repeat("héllo wörld ", 100)
	parts := splitText(text, 100)
	if strings.Join(parts, "") != text {
		t.Fatal("parts do not add up")
	}
	for _, p := range parts {
		if len(p) > 100 || !utf8.ValidString(p) {
			t.Fatalf("bad part %q (%d bytes)", p, len(p))
		}
	}
	if got := splitText("", 100); len(got) != 1 || got[0] != "" {
		t.Fatalf("empty text = %q", got)
	}
	if got := splitText(strings.Repeat("x", 250), 100); len(got) != 3 || len(got[0]) != 100 {
		t.Fatalf("no spaces = %q", got)
	}
}

func TestSplitPass(t *testing.T) {
	cases := []struct{ pass, user, account, password string }{
		{"alice@example.com:secret", "alice", "alice@example.com", "secret"},
		{"alice@example.com:se:cret", "alice", "alice@example.com", "se:cret"},
		{"secret", "alice@example.com", "alice@example.com", "secret"},
		{"secret", "alice", "", "secret"},
		{"my:secret", "alice", "", "my:secret"}, // not an address: all of it may be the password
	}
	for _, c := range cases {
		got := splitPass(c.pass, c.user)
		if got.Account != c.account || got.Password != c.password || got.SASL {
			t.Errorf("splitPass(%q, %q) = %+v", c.pass, c.user, got)
		}
	}
}

func TestISupportLinesAtMost13Tokens(t *testing.T) {
	s := NewServer(Config{Network: "A Net=x"}, nil)
	total := 0
	for _, line := range s.support {
		if len(line) == 0 || len(line) > 13 {
			t.Fatalf("line with %d tokens", len(line))
		}
		total += len(line)
	}
	if total != len(s.isupportTokens()) {
		t.Fatal("tokens lost in splitting")
	}
	if got := escapeISupport("A Net=x"); got != `A\x20Net\x3Dx` {
		t.Fatalf("escape = %q", got)
	}
}
