package msn

import (
	"testing"
	"unicode/utf8"
)

// noControls reports whether s is valid UTF-8 without control characters:
// what may reach a name, an address or an endpoint's label.
func noControls(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// FuzzDecodeOIM feeds offline messages as a server might return them:
// decoding never panics, and the sender's address and name carry no
// control characters. The text is the message as sent (multi-line, say):
// the bridge cleans it where it enters IRC, as it does a switchboard's.
func FuzzDecodeOIM(f *testing.F) {
	f.Add(recordedOIM)
	f.Add("From: =?utf-8?Q?B=C3=B6b?= <bob@example.com>\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\nh=E9llo=0D=0Aworld")
	f.Add("From: \"evil\r\nPRIVMSG x\" <a@b>\r\n\r\nbody\x00")
	f.Add("Content-Transfer-Encoding: base64\r\n\r\n!!!")
	f.Fuzz(func(t *testing.T, raw string) {
		ev, err := decodeOIM(raw)
		if err != nil {
			return
		}
		if !noControls(ev.From) || !noControls(ev.FriendlyName) {
			t.Fatalf("control characters in sender %q / %q", ev.From, ev.FriendlyName)
		}
	})
}

// FuzzParseMailData feeds Mail-Data values: parsing never panics, lists at
// most maxOIMsPerNotice messages with short non-empty IDs, and names
// without control characters.
func FuzzParseMailData(f *testing.F) {
	f.Add(`<MD><M><T>11</T><S>6</S><RT>2026-12-07T00:01:40Z</RT><E>alice@example.com</E><I>093BC5D5-F7E2-4E8B-92B7-F460136D2502</I><N>=?utf-8?B?QWxpY2UgTGlkZGVsbA==?=</N></M></MD>`)
	f.Add(`<MD><M><I>x</I><N>a&#x0A;b</N></M><M><I></I></M></MD>`)
	f.Add(`not xml`)
	f.Fuzz(func(t *testing.T, v string) {
		got := parseMailData(v)
		if len(got) > maxOIMsPerNotice {
			t.Fatalf("%d messages listed, at most %d", len(got), maxOIMsPerNotice)
		}
		for _, m := range got {
			if m.id == "" || len(m.id) > 64 {
				t.Fatalf("message id %q", m.id)
			}
			if !noControls(m.name) {
				t.Fatalf("control characters in name %q", m.name)
			}
		}
	})
}

// FuzzParseEndpoints feeds the endpoint data of a UBX payload: parsing
// never panics and endpoint names carry no control characters.
func FuzzParseEndpoints(f *testing.F) {
	f.Add(ubxTwoEndpoints)
	f.Add(`<Data><PrivateEndpointData id="{5b0d23e5-d1bb-4729-9c23-b520e488f3c8}"><EpName>evil&#x0A;PRIVMSG x</EpName></PrivateEndpointData></Data>`)
	f.Add(`<Data><EndpointData id="x"></EndpointData></Data>`)
	f.Fuzz(func(t *testing.T, payload string) {
		eps, _ := parseEndpoints([]byte(payload))
		for _, ep := range eps {
			if !noControls(ep.Name) {
				t.Fatalf("control characters in endpoint name %q", ep.Name)
			}
		}
	})
}

// FuzzParseMedia feeds CurrentMedia texts: parsing never panics, what it
// reads has no control characters, and what mediaText writes reads back.
func FuzzParseMedia(f *testing.F) {
	f.Add(`\0Music\01\0{0} - {1}\0Artist\0Title\0Album\0\0`)
	f.Add(`\0Music\01\0{0}\0a&#x0A;b\0\0`)
	f.Add(`\0Games\00\0\0`)
	f.Fuzz(func(t *testing.T, raw string) {
		m, ok := ParseMedia(raw)
		if !ok {
			return
		}
		for _, s := range []string{m.Artist, m.Title, m.Album} {
			if !noControls(s) {
				t.Fatalf("control characters in %q", s)
			}
		}
	})
}
