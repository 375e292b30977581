package ircname

import (
	"strings"
	"testing"
)

func TestCasefold(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "bob": "bob", "Bob": "bob", "BOB[]\\^": "bob[]\\^", "Zoë": "zoë", "ÀB": "Àb",
	} {
		if got := Casefold(in); got != want {
			t.Errorf("Casefold(%q) = %q, want %q", in, got, want)
		}
		if !Equal(in, want) || !Equal(want, in) {
			t.Errorf("Equal(%q, %q) = false", in, want)
		}
	}
	if Equal("bob", "bobby") || Equal("[", "{") {
		t.Error("Equal folds more than A-Z")
	}
}

func TestValidNick(t *testing.T) {
	for _, tc := range []struct {
		nick   string
		maxLen int
		want   bool
	}{
		{"bob", NickLen, true},
		{"[away]^_`|{}-9", NickLen, true},
		{"", NickLen, false},
		{"1bob", NickLen, false},
		{"-bob", NickLen, false},
		{"bo b", NickLen, false},
		{"bob!x", NickLen, false},
		{"zoë", NickLen, false},
		{strings.Repeat("x", NickLen), NickLen, true},
		{strings.Repeat("x", NickLen+1), NickLen, false},
		{strings.Repeat("x", NickLen+1), 0, true},
	} {
		if got := ValidNick(tc.nick, tc.maxLen); got != tc.want {
			t.Errorf("ValidNick(%q, %d) = %v, want %v", tc.nick, tc.maxLen, got, tc.want)
		}
	}
}
