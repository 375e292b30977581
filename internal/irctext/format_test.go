package irctext

import "testing"

func TestStripFormatting(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"\x02b\x02 \x1di\x1d \x1fu\x1f \x1es\x1e \x11m\x11 \x16r\x16 \x0f", "b i u s m r "},
		{"\x0301,02x\x03y", "xy"},
		{"\x03,02x", ",02x"},
		{"\x0399,99", ""},
		{"\x04a1B2c3,D4e5F6z", "z"},
		{"\x04", ""},
		{"keeps\x01ctcp\x00nul", "keeps\x01ctcp\x00nul"},
		{"\xff\x02x", "\xffx"},
	} {
		if got := StripFormatting(tc.in); got != tc.want {
			t.Errorf("StripFormatting(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
