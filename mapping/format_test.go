package mapping

import (
	"strings"
	"testing"

	"github.com/msn2irc/msn2irc/msn"
)

func TestFormatToIRC(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		f    msn.Format
		want string
	}{
		{"plain", "hello", msn.Format{}, "hello"},
		{"font and colour ignored", "hello", msn.Format{Font: "Arial", Color: 0xff}, "hello"},
		{"bold", "hello", msn.Format{Bold: true}, "\x02hello\x02"},
		{"italic", "hello", msn.Format{Italic: true}, "\x1dhello\x1d"},
		{"underline", "hello", msn.Format{Underline: true}, "\x1fhello\x1f"},
		{"strike", "hello", msn.Format{Strike: true}, "\x1ehello\x1e"},
		{"all, closed in reverse", "hi", msn.Format{Bold: true, Italic: true, Underline: true, Strike: true}, "\x02\x1d\x1f\x1ehi\x1e\x1f\x1d\x02"},
		{"each line", "one\ntwo", msn.Format{Bold: true}, "\x02one\x02\n\x02two\x02"},
		{"CRLF lines", "one\r\ntwo\rthree", msn.Format{Italic: true}, "\x1done\x1d\n\x1dtwo\x1d\n\x1dthree\x1d"},
		{"CRLF plain", "one\r\ntwo", msn.Format{}, "one\ntwo"},
		{"empty lines stay empty", "one\n\ntwo", msn.Format{Bold: true}, "\x02one\x02\n\n\x02two\x02"},
		{"empty", "", msn.Format{Bold: true}, ""},
	} {
		if got := FormatToIRC(tc.text, tc.f); got != tc.want {
			t.Errorf("%s: FormatToIRC(%q, %+v) = %q, want %q", tc.name, tc.text, tc.f, got, tc.want)
		}
	}
}

func TestFormatFromIRC(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       string
		wantText string
		want     msn.Format
	}{
		{"plain", "hello", "hello", msn.Format{}},
		{"empty", "", "", msn.Format{}},
		{"whole bold", "\x02hello\x02", "hello", msn.Format{Bold: true}},
		{"bold never closed", "\x02hello", "hello", msn.Format{Bold: true}},
		{"partly bold", "say \x02hello\x02", "say hello", msn.Format{}},
		{"bold, spaces outside do not count", " \x02hello world\x02 ", " hello world ", msn.Format{Bold: true}},
		{"italic", "\x1dhi\x1d", "hi", msn.Format{Italic: true}},
		{"underline", "\x1fhi\x1f", "hi", msn.Format{Underline: true}},
		{"strike", "\x1ehi\x1e", "hi", msn.Format{Strike: true}},
		{"mixed whole", "\x02\x1d\x1f\x1ehi", "hi", msn.Format{Bold: true, Italic: true, Underline: true, Strike: true}},
		{"bold whole, italic part", "\x02a \x1db\x1d", "a b", msn.Format{Bold: true}},
		{"reset ends bold", "\x02a\x0fb", "ab", msn.Format{}},
		{"colour removed with digits", "\x0304red\x03 and \x0312,01blue", "red and blue", msn.Format{}},
		{"colour with one digit", "\x034x", "x", msn.Format{}},
		{"colour then comma text", "\x034,x", ",x", msn.Format{}},
		{"colour three digits", "\x03123", "3", msn.Format{}},
		{"bare colour", "\x03hi", "hi", msn.Format{}},
		{"hex colour", "\x04FF0000red\x04", "red", msn.Format{}},
		{"hex colour with background", "\x04ff0000,00FF00x", "x", msn.Format{}},
		{"short hex is text", "\x04abcx", "abcx", msn.Format{}},
		{"reverse and monospace removed", "\x16a\x11b", "ab", msn.Format{}},
		{"only codes", "\x02\x02", "", msn.Format{}},
		{"only spaces bold", "\x02   ", "   ", msn.Format{}},
		{"non-ASCII", "\x02héllo ☺\x02", "héllo ☺", msn.Format{Bold: true}},
	} {
		text, f := FormatFromIRC(tc.in)
		if text != tc.wantText || f != tc.want {
			t.Errorf("%s: FormatFromIRC(%q) = (%q, %+v), want (%q, %+v)", tc.name, tc.in, text, f, tc.wantText, tc.want)
		}
	}
}

func TestFormatRoundTrip(t *testing.T) {
	for _, f := range []msn.Format{
		{}, {Bold: true}, {Italic: true, Strike: true}, {Bold: true, Italic: true, Underline: true, Strike: true},
	} {
		text, got := FormatFromIRC(FormatToIRC("hello world", f))
		if text != "hello world" || got != f {
			t.Errorf("round trip of %+v = (%q, %+v)", f, text, got)
		}
	}
}

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

func FuzzFormatFromIRC(f *testing.F) {
	for _, s := range []string{"hello", "\x02hi\x02", "\x0304,05x\x03", "\x04ff00ff,00ff00x", "\x02a\x0fb", "\x1d\x1f\x1e\x11\x16"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, format := FormatFromIRC(s)
		if text != StripFormatting(s) {
			t.Fatalf("FormatFromIRC(%q) text %q, StripFormatting gives %q", s, text, StripFormatting(s))
		}
		if strings.IndexFunc(text, isFormatCode) >= 0 {
			t.Fatalf("FormatFromIRC(%q) text %q still holds formatting codes", s, text)
		}
		// Rendering the result again gives back the same text and format.
		if strings.TrimSpace(text) != "" && !strings.ContainsAny(text, "\r\n") {
			text2, format2 := FormatFromIRC(FormatToIRC(text, format))
			if text2 != text || format2 != format {
				t.Fatalf("round trip of (%q, %+v) = (%q, %+v)", text, format, text2, format2)
			}
		}
	})
}

// FuzzPlainTextShortcuts checks that CleanLine and FormatFromIRC, which
// return text as it is when there is nothing to change, give what their
// full paths give.
func FuzzPlainTextShortcuts(f *testing.F) {
	for _, s := range []string{"", "hello", " hi", "hi ", "caf\u00e9", "a\tb", "x\u2028y", "\u00a0z", "z\u3000", "\xff", "\x02b\x02", "\u0085", "\x7f", "ok \U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := hasFormatCode(s), strings.IndexFunc(s, isFormatCode) >= 0; got != want {
			t.Fatalf("hasFormatCode(%q) = %v, want %v", s, got, want)
		}
		if !hasFormatCode(s) {
			if text, format := formatFromIRC(s); text != s || format != (msn.Format{}) {
				t.Fatalf("formatFromIRC(%q) = (%q, %+v), but FormatFromIRC returns it unchanged", s, text, format)
			}
		}
		for _, keep := range []bool{false, true} {
			in := s
			if !keep {
				in = StripFormatting(s)
			}
			if want := cleanLine(in, keep); CleanLine(s, keep) != want {
				t.Fatalf("CleanLine(%q, %v) = %q, the full path gives %q", s, keep, CleanLine(s, keep), want)
			}
			if isClean(in) && cleanLine(in, keep) != in {
				t.Fatalf("isClean(%q) but cleanLine gives %q", in, cleanLine(in, keep))
			}
		}
	})
}
