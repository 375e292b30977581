package mapping

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/msn2irc/msn2irc/internal/irctext"
)

func TestCleanLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		keep bool
		want string
	}{
		{"", false, ""},
		{"Bob", false, "Bob"},
		{"  Bob  ", false, "Bob"},
		{"Bob\r\nQUIT :pwned", false, "Bob QUIT :pwned"},
		{"a\rb\nc", false, "a b c"},
		{"a\r\n\r\nb", false, "a b"},
		{"a\tb", false, "a b"},
		{"nul\x00byte", false, "nulbyte"},
		{"bell\x07 esc\x1b[31m", false, "bell esc[31m"},
		{"del\x7f", false, "del"},
		{"c1\u0080\u009b", false, "c1"},
		{"nel\u0085line\u2028sep\u2029para", false, "nel line sep para"},
		{"ctcp\x01", false, "ctcp"},
		{"\x02bold\x02 \x0304red\x03", false, "bold red"},
		{"\x02bold\x02 \x0304red\x03", true, "\x02bold\x02 \x0304red\x03"},
		{"\x1d\x1f\x1e\x11\x16\x0f\x04", true, "\x1d\x1f\x1e\x11\x16\x0f\x04"},
		{"keep\x00\r\n\x02x", true, "keep \x02x"},
		{"bad\xffutf8\xc3", false, "bad\uFFFDutf8\uFFFD"},
		{"émoji 😀 ok", false, "émoji 😀 ok"},
		{"\r\n\x00", false, ""},
		{"Bob\u202etxt.exe", false, "Bobtxt.exe"},
		{"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069x", true, "x"},
		{"rtl \u200f mark", false, "rtl \u200f mark"},
	} {
		got := CleanLine(tc.in, tc.keep)
		if got != tc.want {
			t.Errorf("CleanLine(%q, %v) = %q, want %q", tc.in, tc.keep, got, tc.want)
		}
		checkClean(t, got, tc.keep)
	}
}

// checkClean fails if s holds a control character other than a formatting
// code (or any formatting code when !formatting), or invalid UTF-8.
func checkClean(t *testing.T, s string, formatting bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%q is not valid UTF-8", s)
	}
	for _, r := range s {
		if (irctext.IsControl(r) || irctext.IsBreak(r) || irctext.IsBidiControl(r)) && !(formatting && irctext.IsFormatCode(r)) {
			t.Errorf("%q holds control character %U", s, r)
		}
	}
}

func TestSplitLines(t *testing.T) {
	long := strings.Repeat("word ", 30) // 150 bytes
	for _, tc := range []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"one line", "hello", 100, []string{"hello"}},
		{"empty", "", 100, nil},
		{"LF", "a\nb", 100, []string{"a", "b"}},
		{"CRLF", "a\r\nb\r\n", 100, []string{"a", "b"}},
		{"CR", "a\rb", 100, []string{"a", "b"}},
		{"mixed, empty lines dropped", "a\r\n\r\n\nb\r\r\nc", 100, []string{"a", "b", "c"}},
		{"blank lines dropped", "a\n   \n\x02\x02\nb", 100, []string{"a", "b"}},
		{"unicode separators", "a\u2028b\u2029c\u0085d", 100, []string{"a", "b", "c", "d"}},
		{"leading spaces kept", "  indented", 100, []string{"  indented"}},
		{"tab to space", "a\tb", 100, []string{"a b"}},
		{"NUL and controls dropped", "a\x00b\x01c\x1bd\x7fe", 100, []string{"abcde"}},
		{"formatting kept", "\x02bold\x02 \x0304red", 100, []string{"\x02bold\x02 \x0304red"}},
		{"invalid UTF-8 replaced", "a\xffb", 100, []string{"a\uFFFDb"}},
		{"split at space", "hello world foo", 11, []string{"hello world", "foo"}},
		{"split at the last space", "aaa bbb ccc ddd", 10, []string{"aaa bbb", "ccc ddd"}},
		{"no space: hard split", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"space too early: hard split", "a bcdefghijkl", 8, []string{"a bcdefg", "hijkl"}},
		{"UTF-8 boundary", "ééééé", 4, []string{"éé", "éé", "é"}},
		{"UTF-8 boundary odd", "ééééé", 5, []string{"éé", "éé", "é"}},
		{"emoji", "😀😀😀", 5, []string{"😀", "😀", "😀"}},
		{"character longer than max dropped", "😀ab", 3, []string{"ab"}},
		{"exact fit", "abcd", 4, []string{"abcd"}},
		{"code longer than max dropped whole", "\x04ff00ff,00ff00xx", 9, []string{"xx"}},
		{"no limit", long, 0, []string{long}},
		{"bold carried over", "\x02aaaaaaaaaa bbbbbbbbbb cccccccccc\x02", 24, []string{"\x02aaaaaaaaaa bbbbbbbbbb", "\x02cccccccccc\x02"}},
		{"colour code not cut", "abcdefghij\x0304,05red", 12, []string{"abcdefghij", "\x0304,05red"}},
		{"colour carried over", "\x0304abcdefghijklmnopqrstuvwxyz", 16, []string{"\x0304abcdefghijklm", "\x0304\x02\x02nopqrstuvwx", "\x0304\x02\x02yz"}},
		{"carried colour not extended by digits", "\x034,5abcdefghijklm1234567", 16, []string{"\x034,5abcdefghijkl", "\x0304,05\x02\x02m1234567"}},
		{"carried colour and bold", "\x02\x0312abcdefghijklmnopq", 16, []string{"\x02\x0312abcdefghijkl", "\x0312\x02mnopq"}},
		{"reset not carried", "\x02a\x0f bcdefghijklmnopqrstu", 12, []string{"\x02a\x0f bcdefghi", "jklmnopqrstu"}},
	} {
		got := SplitLines(tc.in, tc.max)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: SplitLines(%q, %d) =\n\t%q, want\n\t%q", tc.name, tc.in, tc.max, got, tc.want)
		}
		for _, p := range got {
			if tc.max > 0 && len(p) > tc.max {
				t.Errorf("%s: piece %q longer than %d", tc.name, p, tc.max)
			}
			checkClean(t, p, true)
		}
	}
}

