package irctext

import "testing"

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		r                                          rune
		control, bidi, lineEnd, lineBreak, isBreak bool
	}{
		{'a', false, false, false, false, false},
		{' ', false, false, false, false, false},
		{0, true, false, true, false, false},
		{'\r', true, false, true, true, true},
		{'\n', true, false, true, true, true},
		{'\t', true, false, false, false, true},
		{'\x02', true, false, false, false, false},
		{0x7f, true, false, false, false, false},
		{'\u0085', true, false, false, true, true},
		{0x9f, true, false, false, false, false},
		{0xa0, false, false, false, false, false},
		{'\u2028', false, false, false, true, true},
		{'\u2029', false, false, false, true, true},
		{'\u202a', false, true, false, false, false},
		{'\u202e', false, true, false, false, false},
		{'\u2066', false, true, false, false, false},
		{'\u2069', false, true, false, false, false},
		{'\u200b', false, false, false, false, false},
		{'é', false, false, false, false, false},
	} {
		if IsControl(tc.r) != tc.control || IsBidiControl(tc.r) != tc.bidi || IsLineEnd(tc.r) != tc.lineEnd ||
			IsLineBreak(tc.r) != tc.lineBreak || IsBreak(tc.r) != tc.isBreak {
			t.Errorf("%U: control %v bidi %v lineEnd %v lineBreak %v break %v, want %v %v %v %v %v", tc.r,
				IsControl(tc.r), IsBidiControl(tc.r), IsLineEnd(tc.r), IsLineBreak(tc.r), IsBreak(tc.r),
				tc.control, tc.bidi, tc.lineEnd, tc.lineBreak, tc.isBreak)
		}
	}
}
