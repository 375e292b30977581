package msntest

import (
	"strings"
	"testing"
)

// mpopData18 is the <Data> the recorded MSNP18 client sends in UUX with
// the personal message psm and its machine GUID.
func mpopData18(psm, guid string) string {
	return "<Data><PSM>" + psm + "</PSM><CurrentMedia></CurrentMedia><MachineGuid>" + guid +
		"</MachineGuid><DDP></DDP><SignatureSound></SignatureSound><Scene></Scene><ColorScheme>-3</ColorScheme></Data>"
}

// mpopUBX18 is the UBX payload of an account signed in at the endpoints
// guids (first one first) with names (the owner's view) or without
// (what contacts get): the latest personal message, the machine GUID of
// the first endpoint, then each endpoint's capabilities and, for the
// owner, each endpoint's private data.
func mpopUBX18(psm string, guids, names []string) string {
	d := strings.TrimSuffix(mpopData18(psm, guids[0]), "</Data>")
	for _, g := range guids {
		d += `<EndpointData id="` + strings.ToLower(g) + `"><Capabilities>2789003324:48</Capabilities></EndpointData>`
	}
	for i, name := range names {
		d += `<PrivateEndpointData id="` + strings.ToLower(guids[i]) + `"><EpName>` + name + `</EpName><ClientType>1</ClientType><State>NLN</State></PrivateEndpointData>`
	}
	return d + "</Data>"
}

// mpopOnline18 is modernOnline18 with the recorded personal message psm.
func mpopOnline18(c *tconn, m modernClient, user, guid, epName, psm, adl string, expectContacts func()) {
	c.t.Helper()
	onlineWithData18(c, m, user, epName, mpopData18(psm, guid), adl, expectContacts)
}

