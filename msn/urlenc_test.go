package msn

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alice", "Alice"},
		{"Other%20Contacts", "Other Contacts"},
		{"Alice%20é%20Liddell", "Alice é Liddell"}, // Escargot: %20 and raw UTF-8 mixed
		{"Alice%20%C3%A9%20Liddell", "Alice é Liddell"},
		{"Bob%20%C3%9Cn%C3%AFcode%20100%25", "Bob Ünïcode 100%"},
		{"100%", "100%"},        // invalid escape kept
		{"50%zz", "50%zz"},      // invalid escape kept
		{"a%2", "a%2"},          // truncated escape kept
		{"1+1", "1+1"},          // '+' is a literal plus
		{"bad%FF", "bad\uFFFD"}, // invalid UTF-8 replaced
		{"%3Cmsnobj%2F%3E", "<msnobj/>"},
	}
	for _, tt := range tests {
		if got := decodeName(tt.in); got != tt.want {
			t.Errorf("decodeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncodeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alice", "Alice"},
		{"Bob Ünïcode 100%", "Bob%20Ünïcode%20100%25"},
		{"a\r\nb\tc\x00", "a%0D%0Ab%09c%00"},
		{"x\x7f", "x%7F"},
	}
	for _, tt := range tests {
		got, err := encodeName(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("encodeName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if decodeName(got) != tt.in {
			t.Errorf("decodeName(encodeName(%q)) = %q", tt.in, decodeName(got))
		}
	}
	if got, err := encodeName(strings.Repeat("a", 387)); err != nil || len(got) != 387 {
		t.Errorf("387 bytes: %d, %v", len(got), err)
	}
	// 129 spaces encode to 387 bytes; one more is too long.
	if _, err := encodeName(strings.Repeat(" ", 129)); err != nil {
		t.Errorf("129 spaces: %v", err)
	}
	if _, err := encodeName(strings.Repeat(" ", 130)); !errors.Is(err, ErrNameTooLong) {
		t.Errorf("130 spaces: err = %v, want ErrNameTooLong", err)
	}
	if _, err := encodeName(""); err == nil {
		t.Error("empty name accepted")
	}
}

func TestPercentEncode(t *testing.T) {
	if got := percentEncode("alice@example.com"); got != "alice%40example.com" {
		t.Errorf("got %s", got)
	}
	if got := percentEncode("p,w d=%'"); got != "p%2Cw%20d%3D%25%27" {
		t.Errorf("got %s", got)
	}
}

func TestXMLEscape(t *testing.T) {
	in := `<b> & "quoted" 'x'`
	esc := xmlEscape(in)
	if esc != "&lt;b&gt; &amp; &quot;quoted&quot; &apos;x&apos;" {
		t.Errorf("xmlEscape = %q", esc)
	}
	if got := xmlUnescape(esc); got != in {
		t.Errorf("xmlUnescape = %q", got)
	}
	if got := xmlUnescape("&#233;t&#xE9; &bogus; & done"); got != "été &bogus; & done" {
		t.Errorf("xmlUnescape = %q", got)
	}
}

func FuzzNames(f *testing.F) {
	for _, seed := range []string{"Alice é Liddell", "100% sure", "%41%zz%", "a\r\nb\tc\x00\x7f", "bad\xff", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := encodeName(s)
		if err == nil {
			for i := 0; i < len(enc); i++ {
				if c := enc[i]; c < 0x21 || c == 0x7f {
					t.Fatalf("encodeName(%q) = %q has byte %#x", s, enc, c)
				}
			}
			if len(enc) > maxEncodedName {
				t.Fatalf("encodeName(%q) is %d bytes", s, len(enc))
			}
			if got, want := decodeName(enc), strings.ToValidUTF8(s, "\uFFFD"); got != want {
				t.Fatalf("decodeName(encodeName(%q)) = %q, want %q", s, got, want)
			}
		} else if s != "" && !errors.Is(err, ErrNameTooLong) {
			t.Fatalf("encodeName(%q): %v", s, err)
		}
		if d := decodeName(s); !utf8.ValidString(d) {
			t.Fatalf("decodeName(%q) = %q is not UTF-8", s, d)
		}
		if got := UnquoteName(QuoteName(s)); got != s {
			t.Fatalf("UnquoteName(QuoteName(%q)) = %q", s, got)
		}
		if got := UnquoteName(percentEncode(s)); got != s {
			t.Fatalf("UnquoteName(percentEncode(%q)) = %q", s, got)
		}
	})
}

// A contact keeps its personal message for the whole session: the text
// read from a UBX payload is a copy of the element alone, not a piece of a
// copy of the whole payload (endpoint data makes it kilobytes).
func TestXMLElementCopiesOnlyTheElement(t *testing.T) {
	payload := []byte("<Data><PSM>at work</PSM><CurrentMedia></CurrentMedia>" +
		strings.Repeat("<EndpointData id=\"{x}\"><Capabilities>1:2</Capabilities></EndpointData>", 500) + "</Data>")
	var got string
	r := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			got = xmlElement(payload, "PSM")
		}
	})
	if got != "at work" {
		t.Fatalf("PSM = %q", got)
	}
	// Far below the payload's size, with room for what tests running in
	// parallel allocate meanwhile (the count is the process's).
	if n := r.AllocedBytesPerOp(); n > int64(len(payload)/8) {
		t.Errorf("reading the PSM of a %d-byte payload allocates %d bytes, want at most %d", len(payload), n, len(payload)/8)
	}
}
