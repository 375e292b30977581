package msn

import (
	"mime"
	"strings"
	"testing"
	"time"
)

// The sender's name is sent as Messenger sends it, as in Escargot's
// recording of a Store2 request: friendlyName="=?utf-8?B?QWxpY2UgTGlkZGVsbA==?=".
func TestOIMSenderName(t *testing.T) {
	if got := oimSenderName("Alice Liddell"); got != "=?utf-8?B?QWxpY2UgTGlkZGVsbA==?=" {
		t.Errorf("oimSenderName = %q", got)
	}
	name := "Zoë ☺ " + strings.Repeat("x", 100)
	if got, err := new(mime.WordDecoder).DecodeHeader(oimSenderName(name)); err != nil || got != name {
		t.Errorf("oimSenderName(%q) decodes as %q, %v", name, got, err)
	}
}

// The message GetMessage returned in Escargot's recording (MSNP15), with
// the XML escapes of the SOAP answer undone.
const recordedOIM = "X-Message-Info: cwRBnLifKNE8dVZlNj6AiX8142B67OTjG9BFMLMyzuui1H4Xx7m3NQ==\r\n" +
	"Received: from OIM-SSI02.phx.gbl ([65.54.237.206]) by oim1-f1.hotmail.com with Microsoft SMTPSVC(6.0.3790.211);\r\n" +
	"\t Sun, 06 Dec 2026 16:01:40 -0800\r\n" +
	"Received: from mail pickup service by OIM-SSI02.phx.gbl with Microsoft SMTPSVC;\r\n" +
	"\t Sun, 06 Dec 2026 16:01:40 -0800\r\n" +
	"From: =?utf-8?B?QWxpY2UgTGlkZGVsbA==?= <alice@example.com>\r\n" +
	"To: bob@example.com\r\nSubject: \r\nX-OIM-originatingSource: 127.0.0.1\r\nX-OIMProxy: MSNMSGR\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n" +
	"X-OIM-Message-Type: OfflineMessage\r\nX-OIM-Run-Id: {6B742113-37CD-401F-A713-8F43E4C6707B}\r\nX-OIM-Sequence-Num: 1\r\n" +
	"Message-ID: <OIM-SSI02zDv60gxapz00061a8b@OIM-SSI02.phx.gbl>\r\n" +
	"X-OriginalArrivalTime: 07 Dec 2026 00:01:40.0000 (UTC) FILETIME=[228ECA00:01DD85DE]\r\n" +
	"Date: 06 Dec 2026 16:01:40 -0800\r\nReturn-Path: ndr@oim.messenger.msn.com\r\n\r\n" +
	"SGVsbG8gb2ZmbGluZSBCb2Igw6nDqCDkvaDlpb0gKDEp"

func TestDecodeOIM(t *testing.T) {
	sent := time.Date(2026, 12, 7, 0, 1, 40, 0, time.UTC)
	for _, tc := range []struct {
		name, raw string
		want      OfflineMessageReceived
	}{
		{"recorded", recordedOIM, OfflineMessageReceived{From: "alice@example.com", FriendlyName: "Alice Liddell", Text: "Hello offline Bob éè 你好 (1)", Time: sent}},
		{"quoted-printable latin-1", "From: Bob <bob@example.com>\r\nDate: Mon, 07 Dec 2026 00:01:40 +0000\r\n" +
			"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"caf=E9 =\r\nau lait\r\nsecond line", OfflineMessageReceived{From: "bob@example.com", FriendlyName: "Bob", Text: "café au lait\nsecond line", Time: sent}},
		{"base64 in lines, control characters in the name", "From: =?utf-8?B?Qm9iG1szMW0=?= <bob@example.com>\r\nDate: 07 Dec 2026 00:01:40 +0000\r\n" +
			"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8N\r\nCndvcmxk\r\n",
			OfflineMessageReceived{From: "bob@example.com", FriendlyName: "Bob[31m", Text: "hello\nworld", Time: sent}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeOIM(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if got.From != tc.want.From || got.FriendlyName != tc.want.FriendlyName || got.Text != tc.want.Text || !got.Time.Equal(tc.want.Time) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := decodeOIM("Content-Transfer-Encoding: base64\r\n\r\n!!!not base64"); err == nil {
		t.Error("a body that is not base64 decoded without an error")
	}
}

// The Mail-Data of the recording: at login (initial) and in a
// notification, whose name ends in " ?=" as Escargot writes it.
func TestParseMailData(t *testing.T) {
	initial := `<MD><E><I>0</I><IU>0</IU><O>0</O><OU>0</OU></E><Q><QTM>409600</QTM><QNM>204800</QNM></Q><M><T>11</T><S>6</S><RT>2026-12-07T00:01:40Z</RT><RS>0</RS><SZ>961</SZ><E>alice@example.com</E><I>093BC5D5-F7E2-4E8B-92B7-F460136D2502</I><F>00000000-0000-0000-0000-000000000009</F><N>=?utf-8?B?QWxpY2UgTGlkZGVsbA==?=</N></M><M><T>11</T><S>6</S><RT>2026-12-07T00:01:38Z</RT><RS>0</RS><SZ>941</SZ><E>alice@example.com</E><I>87FB7F96-FD10-4640-A16B-0592DA1C0688</I><F>00000000-0000-0000-0000-000000000009</F><N>=?utf-8?B?QWxpY2UgTGlkZGVsbA==?=</N></M></MD>`
	got := parseMailData(initial)
	if len(got) != 2 || got[0].id != "093BC5D5-F7E2-4E8B-92B7-F460136D2502" || got[0].from != "alice@example.com" ||
		got[0].name != "Alice Liddell" || !got[1].sent.Equal(time.Date(2026, 12, 7, 0, 1, 38, 0, time.UTC)) {
		t.Errorf("initial: %+v", got)
	}
	notice := `<MD><M><T>11</T><S>6</S><RS>0</RS><SZ>943</SZ><E>alice@example.com</E><I>006A9F83-23BC-4871-A35D-E0D23D8D5D11</I><F>.!!OIM</F><N>=?utf-8?B?QWxpY2UgTGlkZGVsbA== ?=</N></M><SU> </SU></MD>`
	got = parseMailData(notice)
	if len(got) != 1 || got[0].id != "006A9F83-23BC-4871-A35D-E0D23D8D5D11" || got[0].name != "Alice Liddell" || !got[0].sent.IsZero() {
		t.Errorf("notification: %+v", got)
	}
}
