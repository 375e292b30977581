package msntest

import (
	"strings"
	"testing"
)

// mpopData18 is the <Data> the recorded MSNP16 and MSNP18 clients send in
// UUX with the personal message psm and their machine GUID.
func mpopData18(psm, guid string) string {
	return "<Data><PSM>" + psm + "</PSM><CurrentMedia></CurrentMedia><MachineGuid>" + guid +
		"</MachineGuid><DDP></DDP><SignatureSound></SignatureSound><Scene></Scene><ColorScheme>-3</ColorScheme></Data>"
}

// mpopUBX is the UBX payload, in m's version, of an account signed in at
// the endpoints guids (first one first) with the personal message psm and
// the machine GUID machine (none when empty): the data, then each
// endpoint's capabilities and, with own (the owner's view), each
// endpoint's private data: its name from names, or an empty element when
// names is nil (an endpoint that never sent it).
func mpopUBX(m modernClient, psm, machine string, guids, names []string, own bool) string {
	d := "<Data><PSM>" + psm + "</PSM><CurrentMedia></CurrentMedia>"
	if machine != "" {
		d += "<MachineGuid>" + machine + "</MachineGuid>"
	}
	if m.ver >= 18 {
		d += "<DDP></DDP><SignatureSound></SignatureSound><Scene></Scene><ColorScheme>-3</ColorScheme>"
	} else {
		d += "<SignatureSound></SignatureSound>"
	}
	for _, g := range guids {
		d += `<EndpointData id="` + strings.ToLower(g) + `"><Capabilities>` + m.capsID + `</Capabilities></EndpointData>`
	}
	if own {
		for i, g := range guids {
			d += `<PrivateEndpointData id="` + strings.ToLower(g) + `">`
			if names != nil {
				d += `<EpName>` + names[i] + `</EpName><ClientType>1</ClientType><State>NLN</State>`
			}
			d += `</PrivateEndpointData>`
		}
	}
	return d + "</Data>"
}

// mpopUBX18 is the MSNP18 UBX of an account whose machine GUID is that of
// its first endpoint, with private data when names is given.
func mpopUBX18(psm string, guids, names []string) string {
	return mpopUBX(modernClients[18], psm, guids[0], guids, names, names != nil)
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
// at both endpoints, A answers and chats. Then B changes its status, B
// signs out and A signs in again (replayMPOPEnd).
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

	replayMPOPChat(t, s, m, bob, aliceA, aliceB, bobGUID, aGUID)
	replayMPOPEnd(t, s, m, bob, aliceA, aliceB, aGUID, bGUID)
}

// replayMPOPChat replays the chat of modern-mpop16 and modern-mpop18:
// bob's call rings at both of alice's endpoints, A answers and chats.
func replayMPOPChat(t *testing.T, s *Server, m modernClient, bob, aliceA, aliceB *tconn, bobGUID, aGUID string) {
	t.Helper()
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
	caps := " " + m.capsID
	asb.expect("IRO 1 1 2 bob@example.com;" + strings.ToLower(bobGUID) + " Bob" + caps)
	asb.expect("IRO 1 2 2 bob@example.com Bob" + caps)
	asb.expect("ANS 1 OK")
	bsb.expect("JOI alice@example.com;" + strings.ToLower(aGUID) + " Alice%20Liddell" + caps)
	bsb.expect("JOI alice@example.com Alice%20Liddell" + caps)
	asb.expect("JOI alice@example.com Alice%20Liddell" + caps)
	hello := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello from alice A"
	asb.sendPayload("MSG 2 A", hello)
	bsb.expectPayload("MSG alice@example.com Alice%20Liddell", hello)
	asb.expect("ACK 2")
	asb.send("OUT")
	bsb.expect("BYE alice@example.com;" + strings.ToLower(aGUID))
	bsb.expect("BYE alice@example.com")
	asb.expectClosed()
	bsb.send("OUT")
	bsb.expectClosed()
}

// replayMPOPEnd replays the end of modern-mpop16 and modern-mpop18:
// endpoint B goes busy with a new personal message, and its news wait
// for the end of its CHG and UUX burst; B signs out: bob gets a UBX that
// lists A only, no FLN, and A its own NLN and UBX; A signs in again with
// its machine GUID: the old A connection gets OUT OTH and bob gets FLN.
func replayMPOPEnd(t *testing.T, s *Server, m modernClient, bob, aliceA, aliceB *tconn, aGUID, bGUID string) {
	t.Helper()
	chg := "CHG 11 BSY " + m.capsID + " " + m.msnobj("alice@example.com")
	aliceB.send(chg)
	aliceB.expect(chg)
	aliceB.sendPayload("UUX 12", "<EndpointData><Capabilities>"+m.capsID+"</Capabilities></EndpointData>")
	aliceB.expect("UUX 12 0")
	aliceB.sendPayload("UUX 13", "<PrivateEndpointData><EpName>ALICEB-PC</EpName><Idle>false</Idle><ClientType>1</ClientType><State>NLN</State></PrivateEndpointData>")
	aliceB.expect("UUX 13 0")
	aliceB.sendPayload("UUX 14", mpopData18("busy on B", bGUID))
	aliceB.expect("UUX 14 0")
	both := []string{aGUID, bGUID}
	aliceBSY := "NLN " + m.presence("BSY", "alice@example.com", "Alice%20Liddell")
	ubx := m.ubx("alice@example.com")
	bob.expect(aliceBSY)
	for range 4 {
		bob.expectPayload(ubx, mpopUBX(m, "busy on B", aGUID, both, nil, false))
	}
	own := mpopUBX(m, "busy on B", aGUID, both, []string{"ALICEA-PC", "ALICEB-PC"}, true)
	for _, c := range []*tconn{aliceA, aliceB} {
		for range 4 {
			c.expect(aliceBSY)
			c.expectPayload(ubx, own)
		}
	}

	// B signs out: alice stays online at A.
	aliceB.send("OUT")
	aliceB.expectClosed()
	bob.expectPayload(ubx, mpopUBX(m, "busy on B", aGUID, []string{aGUID}, nil, false))
	aliceA.expect(aliceBSY)
	aliceA.expectPayload(ubx, mpopUBX(m, "busy on B", aGUID, []string{aGUID}, []string{"ALICEA-PC"}, true))

	// A signs in again with the same machine GUID: the old A is booted.
	aliceA2 := modernLogin(t, s, "aliceA2/NS", m, "alice@example.com", "secret123", aGUID)
	aliceA.expect("OUT OTH")
	aliceA.expectClosed()
	bob.expect(m.fln("alice@example.com"))
	aliceA2.send("OUT")
	aliceA2.expectClosed()
	bob.send("OUT")
	bob.expectClosed()
}