// TestSplitLinesKeepsText checks that splitting a long message loses no
// words and keeps their order.
func TestSplitLinesKeepsText(t *testing.T) {
	var words []string
	for i := 0; i < 500; i++ {
		words = append(words, strings.Repeat(string(rune('a'+i%26)), 1+i%13)+"é")
	}
	text := strings.Join(words, " ")
	for _, max := range []int{20, 64, 400} {
		pieces := SplitLines(text, max)
		if got := strings.Fields(strings.Join(pieces, " ")); !slices.Equal(got, words) {
			t.Errorf("max %d: words changed:\n%q\nwant\n%q", max, got, words)
		}
	}
}

func FuzzSplitLines(f *testing.F) {
	f.Add("hello", 10)
	f.Add("a\r\nb\rc\nd", 3)
	f.Add("ééé 😀😀 \x02bold\x02 \x0304,05c\x03", 7)
	f.Add("\x00\x01\x7f\u0085\u2028", 5)
	f.Add("\x04ff00ff,00ff00xx", 9)
	f.Add("\xff\xfe", 2)
	f.Fuzz(func(t *testing.T, text string, max int) {
		max %= 600
		pieces := SplitLines(text, max)
		valid := utf8.ValidString(text)
		for _, p := range pieces {
			if max > 0 && len(p) > max {
				t.Fatalf("SplitLines(%q, %d): piece %q is %d bytes", text, max, p, len(p))
			}
			if isBlank(p) {
				t.Fatalf("SplitLines(%q, %d): blank piece %q", text, max, p)
			}
			for _, r := range p {
				if (irctext.IsControl(r) || irctext.IsBreak(r) || r == '\r' || r == '\n') && !irctext.IsFormatCode(r) {
					t.Fatalf("SplitLines(%q, %d): piece %q holds %U", text, max, p, r)
				}
			}
			if valid && !utf8.ValidString(p) {
				t.Fatalf("SplitLines(%q, %d): piece %q is not valid UTF-8", text, max, p)
			}
		}
		if max < 1 || max >= 4 {
			// Every visible character survives (none is too long to fit).
			want := strings.Join(strings.Fields(irctext.StripFormatting(CleanLine(text, true))), "")
			got := strings.Join(strings.Fields(irctext.StripFormatting(strings.Join(pieces, " "))), "")
			if got != want {
				t.Fatalf("SplitLines(%q, %d) lost text: %q, want %q", text, max, got, want)
			}
		}
	})
}

func FuzzCleanLine(f *testing.F) {
	for _, s := range []string{"Bob", "a\r\nb", "\x00\x01\x7f\u0085", "\x02b\x02 \x0304,05c", "\xff\xfe", " \t x \t "} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, keep bool) {
		got := CleanLine(s, keep)
		checkClean(t, got, keep)
		if got != strings.TrimSpace(got) {
			t.Fatalf("CleanLine(%q, %v) = %q: not trimmed", s, keep, got)
		}
		if again := CleanLine(got, keep); again != got {
			t.Fatalf("CleanLine not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}
