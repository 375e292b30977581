package msn

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
)

// A P2P acknowledgement as MSN Messenger writes it, byte for byte.
func TestP2PHeaderVector(t *testing.T) {
	h := P2PHeader{SessionID: 0, Identifier: 0x0174BB20, TotalSize: 0x1F7, Flags: P2PFlagAck,
		AckSessionID: 0x0FD3A2F2, AckUniqueID: 0x0CE37D9C, AckDataSize: 0x1F7}
	got := AppendP2P(nil, h, nil, P2PAppSLP)
	want, _ := hex.DecodeString("00000000" + "20bb7401" + "0000000000000000" + "f701000000000000" + "00000000" +
		"02000000" + "f2a2d30f" + "9c7de30c" + "f701000000000000" + "00000000")
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded\n%x\nwant\n%x", got, want)
	}
	back, data, app, err := ParseP2P(got)
	if err != nil || back != h || len(data) != 0 || app != 0 {
		t.Fatalf("parsed %+v %q %d %v", back, data, app, err)
	}
	// The footer is big-endian.
	b := AppendP2P(nil, P2PHeader{SessionID: 7, TotalSize: 3}, []byte("abc"), P2PAppFile)
	if !bytes.HasSuffix(b, []byte{0, 0, 0, 2}) || string(b[48:51]) != "abc" {
		t.Fatalf("data message % x", b)
	}
}

func TestP2PHeaderRejects(t *testing.T) {
	ok := AppendP2P(nil, P2PHeader{TotalSize: 10, Offset: 5}, []byte("12345"), 0)
	for name, b := range map[string][]byte{
		"short":         ok[:40],
		"size mismatch": append(bytes.Clone(ok[:len(ok)-4]), 'x', 0, 0, 0, 0),
		"past total":    AppendP2P(nil, P2PHeader{TotalSize: 4, Offset: 2}, []byte("123"), 0),
	} {
		if _, _, _, err := ParseP2P(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSLPRoundTrip(t *testing.T) {
	m := &slpMessage{Method: "INVITE", To: "bob@example.com", From: "alice@example.com", Branch: "{B}",
		CallID: "{C}", ContentType: slpSessionReq}
	b := m.bytes([]field{{"EUF-GUID", eufFile}, {"SessionID", "42"}, {"AppID", "2"}, {"Context", "AAAA"}})
	if !strings.HasPrefix(string(b), "INVITE MSNMSGR:bob@example.com MSNSLP/1.0\r\nTo: <msnmsgr:bob@example.com>\r\n") ||
		!bytes.HasSuffix(b, []byte("Context: AAAA\r\n\r\n\x00")) {
		t.Fatalf("INVITE = %q", b)
	}
	// Content-Length counts the body and its NUL.
	_, body, _ := bytes.Cut(b, []byte("\r\n\r\n"))
	if !bytes.Contains(b, []byte("Content-Length: "+strconv.Itoa(len(body))+"\r\n")) {
		t.Fatalf("Content-Length wrong in %q", b)
	}
	got, err := parseSLP(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != "INVITE" || got.To != m.To || got.From != m.From || got.Branch != "{B}" || got.CallID != "{C}" ||
		got.Body.get("euf-guid") != eufFile || got.Body.get("sessionid") != "42" || got.ContentType != slpSessionReq {
		t.Fatalf("parsed %+v", got)
	}
	r := got.reply(603, "Decline")
	rb := r.bytes([]field{{"SessionID", "42"}})
	back, err := parseSLP(rb)
	if err != nil || back.Status != 603 || back.To != "alice@example.com" || back.CSeq != 1 || back.CallID != "{C}" {
		t.Fatalf("reply %q parsed %+v %v", rb, back, err)
	}
	// Addresses with a machine GUID (MSNP16+).
	if a := slpAddress("<msnmsgr:bob@example.com;{1234}>"); a != "bob@example.com" {
		t.Errorf("address = %q", a)
	}
}

// The MSN object example of the MSNC documentation: its SHA1C is the
// hash of the other fields.
func TestMSNObject(t *testing.T) {
	const doc = `<msnobj Creator="buddy1@hotmail.com" Size="24539" Type="3" Location="TFR2C.tmp" Friendly="AAA=" SHA1D="trC8SlFx2sWQxZMIBAWSEnXc8oQ=" SHA1C="U32o6bosZzluJq82eAtMpx5dIEI="/>`
	o, err := ParseMSNObject(doc)
	if err != nil {
		t.Fatal(err)
	}
	if o.Creator != "buddy1@hotmail.com" || o.Size != 24539 || o.Type != 3 || o.Location != "TFR2C.tmp" || o.Raw != doc {
		t.Fatalf("parsed %+v", o)
	}
	if got := o.sha1c(); got != o.SHA1C {
		t.Errorf("SHA1C = %s, want %s", got, o.SHA1C)
	}
	if o, err := ParseMSNObject("<msnobj/>"); err != nil || !o.IsZero() {
		t.Errorf("empty msnobj = %+v, %v", o, err)
	}
	own := NewDisplayPicture(`a"b@example.com`, []byte("picture"))
	back, err := ParseMSNObject(own.Raw)
	if err != nil || back != own {
		t.Fatalf("own object %+v parsed as %+v, %v", own, back, err)
	}
	if p := parseMSNObjParam("%3Cmsnobj%2F%3E"); !p.IsZero() {
		t.Errorf("Escargot's empty msnobj = %+v", p)
	}
}

func TestFileContext(t *testing.T) {
	name, size, err := parseFileContext(fileContext("résumé\x07.pdf", 1<<33))
	if err != nil || name != "résumé.pdf" || size != 1<<33 {
		t.Fatalf("context = %q %d %v", name, size, err)
	}
	if _, _, err := parseFileContext("AAAA"); err == nil {
		t.Error("short context accepted")
	}
}

func FuzzP2PHeader(f *testing.F) {
	f.Add(AppendP2P(nil, P2PHeader{SessionID: 1, TotalSize: 5}, []byte("hello"), 2))
	f.Add(make([]byte, 52))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, data, app, err := ParseP2P(b)
		if err != nil {
			return
		}
		again := AppendP2P(nil, h, data, app)
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoded %x, read %x", again, b)
		}
	})
}

func FuzzSLP(f *testing.F) {
	m := &slpMessage{Method: "BYE", To: "b@x", From: "a@x", Branch: "{B}", CallID: "{C}", ContentType: slpSessionClose}
	f.Add(m.bytes(nil))
	f.Add([]byte("MSNSLP/1.0 200 OK\r\nCall-ID: {x}\r\nContent-Length: 99999\r\n\r\nSessionID: 1\r\n\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseSLP(b)
		if err != nil {
			return
		}
		if m.CallID == "" || m.Method == "" && m.Status == 0 && m.Reason == "" {
			t.Fatalf("accepted %+v", m)
		}
		_, _, _ = parseFileContext(m.Body.get("context"))
	})
}

func FuzzMSNObject(f *testing.F) {
	f.Add(NewDisplayPicture("a@b", []byte("x")).Raw)
	f.Add("<msnobj/>")
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseMSNObject(s)
		if err == nil && !o.IsZero() && (o.Size < 0 || o.Raw == "") {
			t.Fatalf("accepted %+v", o)
		}
	})
}
