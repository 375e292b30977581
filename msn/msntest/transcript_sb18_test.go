package msntest

import (
	"testing"
)

// TestTranscriptsModernSB18 replays the switchboard of modern-sb18: alice
// and bob sign in at MSNP18 with their machine GUIDs (as in
// modern-login18), alice calls bob; each endpoint is named with its GUID
// and by its bare address, bob hears his own bare address join, messages
// pass byte for byte, offline and unknown contacts get 217, and bob's
// OUT is a BYE for both of his names.
func TestTranscriptsModernSB18(t *testing.T) {
	m := modernClients[18]
	s := newServer(t, Options{})
	if err := s.SetFriendlyName("alice@example.com", "Alice Liddell"); err != nil {
		t.Fatal(err)
	}
	const (
		bobGUID   = "{9C5ABDE2-A1DD-4B11-8F1B-A747A476D85F}"
		aliceGUID = "{1A4B2EE6-98D1-4FF9-A2AB-13BCD99A7050}"
		caps      = " 2789003324:48"
	)
	bob := modernLogin(t, s, "bob/NS", m, "bob@example.com", "secret123", bobGUID)
	modernOnline18(bob, m, "bob@example.com", bobGUID, "BOB-PC",
		`<ml l="1"><d n="example.com"><c n="alice" l="3" t="1"/><c n="carol" l="3" t="1"/></d></ml>`, func() {})
	alice := modernLogin(t, s, "alice/NS", m, "alice@example.com", "secret123", aliceGUID)
	modernOnline18(alice, m, "alice@example.com", aliceGUID, "ALICE-PC",
		`<ml l="1"><d n="example.com"><c n="bob" l="3" t="1"/><c n="carol" l="3" t="1"/></d></ml>`, func() {
			alice.expect("NLN " + m.presence("NLN", "bob@example.com", "Bob"))
			alice.expectPayload("UBX 1:bob@example.com", ubx18("bob@example.com", bobGUID, "", false))
		})
	// The presence after the logins, as modern-login18 has it.
	for range 4 {
		bob.expect("NLN " + m.presence("NLN", "bob@example.com", "Bob"))
		bob.expectPayload("UBX 1:bob@example.com", ubx18("bob@example.com", bobGUID, "BOB-PC", true))
	}
	for range 4 {
		alice.expect("NLN " + m.presence("NLN", "alice@example.com", "Alice%20Liddell"))
		alice.expectPayload("UBX 1:alice@example.com", ubx18("alice@example.com", aliceGUID, "ALICE-PC", true))
	}
	bob.expect("NLN " + m.presence("NLN", "alice@example.com", "Alice%20Liddell"))
	for range 4 {
		bob.expectPayload("UBX 1:alice@example.com", ubx18("alice@example.com", aliceGUID, "", false))
	}

	alice.send("XFR 8 SB")
	ck := alice.expect("XFR 8 SB " + s.SBAddr() + " CKI {cookie} U messenger.msn.com 1")[0]
	asb := dial(t, "alice/SB", s.SBAddr())
	asb.send("USR 1 alice@example.com;" + aliceGUID + " " + ck)
	asb.expect("USR 1 OK alice@example.com;" + aliceGUID + " Alice%20Liddell")
	asb.send("CAL 2 bob@example.com")
	rng := bob.expect("RNG {sid} " + s.SBAddr() + " CKI {cookie} alice@example.com Alice%20Liddell U messenger.hotmail.com 1")
	asb.expect("CAL 2 RINGING " + rng[0])

	bsb := dial(t, "bob/SB", s.SBAddr())
	bsb.send("ANS 1 bob@example.com;" + bobGUID + " " + rng[1] + " " + rng[0])
	bsb.expect("IRO 1 1 2 alice@example.com;{1a4b2ee6-98d1-4ff9-a2ab-13bcd99a7050} Alice%20Liddell" + caps)
	bsb.expect("IRO 1 2 2 alice@example.com Alice%20Liddell" + caps)
	bsb.expect("ANS 1 OK")
	asb.expect("JOI bob@example.com;{9c5abde2-a1dd-4b11-8f1b-a747a476d85f} Bob" + caps)
	asb.expect("JOI bob@example.com Bob" + caps)
	bsb.expect("JOI bob@example.com Bob" + caps)

	hello := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0\r\n\r\nHello Bob é (MSNP18)"
	datacast := "MIME-Version: 1.0\r\nContent-Type: text/x-msnmsgr-datacast\r\n\r\nID: 1\r\n\r\n"
	asb.sendPayload("MSG 3 U", typing)
	asb.sendPayload("MSG 4 A", hello)
	bsb.expectPayload("MSG alice@example.com Alice%20Liddell", typing)
	bsb.expectPayload("MSG alice@example.com Alice%20Liddell", hello)
	asb.expect("ACK 4")
	asb.sendPayload("MSG 5 N", datacast)
	bsb.expectPayload("MSG alice@example.com Alice%20Liddell", datacast)
	bsb.sendPayload("MSG 2 N", hiAlice)
	asb.expectPayload("MSG bob@example.com Bob", hiAlice)

	asb.send("CAL 6 carol@example.com")
	asb.expect("217 6")
	asb.send("CAL 7 nobody@example.com")
	asb.expect("217 7")
	bsb.send("OUT")
	asb.expect("BYE bob@example.com;{9c5abde2-a1dd-4b11-8f1b-a747a476d85f}")
	asb.expect("BYE bob@example.com")
	bsb.expectClosed()
	asb.send("OUT")
	asb.expectClosed()
	alice.send("OUT")
	alice.expectClosed()
	bob.expect(m.fln("alice@example.com"))
	bob.send("OUT")
	bob.expectClosed()
}
