package ircd

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/irc.v4"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		line   string
		want   *irc.Message // nil: an error
		prefix irc.Prefix
	}{
		{line: "PRIVMSG bob :hello there\r\n", want: &irc.Message{Command: "PRIVMSG", Params: []string{"bob", "hello there"}}},
		{line: "privmsg  bob   :", want: &irc.Message{Command: "PRIVMSG", Params: []string{"bob", ""}}},
		{line: "PING", want: &irc.Message{Command: "PING"}},
		{line: ":nick!user@host NICK new", want: &irc.Message{Command: "NICK", Params: []string{"new"}}, prefix: irc.Prefix{Name: "nick", User: "user", Host: "host"}},
		{line: "@+typing=active;label=a\\sb TAGMSG bob", want: &irc.Message{Tags: irc.Tags{"+typing": "active", "label": "a b"}, Command: "TAGMSG", Params: []string{"bob"}}},
		// A tag that is not valid UTF-8 is dropped, not decoded to U+FFFD
		// (three bytes for each bad one); the others stay.
		{line: "@+x=\xff\xfe;label=ok;+y=a\xffb TAGMSG bob", want: &irc.Message{Tags: irc.Tags{"label": "ok"}, Command: "TAGMSG", Params: []string{"bob"}}},
		{line: "@label=\xfe PING x", want: &irc.Message{Command: "PING", Params: []string{"x"}}},
		// Only spaces separate parameters; a tab is part of one.
		{line: "MODE\t#c +v a\tb", want: &irc.Message{Command: "MODE\t#C", Params: []string{"+v", "a\tb"}}},
		// More words than fit in the message's own room.
		{line: "USER a b c d e f :g h", want: &irc.Message{Command: "USER", Params: []string{"a", "b", "c", "d", "e", "f", "g h"}}},
		{line: ""},
		{line: "\r\n"},
		{line: "   "},
		{line: "@a "},
		{line: "@a"},
		{line: ":prefix"},
		{line: ":prefix  "},
		{line: " :only trailing"},
	}
	for _, tt := range tests {
		got, err := parseLine(tt.line)
		if tt.want == nil {
			if err == nil {
				t.Errorf("parseLine(%q) = %+v, want an error", tt.line, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseLine(%q): %v", tt.line, err)
			continue
		}
		if got.Prefix == nil || *got.Prefix != tt.prefix {
			t.Errorf("parseLine(%q) prefix = %+v, want %+v", tt.line, got.Prefix, tt.prefix)
		}
		if got.Command != tt.want.Command || !reflect.DeepEqual(got.Params, tt.want.Params) || !sameTags(got.Tags, tt.want.Tags) {
			t.Errorf("parseLine(%q) = %q %q %v, want %q %q %v", tt.line, got.Command, got.Params, got.Tags, tt.want.Command, tt.want.Params, tt.want.Tags)
		}
	}
}

// sameTags treats no tags and an empty map alike.
func sameTags(a, b irc.Tags) bool {
	return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b)
}

// parseLine gives what irc.ParseMessage gives, and an error where it
// fails or panics.
func FuzzParseLineLikeLibrary(f *testing.F) {
	for _, s := range []string{
		"PRIVMSG #chan :hello world",
		":a!b@c PRIVMSG x :y :z",
		"@time=2020-01-01T00:00:00Z;+typing=active :srv 001 me :Welcome",
		"@a ",
		"@a  :p",
		":p",
		"CMD  a   b  :",
		"cmd a b c d e f g h i j k l m n o p",
		"NICK \t x",
		"a :b :c",
		": :x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, err := parseLine(line)
		want, werr := libraryParse(line)
		if werr != nil {
			if err == nil {
				t.Fatalf("parseLine(%q) = %+v, the library fails: %v", line, got, werr)
			}
			return
		}
		if err != nil {
			t.Fatalf("parseLine(%q): %v; the library gives %+v", line, err, want)
		}
		if section, _, ok := strings.Cut(line, " "); ok && line[0] == '@' && !utf8.ValidString(section) {
			// Tags that are not valid UTF-8 are dropped, where the
			// library decodes them (each bad byte to three).
			for k, v := range got.Tags {
				if !utf8.ValidString(k) || !utf8.ValidString(v) || len(k)+len(v) > len(section) {
					t.Fatalf("parseLine(%q) kept tag %q=%q", line, k, v)
				}
			}
			want.Tags = got.Tags
		}
		if got.Command != want.Command || !reflect.DeepEqual(got.Params, want.Params) || !sameTags(got.Tags, want.Tags) || got.Prefix == nil || *got.Prefix != *want.Prefix {
			t.Fatalf("parseLine(%q) = %q %q %v %+v; the library gives %q %q %v %+v", line,
				got.Command, got.Params, got.Tags, got.Prefix, want.Command, want.Params, want.Tags, want.Prefix)
		}
	})
}

// libraryParse is irc.ParseMessage with its panics turned into errors.
func libraryParse(line string) (m *irc.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errBadLine
		}
	}()
	return irc.ParseMessage(line)
}

// BenchmarkParseLine parses the line an IRC client sends for every chat
// message.
func BenchmarkParseLine(b *testing.B) {
	const line = "PRIVMSG alice :hello from the benchmark, a line of ordinary chat text"
	b.ReportAllocs()
	for b.Loop() {
		if m, err := parseLine(line); err != nil || len(m.Params) != 2 {
			b.Fatal(m, err)
		}
	}
}
