package msn

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextPayloadBytes(t *testing.T) {
	// §5.4: the reference message is 131 bytes with a 113-byte header.
	p := textPayload("héllo wörld 😀", Format{})
	want := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\nhéllo wörld 😀"
	if string(p) != want || len(p) != 131 {
		t.Fatalf("payload (%d bytes) = %q", len(p), p)
	}
	if len(typingPayload("alice@example.com")) != 90 {
		t.Errorf("typing payload is %d bytes, want 90", len(typingPayload("alice@example.com")))
	}
	if len(nudgePayload) != 69 {
		t.Errorf("nudge payload is %d bytes, want 69", len(nudgePayload))
	}
	if got := string(textPayload("a\nb\r\nc\rd", Format{})); !strings.HasSuffix(got, "\r\n\r\na\r\nb\r\nc\r\nd") {
		t.Errorf("line breaks: %q", got)
	}
}

func TestParseMIMEText(t *testing.T) {
	p := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=BIUS; CO=ff; CS=80; PF=22; RL=1\r\n\r\nline one\r\nline two: not a header"
	m := parseMIME([]byte(p))
	if m.contentType() != "text/plain" || m.param("charset") != "UTF-8" {
		t.Fatalf("content type %q charset %q", m.contentType(), m.param("charset"))
	}
	if got := textBody(m); got != "line one\nline two: not a header" {
		t.Errorf("body = %q", got)
	}
	f := parseFormat(m.header.get("x-mms-im-format"))
	want := Format{Font: "Segoe UI", Bold: true, Italic: true, Underline: true, Strike: true, Color: 0xff, Charset: "80", Pitch: "22", RTL: true}
	if f != want {
		t.Errorf("format = %+v, want %+v", f, want)
	}
	// And back: the header renders the same settings.
	if h := formatHeader(want); h != "FN=Segoe%20UI; EF=BIUS; CO=ff; CS=80; PF=22; RL=1" {
		t.Errorf("formatHeader = %q", h)
	}
}

func TestParseMIMEVariants(t *testing.T) {
	// LF-only lines, header case, no blank line, ISO-8859-1 body.
	m := parseMIME([]byte("mime-version: 1.0\ncontent-type: TEXT/PLAIN\n\nhi\nthere"))
	if m.contentType() != "text/plain" || textBody(m) != "hi\nthere" {
		t.Errorf("LF-only: %q %q", m.contentType(), textBody(m))
	}
	m = parseMIME([]byte("MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: bob@example.com\r\n"))
	if m.header.get("typinguser") != "bob@example.com" || len(m.body) != 0 {
		t.Errorf("no blank line: %v %q", m.header, m.body)
	}
	m = parseMIME([]byte("Content-Type: text/plain; charset=ISO-8859-1\r\n\r\ncaf\xe9"))
	if textBody(m) != "café" {
		t.Errorf("latin-1 body = %q", textBody(m))
	}
	m = parseMIME([]byte("Content-Type: text/plain; charset=UTF-8\r\n\r\nbad \xff byte"))
	if textBody(m) != "bad \uFFFD byte" {
		t.Errorf("invalid UTF-8 = %q", textBody(m))
	}
	if f := parseFormat("EF=; CO=zz; junk"); f != (Format{}) {
		t.Errorf("bad format parsed as %+v", f)
	}
}

func TestDescribeContent(t *testing.T) {
	tests := []struct{ payload, want string }{
		{"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\nApplication-Name: File Transfer\r\nApplication-GUID: {5D3E02AB-6190-11d3-BBBB-00C04F795683}\r\nInvitation-Command: INVITE\r\nInvitation-Cookie: 123\r\nApplication-File: photo.jpg\r\nApplication-FileSize: 1024\r\n\r\n", "a file transfer (photo.jpg)"},
		{"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\nApplication-Name: NetMeeting\r\nInvitation-Command: INVITE\r\n\r\n", "an invitation (NetMeeting)"},
		{"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite\r\n\r\nInvitation-Command: CANCEL\r\nCancel-Code: REJECT\r\n\r\n", "a cancelled invitation"},
		{"MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 2\r\nData: <msnobj/>\r\n\r\n", "a wink"},
		{"MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 3\r\n\r\n", "a voice clip"},
		{"MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: alice@example.com\r\n\r\n\x00\x00", "peer-to-peer data (file transfer, display picture or emoticon)"},
		{"MIME-Version: 1.0\r\nContent-Type: image/gif\r\n\r\nbase64:R0lG", "ink (a handwritten message)"},
		{"MIME-Version: 1.0\r\nContent-Type: application/x-ms-ink\r\n\r\n", "ink (a handwritten message)"},
		{"MIME-Version: 1.0\r\nContent-Type: text/x-weird\r\n\r\n", "content of type text/x-weird"},
	}
	for _, tt := range tests {
		if got := describeContent(parseMIME([]byte(tt.payload))); got != tt.want {
			t.Errorf("describeContent = %q, want %q", got, tt.want)
		}
	}
}

