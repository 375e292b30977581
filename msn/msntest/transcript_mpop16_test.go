package msntest

import "testing"

// TestTranscriptsModernMPOP16 replays modern-mpop16 whole: as
// modern-mpop18 in the MSNP16 formats (network id after the address, no
// DDP, Scene or ColorScheme in UBX, ILN for the contacts online at the
// first CHG). bob's client sends no UUX: his presence comes once the
// server stops waiting for his burst, with the personal message kept
// from his earlier session and empty private data.
func TestTranscriptsModernMPOP16(t *testing.T) {
	m := modernClients[16]
	s := newServer(t, Options{})
	if err := s.SetFriendlyName("alice@example.com", "Alice Liddell"); err != nil {
		t.Fatal(err)
	}
	const (
		bobGUID = "{8834F740-70F1-4369-8C14-8A8D43812D82}"
		aGUID   = "{6B155052-92E9-44AD-B87F-3B271919BC32}"
		bGUID   = "{A93CD7D5-223E-432C-8DF4-67560FC2D2CF}"
	)
	// The recording follows others on the same server, where bob set
	// his personal message.
	earlier := modernLogin(t, s, "bob0/NS", m, "bob@example.com", "secret123", "{D221309A-F78F-4F8E-ABFD-0B31743EA059}")
	earlier.sendPayload("UUX 5", "<Data><PSM>hello from bob</PSM><CurrentMedia></CurrentMedia></Data>")
	earlier.expect("UUX 5 0")
	earlier.send("OUT")
	earlier.expectClosed()

	bob := modernLogin(t, s, "bob/NS", m, "bob@example.com", "secret123", bobGUID)
	bob.send("BLP 5 AL")
	bob.expect("BLP 5 AL")
	bob.sendPayload("ADL 6", `<ml l="1"><d n="example.com"><c n="alice" l="3" t="1"/><c n="carol" l="3" t="1"/></d></ml>`)
	bob.expect("ADL 6 OK")
	bobCHG := "CHG 7 NLN " + m.capsID + " " + m.msnobj("bob@example.com")
	bob.send(bobCHG)
	bob.expect(bobCHG)
	bob.expectPayload("MSG Hotmail Hotmail", initialMail)
	bobNLN := m.presence("NLN", "bob@example.com", "Bob")
	bob.expect("NLN " + bobNLN)
	bob.expectPayload(m.ubx("bob@example.com"), mpopUBX(m, "hello from bob", "", []string{bobGUID}, nil, true))
	bobUBX := mpopUBX(m, "hello from bob", "", []string{bobGUID}, nil, false)

	aliceNLN := "NLN " + m.presence("NLN", "alice@example.com", "Alice%20Liddell")
	aliceUBX := m.ubx("alice@example.com")
	aliceADL := `<ml l="1"><d n="example.com"><c n="bob" l="3" t="1"/><c n="carol" l="3" t="1"/></d></ml>`
	aliceA := modernLogin(t, s, "aliceA/NS", m, "alice@example.com", "secret123", aGUID)
	mpopOnline18(aliceA, m, "alice@example.com", aGUID, "ALICEA-PC", "alice on A", aliceADL, func() {
		aliceA.expect("ILN 7 " + bobNLN)
		aliceA.expectPayload(m.ubx("bob@example.com"), bobUBX)
	})
	bob.expect(aliceNLN)
	for range 4 {
		bob.expectPayload(aliceUBX, mpopUBX(m, "alice on A", aGUID, []string{aGUID}, nil, false))
	}
	for range 4 {
		aliceA.expect(aliceNLN)
		aliceA.expectPayload(aliceUBX, mpopUBX(m, "alice on A", aGUID, []string{aGUID}, []string{"ALICEA-PC"}, true))
	}

	// The second endpoint signs in; A stays.
	aliceB := modernLogin(t, s, "aliceB/NS", m, "alice@example.com", "secret123", bGUID)
	mpopOnline18(aliceB, m, "alice@example.com", bGUID, "ALICEB-PC", "alice on B", aliceADL, func() {
		aliceB.expect("ILN 7 " + bobNLN)
		aliceB.expectPayload(m.ubx("bob@example.com"), bobUBX)
	})
	both := []string{aGUID, bGUID}
	bob.expect(aliceNLN)
	for range 4 {
		bob.expectPayload(aliceUBX, mpopUBX(m, "alice on B", aGUID, both, nil, false))
	}
	own := mpopUBX(m, "alice on B", aGUID, both, []string{"ALICEA-PC", "ALICEB-PC"}, true)
	for _, c := range []*tconn{aliceA, aliceB} {
		for range 4 {
			c.expect(aliceNLN)
			c.expectPayload(aliceUBX, own)
		}
	}

	replayMPOPChat(t, s, m, bob, aliceA, aliceB, bobGUID, aGUID)
	replayMPOPEnd(t, s, m, bob, aliceA, aliceB, aGUID, bGUID)
}