// TestTranscriptsModernMPOP18 replays modern-mpop18: bob is online, alice
// signs in on machine A, then on machine B with another GUID. A stays
// signed in; bob gets alice's presence once and her UBX (both endpoints,
// B's message, A's machine GUID) four times; each of alice's endpoints
// gets her presence with both endpoints' private data. bob's call rings
// at both endpoints, A answers and chats.
func TestTranscriptsModernMPOP18(t *testing.T) {
	m := modernClients[18]
	s := newServer(t, Options{})
	if err := s.SetFriendlyName("alice@example.com", "Alice Liddell"); err != nil {
		t.Fatal(err)
	}
	const (
		bobGUID = "{141EDF7C-E1AC-4C83-8B5B-FDDE3B9B37D7}"
		aGUID   = "{7D9269F9-3C18-439E-969B-4E454049886F}"
		bGUID   = "{5B0D23E5-D1BB-4729-9C23-B520E488F3C8}"
	)
	bob := modernLogin(t, s, "bob/NS", m, "bob@example.com", "secret123", bobGUID)
	mpopOnline18(bob, m, "bob@example.com", bobGUID, "BOB-PC", "hello from bob",
		`<ml l="1"><d n="example.com"><c n="alice" l="3" t="1"/><c n="carol" l="3" t="1"/></d></ml>`, func() {})
	bobUBX := mpopUBX18("hello from bob", []string{bobGUID}, nil)
	for range 4 {
		bob.expect("NLN " + m.presence("NLN", "bob@example.com", "Bob"))
		bob.expectPayload("UBX 1:bob@example.com", mpopUBX18("hello from bob", []string{bobGUID}, []string{"BOB-PC"}))
	}

	aliceNLN := "NLN " + m.presence("NLN", "alice@example.com", "Alice%20Liddell")
	aliceADL := `<ml l="1"><d n="example.com"><c n="bob" l="3" t="1"/><c n="carol" l="3" t="1"/></d></ml>`
	aliceA := modernLogin(t, s, "aliceA/NS", m, "alice@example.com", "secret123", aGUID)
	mpopOnline18(aliceA, m, "alice@example.com", aGUID, "ALICEA-PC", "alice on A", aliceADL, func() {
		aliceA.expect("NLN " + m.presence("NLN", "bob@example.com", "Bob"))
		aliceA.expectPayload("UBX 1:bob@example.com", bobUBX)
	})
	bob.expect(aliceNLN)
	for range 4 {
		bob.expectPayload("UBX 1:alice@example.com", mpopUBX18("alice on A", []string{aGUID}, nil))
	}
	for range 4 {
		aliceA.expect(aliceNLN)
		aliceA.expectPayload("UBX 1:alice@example.com", mpopUBX18("alice on A", []string{aGUID}, []string{"ALICEA-PC"}))
	}

	// The second endpoint signs in; A stays.
	aliceB := modernLogin(t, s, "aliceB/NS", m, "alice@example.com", "secret123", bGUID)
	mpopOnline18(aliceB, m, "alice@example.com", bGUID, "ALICEB-PC", "alice on B", aliceADL, func() {
		aliceB.expect("NLN " + m.presence("NLN", "bob@example.com", "Bob"))
		aliceB.expectPayload("UBX 1:bob@example.com", bobUBX)
	})
	both := []string{aGUID, bGUID}
	bob.expect(aliceNLN)
	for range 4 {
		bob.expectPayload("UBX 1:alice@example.com", mpopUBX18("alice on B", both, nil))
	}
	own := mpopUBX18("alice on B", both, []string{"ALICEA-PC", "ALICEB-PC"})
	for _, c := range []*tconn{aliceA, aliceB} {
		for range 4 {
			c.expect(aliceNLN)
			c.expectPayload("UBX 1:alice@example.com", own)
		}
	}

	// bob's call rings at both endpoints; A answers.
	bob.send("XFR 8 SB")
	ck := bob.expect("XFR 8 SB " + s.SBAddr() + " CKI {cookie} U messenger.msn.com 1")[0]
	bsb := dial(t, "bob/SB", s.SBAddr())
	bsb.send("USR 1 bob@example.com;" + bobGUID + " " + ck)
	bsb.expect("USR 1 OK bob@example.com;" + bobGUID + " Bob")
	bsb.send("CAL 2 alice@example.com")
	rngA := aliceA.expect("RNG {sid} " + s.SBAddr() + " CKI {cookie} bob@example.com Bob U messenger.hotmail.com 1")
	rngB := aliceB.expect("RNG {sid} " + s.SBAddr() + " CKI {cookie} bob@example.com Bob U messenger.hotmail.com 1")
	if rngA[0] != rngB[0] || rngA[1] == rngB[1] {
		t.Errorf("RNG to A %q, to B %q: want one session, two cookies", rngA, rngB)
	}
	bsb.expect("CAL 2 RINGING " + rngA[0])
	asb := dial(t, "aliceA/SB", s.SBAddr())
	asb.send("ANS 1 alice@example.com;" + aGUID + " " + rngA[1] + " " + rngA[0])
	const caps = " 2789003324:48"
	asb.expect("IRO 1 1 2 bob@example.com;{141edf7c-e1ac-4c83-8b5b-fdde3b9b37d7} Bob" + caps)
	asb.expect("IRO 1 2 2 bob@example.com Bob" + caps)
	asb.expect("ANS 1 OK")
	bsb.expect("JOI alice@example.com;{7d9269f9-3c18-439e-969b-4e454049886f} Alice%20Liddell" + caps)
	bsb.expect("JOI alice@example.com Alice%20Liddell" + caps)
	asb.expect("JOI alice@example.com Alice%20Liddell" + caps)
	hello := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello from alice A"
	asb.sendPayload("MSG 2 A", hello)
	bsb.expectPayload("MSG alice@example.com Alice%20Liddell", hello)
	asb.expect("ACK 2")
	asb.send("OUT")
	bsb.expect("BYE alice@example.com;{7d9269f9-3c18-439e-969b-4e454049886f}")
	bsb.expect("BYE alice@example.com")
	asb.expectClosed()
	bsb.send("OUT")
	bsb.expectClosed()
}
