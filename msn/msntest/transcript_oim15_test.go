package msntest

import (
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// postSOAP posts a recorded SOAP envelope to path with the SOAPAction and
// returns the status, the Content-Type and the body of the answer.
func postSOAP(t *testing.T, s *Server, path, action, env string) (int, string, string) {
	t.Helper()
	url := strings.TrimSuffix(s.LoginURL(), "/login") + path
	req, err := http.NewRequest("POST", url, strings.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("SOAPAction", `"`+action+`"`)
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// store2Body is the recorded MSNP15 Store2 from alice to to: message
// number n of run {6B742113-...}, with lockkey and the base64 text.
func store2Body(ticket, to, lockkey, n, b64 string) string {
	return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><From memberName="alice@example.com" friendlyName="=?utf-8?B?QWxpY2UgTGlkZGVsbA==?=" xml:lang="en-US" proxy="MSNMSGR" xmlns="http://messenger.msn.com/ws/2004/09/oim/" msnpVer="MSNP15" buildVer="8.5.1302"/><To memberName="` + to +
		`" xmlns="http://messenger.msn.com/ws/2004/09/oim/"/><Ticket passport="` + xmlText(ticket) + `" appid="PROD0119GSJUC$18" lockkey="` + lockkey +
		`" xmlns="http://messenger.msn.com/ws/2004/09/oim/"/><Sequence xmlns="http://schemas.xmlsoap.org/ws/2003/03/rm"><Identifier xmlns="http://schemas.xmlsoap.org/ws/2002/07/utility">http://messenger.msn.com</Identifier><MessageNumber>` + n +
		`</MessageNumber></Sequence></soap:Header><soap:Body><MessageType xmlns="http://messenger.msn.com/ws/2004/09/oim/">text</MessageType><Content xmlns="http://messenger.msn.com/ws/2004/09/oim/">MIME-Version: 1.0` + "\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\nX-OIM-Message-Type: OfflineMessage\r\nX-OIM-Run-Id: {6B742113-37CD-401F-A713-8F43E4C6707B}\r\nX-OIM-Sequence-Num: " + n + "\r\n\r\n" +
		b64 + `</Content></soap:Body></soap:Envelope>`
}

// rsiBody is a recorded rsi call with the ticket in PassportCookie.
func rsiBody(ticket, op string) string {
	tok := strings.TrimSuffix(strings.TrimPrefix(ticket, "t="), "&p=")
	return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><PassportCookie xmlns="http://www.hotmail.msn.com/ws/2004/09/oim/rsi"><t>` +
		xmlText(tok) + `</t><p></p></PassportCookie></soap:Header><soap:Body>` + op + `</soap:Body></soap:Envelope>`
}

const (
	store2Action = "http://messenger.live.com/ws/2006/09/oim/Store2"
	rsiAction    = "http://www.hotmail.msn.com/ws/2004/09/oim/rsi/"
	// recordedAliceB is alice's name as the recorded server encodes it.
	recordedAliceB = "=?utf-8?B?QWxpY2UgTGlkZGVsbA==?="
)

// recordedMailMessage matches one <M> of the recorded login Mail-Data.
var recordedMailMessage = regexp.MustCompile(`<M><T>11</T><S>6</S><RT>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</RT><RS>0</RS><SZ>\d+</SZ><E>alice@example\.com</E><I>([0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12})</I><F>00000000-0000-0000-0000-000000000009</F><N>` + regexp.QuoteMeta(recordedAliceB) + `</N></M>`)

// TestTranscriptsModernOIM15 replays modern-oim15: alice stores offline
// messages for bob (the first without a lock key is refused) and for dave;
// bob signs in, finds them in the Mail-Data after his CHG, fetches them
// with GetMessage (GetMetadata fails with a bare 500, as recorded) and
// deletes them (the NS tells him; a second delete is a fault). An OIM to
// bob while he is online reaches him at once in an oimnotification.
func TestTranscriptsModernOIM15(t *testing.T) {
	m := modernClients[15]
	s := newServer(t, Options{})
	if err := s.AddAccount("dave@example.com", "secret123", "Dave"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFriendlyName("alice@example.com", "Alice Liddell"); err != nil {
		t.Fatal(err)
	}
	alice, ticket := modernLoginTicket(t, s, "alice/NS", m, "alice@example.com", "secret123", "")
	alice.send("BLP 5 AL")
	alice.expect("BLP 5 AL")
	alice.sendPayload("ADL 6", `<ml l="1"><d n="example.com"><c n="bob" l="3" t="1"/><c n="carol" l="3" t="1"/></d></ml>`)
	alice.expect("ADL 6 OK")
	alice.send("CHG 7 NLN " + m.capsID)
	alice.expect("CHG 7 NLN " + m.capsID)
	alice.expectPayload("MSG Hotmail Hotmail", initialMail)
	// The recorded alice kept the personal message of an earlier session.
	alice.sendPayload("UUX 8", "<Data><PSM>busy on B</PSM><CurrentMedia></CurrentMedia></Data>")
	alice.expect("UUX 8 0")

	code, ctype, body := postSOAP(t, s, oimPath, store2Action, store2Body(ticket, "bob@example.com", "", "1", "bm8gbG9ja2tleQ=="))
	var fault struct {
		Code      string `xml:"Body>Fault>faultcode"`
		Tweener   string `xml:"Body>Fault>detail>TweenerChallenge"`
		LockKeyCh string `xml:"Body>Fault>detail>LockKeyChallenge"`
	}
	if err := xml.Unmarshal([]byte(body), &fault); err != nil || code != http.StatusInternalServerError || ctype != "text/xml; charset=utf-8" ||
		fault.Code != "q0:AuthenticationFailed" || fault.Tweener != "ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1" || fault.LockKeyCh == "" {
		t.Fatalf("Store2 without a lock key: %d %q %v %+v\n%s", code, ctype, err, fault, body)
	}
	for _, st := range []struct{ to, n, b64 string }{
		{"bob@example.com", "1", "SGVsbG8gb2ZmbGluZSBCb2Igw6nDqCDkvaDlpb0gKDEp"},
		{"bob@example.com", "2", "c2Vjb25kIE9JTQ=="},
		{"dave@example.com", "3", "dG8gc29tZW9uZSB3aG8gZG9lcyBub3QgYWxsb3cgbWU="},
	} {
		checkStored(t, s, ticket, st.to, st.n, st.b64)
	}

	bob, bobTicket := modernLoginTicket(t, s, "bob/NS", m, "bob@example.com", "secret123", "")
	bob.send("BLP 5 AL")
	bob.expect("BLP 5 AL")
	bob.sendPayload("ADL 6", `<ml l="1"><d n="example.com"><c n="alice" l="3" t="1"/><c n="carol" l="3" t="1"/></d></ml>`)
	bob.expect("ADL 6 OK")
	bob.send("CHG 7 NLN " + m.capsID)
	bob.expect("CHG 7 NLN " + m.capsID)
	bob.expect("ILN 7 " + m.presence("NLN", "alice@example.com", "Alice%20Liddell"))
	bob.expectPayload("UBX alice@example.com 1", "<Data><PSM>busy on B</PSM><CurrentMedia></CurrentMedia></Data>")
	md, _ := bob.readPayload("MSG Hotmail Hotmail")
	head := "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialmdatanotification; charset=UTF-8\r\n\r\n" +
		"Mail-Data: <MD><E><I>0</I><IU>0</IU><O>0</O><OU>0</OU></E><Q><QTM>409600</QTM><QNM>204800</QNM></Q>"
	rest, ok := strings.CutPrefix(md, head)
	if !ok || !strings.HasSuffix(rest, "</MD>\r\n") {
		t.Fatalf("Mail-Data at login:\n%s", md)
	}
	found := recordedMailMessage.FindAllStringSubmatch(rest, -1)
	if len(found) != 2 || len(recordedMailMessage.ReplaceAllString(rest, "")) != len("</MD>\r\n") {
		t.Fatalf("Mail-Data lists %d messages, want 2 as recorded:\n%s", len(found), md)
	}
	alice.expect("NLN " + m.presence("NLN", "bob@example.com", "Bob"))

	code, ctype, body = postSOAP(t, s, rsiPath, rsiAction+"GetMetadata", rsiBody(bobTicket, `<GetMetadata xmlns="http://www.hotmail.msn.com/ws/2004/09/oim/rsi"/>`))
	if code != http.StatusInternalServerError || ctype != "text/plain; charset=utf-8" || body != "500 Internal Server Error\nServer got itself in trouble\n" {
		t.Errorf("GetMetadata: %d %q %q", code, ctype, body)
	}
	var ids []string
	for i, want := range []string{"SGVsbG8gb2ZmbGluZSBCb2Igw6nDqCDkvaDlpb0gKDEp", "c2Vjb25kIE9JTQ=="} {
		id := found[i][1]
		ids = append(ids, id)
		checkGetMessage(t, s, bobTicket, id, string(rune('1'+i)), want)
	}

	var del strings.Builder
	for _, id := range ids {
		del.WriteString("<messageId>" + id + "</messageId>")
	}
	code, _, body = postSOAP(t, s, rsiPath, rsiAction+"DeleteMessages", rsiBody(bobTicket,
		`<DeleteMessages xmlns="http://www.hotmail.msn.com/ws/2004/09/oim/rsi"><messageIds>`+del.String()+`</messageIds></DeleteMessages>`))
	if code != http.StatusOK || !strings.Contains(body, `<DeleteMessagesResponse xmlns="http://www.hotmail.msn.com/ws/2004/09/oim/rsi" />`) {
		t.Fatalf("DeleteMessages: %d\n%s", code, body)
	}
	bob.expectPayload("MSG Hotmail Hotmail", "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsactivemailnotification; charset=UTF-8\r\n\r\n"+
		"Src-Folder: .!!OIM\r\nDest-Folder: .!!trAsH\r\nMessage-Delta: 2\r\n")
	code, _, body = postSOAP(t, s, rsiPath, rsiAction+"DeleteMessages", rsiBody(bobTicket,
		`<DeleteMessages xmlns="http://www.hotmail.msn.com/ws/2004/09/oim/rsi"><messageIds><messageId>`+ids[0]+`</messageId></messageIds></DeleteMessages>`))
	var rf struct {
		Code   string `xml:"Body>Fault>faultcode"`
		String string `xml:"Body>Fault>faultstring"`
	}
	if err := xml.Unmarshal([]byte(body), &rf); err != nil || code != http.StatusInternalServerError || rf.Code != "soap:Client" || rf.String != "Schema validation error" {
		t.Errorf("second DeleteMessages: %d %v %+v\n%s", code, err, rf, body)
	}

	// An OIM to bob while he is online: the notification comes at once,
	// with the recorded blank before "?=" in the name.
	checkStored(t, s, ticket, "bob@example.com", "4", "Ym9iIGlzIG9ubGluZSBub3c=")
	note, _ := bob.readPayload("MSG Hotmail Hotmail")
	noteRE := regexp.MustCompile(`^MIME-Version: 1\.0\r\nContent-Type: text/x-msmsgsoimnotification; charset=UTF-8\r\n\r\n` +
		`Mail-Data: <MD><M><T>11</T><S>6</S><RS>0</RS><SZ>\d+</SZ><E>alice@example\.com</E><I>[0-9A-F-]{36}</I><F>\.!!OIM</F><N>=\?utf-8\?B\?QWxpY2UgTGlkZGVsbA== \?=</N></M><SU> </SU></MD>\r\n$`)
	if !noteRE.MatchString(note) {
		t.Errorf("oimnotification:\n%q", note)
	}
	alice.send("OUT")
	alice.expectClosed()
	// The recording's bob signs out at once, before this FLN is read.
	bob.expect(m.fln("alice@example.com"))
	bob.send("OUT")
	bob.expectClosed()
	if n := s.OIMCount("dave@example.com"); n != 1 {
		t.Errorf("dave has %d OIMs, want 1", n)
	}
}

// checkStored posts a recorded Store2 and expects its StoreResponse,
// which acknowledges the message number.
func checkStored(t *testing.T, s *Server, ticket, to, n, b64 string) {
	t.Helper()
	code, _, body := postSOAP(t, s, oimPath, store2Action, store2Body(ticket, to, "0", n, b64))
	var ack struct {
		Range struct {
			Upper string `xml:"Upper,attr"`
			Lower string `xml:"Lower,attr"`
		} `xml:"Header>SequenceAcknowledgment>AcknowledgmentRange"`
		Points string `xml:"Body>StoreResponse>PointsConsumed"`
	}
	if err := xml.Unmarshal([]byte(body), &ack); err != nil || code != http.StatusOK || ack.Range.Upper != n || ack.Range.Lower != n || ack.Points != "0" {
		t.Fatalf("Store2 %s to %s: %d %v %+v\n%s", n, to, code, err, ack, body)
	}
}

// checkGetMessage fetches id and checks the headers clients read and the
// base64 body, as stored.
func checkGetMessage(t *testing.T, s *Server, ticket, id, seq, b64 string) {
	t.Helper()
	code, _, body := postSOAP(t, s, rsiPath, rsiAction+"GetMessage", rsiBody(ticket,
		`<GetMessage xmlns="http://www.hotmail.msn.com/ws/2004/09/oim/rsi"><messageId>`+id+`</messageId><alsoMarkAsRead>false</alsoMarkAsRead></GetMessage>`))
	var r struct {
		Result string `xml:"Body>GetMessageResponse>GetMessageResult"`
	}
	if err := xml.Unmarshal([]byte(body), &r); err != nil || code != http.StatusOK {
		t.Fatalf("GetMessage %s: %d %v\n%s", id, code, err, body)
	}
	head, text, ok := strings.Cut(r.Result, "\r\n\r\n")
	if !ok || text != b64 {
		t.Errorf("GetMessage %s: body %q, want %q", id, text, b64)
	}
	for _, want := range []string{
		"From: " + recordedAliceB + " <alice@example.com>\r\n",
		"To: bob@example.com\r\n",
		"Content-Transfer-Encoding: base64\r\n",
		"X-OIM-Run-Id: {6B742113-37CD-401F-A713-8F43E4C6707B}\r\n",
		"X-OIM-Sequence-Num: " + seq + "\r\n",
		"Return-Path: ndr@oim.messenger.msn.com",
	} {
		if !strings.Contains(head+"\r\n", want) {
			t.Errorf("GetMessage %s lacks %q:\n%s", id, want, head)
		}
	}
	for _, re := range []string{
		`\r\nX-OriginalArrivalTime: \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.0000 \(UTC\) FILETIME=\[[0-9A-F]{8}:[0-9A-F]{8}\]\r\n`,
		`\r\nDate: \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d -0800\r\n`,
		`\r\nMessage-ID: <OIM-\S+@OIM-\S+>\r\n`,
	} {
		if !regexp.MustCompile(re).MatchString(head + "\r\n") {
			t.Errorf("GetMessage %s: no header like %s:\n%s", id, re, head)
		}
	}
}
