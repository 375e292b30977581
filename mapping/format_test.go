package mapping

import (
	"fmt"
	"strings"
	"testing"

	"github.com/msn2irc/msn2irc/internal/irctext"
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
		{"font ignored", "hello", msn.Format{Font: "Arial"}, "hello"},
		{"red (CO is BGR)", "hello", msn.Format{Color: 0x0000ff}, "\x0304hello\x03"},
		{"nearest colour", "hello", msn.Format{Color: 0x1010f0}, "\x0304hello\x03"},
		{"navy", "hi", msn.Format{Color: 0x7f0000}, "\x0302hi\x03"},
		{"white", "hi", msn.Format{Color: 0xffffff}, "\x0300hi\x03"},
		{"black is the default", "hi", msn.Format{Color: 0}, "hi"},
		{"near black is the default too", "hi", msn.Format{Color: 0x050505}, "hi"},
		{"colour and bold", "hi", msn.Format{Color: 0xff, Bold: true}, "\x0304\x02hi\x02\x03"},
		{"colour, then a comma", ",5", msn.Format{Color: 0xff}, "\x0304\x02\x02,5\x03"},
		{"colour, then digits", "123", msn.Format{Color: 0xff}, "\x0304123\x03"},
		{"colour on each line", "one\n\ntwo", msn.Format{Color: 0xff00}, "\x0309one\x03\n\n\x0309two\x03"},
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
		{"colour with one digit", "\x034x", "x", msn.Format{Color: 0xff}},
		{"colour then comma text", "\x034,x", ",x", msn.Format{Color: 0xff}},
		{"colour three digits", "\x03123", "3", msn.Format{Color: 0xfc0000}},
		{"bare colour", "\x03hi", "hi", msn.Format{}},
		{"hex colour, nearest", "\x04FF0000red\x04", "red", msn.Format{Color: 0xff}},
		{"hex colour with background", "\x04ff0000,00FF00x", "x", msn.Format{Color: 0xff}},
		{"whole colour, background dropped", "\x0304,01hi", "hi", msn.Format{Color: 0xff}},
		{"colour, spaces outside do not count", " \x0304hi there\x03 ", " hi there ", msn.Format{Color: 0xff}},
		{"partly coloured", "say \x0304hello", "say hello", msn.Format{}},
		{"two colours", "\x0304a\x0312b", "ab", msn.Format{}},
		{"colour ended early", "\x0304a\x03b", "ab", msn.Format{}},
		{"reset ends colour", "\x0304a\x0fb", "ab", msn.Format{}},
		{"extended colour dropped", "\x0352hi", "hi", msn.Format{}},
		{"default colour", "\x0399hi", "hi", msn.Format{}},
		{"black is the default", "\x0301hi", "hi", msn.Format{}},
		{"colour and bold", "\x0304\x02hi", "hi", msn.Format{Color: 0xff, Bold: true}},
		{"colour whole, bold part", "\x0304a \x02b", "a b", msn.Format{Color: 0xff}},
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
		{Color: 0xff}, {Color: 0xfc00, Underline: true},
	} {
		text, got := FormatFromIRC(FormatToIRC("hello world", f))
		if text != "hello world" || got != f {
			t.Errorf("round trip of %+v = (%q, %+v)", f, text, got)
		}
	}
}

// Each of the 16 mIRC colours but black (MSN's default) goes to MSN and
// back as itself.
func TestColorRoundTrip(t *testing.T) {
	for n := range 16 {
		code := fmt.Sprintf("\x03%02dhello", n)
		text, f := FormatFromIRC(code)
		back := FormatToIRC(text, f)
		want := code + "\x03"
		if n == 1 {
			want = "hello"
		}
		if text != "hello" || back != want {
			t.Errorf("colour %d: FormatFromIRC(%q) = (%q, CO=%x), back to IRC %q, want %q", n, code, text, f.Color, back, want)
		}
	}
}

func FuzzFormatFromIRC(f *testing.F) {
	for _, s := range []string{"hello", "\x02hi\x02", "\x0304,05x\x03", "\x04ff00ff,00ff00x", "\x02a\x0fb", "\x1d\x1f\x1e\x11\x16",
		"\x0304hi", " \x0312,01x\x03 ", "\x04123456ab", "\x0304a\x0312b", "\x0352x", "\x0304\x02,5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, format := FormatFromIRC(s)
		if text != irctext.StripFormatting(s) {
			t.Fatalf("FormatFromIRC(%q) text %q, StripFormatting gives %q", s, text, irctext.StripFormatting(s))
		}
		if strings.IndexFunc(text, irctext.IsFormatCode) >= 0 {
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

// FuzzFormatToIRC checks that each line FormatToIRC renders reads back, as
// FormatFromIRC gives it, as the same text with the same format: the
// colour as the nearest mIRC colour, and no font.
func FuzzFormatToIRC(f *testing.F) {
	f.Add("hello", true, false, uint32(0xff))
	f.Add(",5\n12\r\n", false, true, uint32(0x7f0000))
	f.Add(" a ", false, false, uint32(0x010203))
	f.Fuzz(func(t *testing.T, text string, bold, italic bool, color uint32) {
		text = irctext.StripFormatting(text)
		format := msn.Format{Bold: bold, Italic: italic, Color: color, Font: "Arial"}
		want := msn.Format{Bold: bold, Italic: italic}
		if n := ircColorOf(color); n >= 0 {
			want.Color = msnColorOf(n)
		}
		out := FormatToIRC(text, format)
		for i, line := range strings.Split(out, "\n") {
			plain := splitNewlines(text)[i]
			gotText, got := FormatFromIRC(line)
			if gotText != plain {
				t.Fatalf("line %d of FormatToIRC(%q, %+v) = %q reads back as %q", i, text, format, line, gotText)
			}
			if strings.TrimSpace(plain) != "" && got != want {
				t.Fatalf("line %q reads back with format %+v, want %+v", line, got, want)
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
		if got, want := irctext.HasFormatCode(s), strings.IndexFunc(s, irctext.IsFormatCode) >= 0; got != want {
			t.Fatalf("irctext.HasFormatCode(%q) = %v, want %v", s, got, want)
		}
		if !irctext.HasFormatCode(s) {
			if text, format := formatFromIRC(s); text != s || format != (msn.Format{}) {
				t.Fatalf("formatFromIRC(%q) = (%q, %+v), but FormatFromIRC returns it unchanged", s, text, format)
			}
		}
		for _, keep := range []bool{false, true} {
			in := s
			if !keep {
				in = irctext.StripFormatting(s)
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