func TestSplitText(t *testing.T) {
	f := Format{}
	budget := MaxSBMessagePayload - len(textHeader(f))
	if got := SplitText("hello", f); len(got) != 1 || got[0] != "hello" {
		t.Fatalf("short text: %q", got)
	}
	if got := SplitText("", f); len(got) != 0 {
		t.Fatalf("empty text: %q", got)
	}
	check := func(name, text string, pieces []string) {
		t.Helper()
		for i, p := range pieces {
			if !utf8.ValidString(p) {
				t.Errorf("%s: piece %d is not valid UTF-8", name, i)
			}
			if n := len(textPayload(p, f)); n > MaxSBMessagePayload {
				t.Errorf("%s: piece %d makes a %d-byte payload", name, i, n)
			}
		}
	}
	// Words: split at a space, which is dropped; nothing else is lost.
	words := strings.Repeat("word ", 600)
	pieces := SplitText(words, f)
	check("words", words, pieces)
	if len(pieces) < 2 || strings.Join(pieces, " ") != words {
		t.Errorf("words: %d pieces do not rebuild the text", len(pieces))
	}
	// Lines are preferred over spaces.
	lines := strings.Repeat("a b c\n", 400)
	pieces = SplitText(lines, f)
	check("lines", lines, pieces)
	for i, p := range pieces[:len(pieces)-1] {
		if strings.HasSuffix(p, " ") || !strings.HasSuffix(p, "c") {
			t.Errorf("lines: piece %d ends %q, want a whole line", i, p[len(p)-3:])
		}
	}
	// No break at all: multi-byte runes are never cut.
	runes := strings.Repeat("é😀", 1000)
	pieces = SplitText(runes, f)
	check("runes", runes, pieces)
	if strings.Join(pieces, "") != runes {
		t.Error("runes: pieces do not rebuild the text")
	}
	if len(pieces[0]) > budget || len(pieces[0]) < budget-4 {
		t.Errorf("runes: first piece is %d bytes, budget %d", len(pieces[0]), budget)
	}
	// A silly font name cannot eat the budget.
	long := Format{Font: strings.Repeat("é", 500)}
	if h := textHeader(long); len(h) > 200 {
		t.Errorf("header with a long font is %d bytes", len(h))
	}
	// Newlines count twice (CRLF on the wire).
	nl := strings.Repeat("\n", 1000)
	check("newlines", nl, SplitText(nl, f))
}

func FuzzParseMIME(f *testing.F) {
	seeds := []string{
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\nhéllo wörld 😀",
		"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: alice@example.com\r\n\r\n\r\n",
		"MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 1\r\n\r\n",
		"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\nApplication-File: a.txt\r\n",
		"content-type: text/plain\n\nlf only",
		"no headers at all",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		m := parseMIME(p)
		if len(m.body) > len(p) {
			t.Fatalf("body longer than payload")
		}
		text := textBody(m)
		if !utf8.ValidString(text) || strings.Contains(text, "\r") {
			t.Fatalf("text %q not clean", text)
		}
		fm := parseFormat(m.header.get("x-mms-im-format"))
		h := formatHeader(fm)
		if strings.ContainsAny(h, "\r\n") {
			t.Fatalf("format header %q has a line break", h)
		}
		if back := parseFormat(h); back.Bold != fm.Bold || back.Color != fm.Color || back.RTL != fm.RTL {
			t.Fatalf("format round trip %+v -> %q -> %+v", fm, h, back)
		}
		d := describeContent(m)
		if strings.ContainsAny(d, "\r\n\x00") {
			t.Fatalf("description %q has control characters", d)
		}
		for _, piece := range SplitText(text, fm) {
			if len(textPayload(piece, fm)) > MaxSBMessagePayload {
				t.Fatalf("piece too long")
			}
		}
	})
}
