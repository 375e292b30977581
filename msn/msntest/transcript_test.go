package msntest

import (
	"fmt"
	"strconv"
	"testing"
)

const (
	typing  = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: alice@example.com\r\n\r\n\r\n"
	hiAlice = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhi alice"
	psm     = "<Data><PSM>hello from alice</PSM><CurrentMedia></CurrentMedia></Data>"
	noPSM   = "<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>"
)

func helloBob(ver int) string {
	return "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\nHello Bob éè from MSNP" + strconv.Itoa(ver)
}

// synLines is the SYN output for a user whose contacts are two mutual
// friends, as Escargot sends it for each version.
func synLines(ver int, tr string, me, myName string, contacts [][2]string) []string {
	var out []string
	switch {
	case ver <= 7:
		out = append(out, "SYN "+tr+" 1", "GTC "+tr+" 1 A", "BLP "+tr+" 1 AL")
		if ver == 7 {
			out = append(out, "LSG "+tr+" 1 1 1 0 Other%20Contacts 0")
		}
		for _, l := range []string{"FL", "AL", "BL", "RL"} {
			if l == "BL" {
				out = append(out, "LST "+tr+" BL 1 0 0")
				continue
			}
			for i, c := range contacts {
				line := fmt.Sprintf("LST %s %s 1 %d %d %s %s", tr, l, i+1, len(contacts), c[0], c[1])
				if l == "FL" && ver == 7 {
					line += " 0"
				}
				out = append(out, line)
			}
		}
	case ver <= 9:
		out = append(out, fmt.Sprintf("SYN %s 1 %d 1", tr, len(contacts)), "GTC A", "BLP AL", "LSG 0 Other%20Contacts 0")
		for _, c := range contacts {
			out = append(out, "LST "+c[0]+" "+c[1]+" 11 0")
		}
	default:
		out = append(out, fmt.Sprintf("SYN %s 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 %d 0", tr, len(contacts)),
			"GTC A", "BLP AL", "PRP MFN "+myName)
		for _, c := range contacts {
			line := "LST N=" + c[0] + " F=" + c[1] + " C={guid} 11 "
			if ver >= 12 {
				line += "1 "
			}
			out = append(out, line)
		}
	}
	return out
}

func synCmd(ver int, tr int) string {
	if ver >= 10 {
		return "SYN " + strconv.Itoa(tr) + " 0 0"
	}
	return "SYN " + strconv.Itoa(tr) + " 0"
}

// presence returns the tail of ILN/NLN lines after the name for ver.
func presenceTail(ver int) string {
	switch {
	case ver >= 9:
		return " " + clientID(ver) + " %3Cmsnobj%2F%3E"
	case ver == 8:
		return " " + clientID(ver)
	}
	return ""
}

// TestTranscripts replays the recorded Escargot session of each version
// and compares every line the server sends.
func TestTranscripts(t *testing.T) {
	for _, ver := range []int{2, 7, 8, 12} {
		t.Run("MSNP"+strconv.Itoa(ver), func(t *testing.T) { replayTranscript(t, ver) })
	}
}

func replayTranscript(t *testing.T, ver int) {
	s := newServer(t, Options{})
	tail := presenceTail(ver)

	// A wrong password is refused.
	if c, _ := login(t, s, "mallory", ver, "alice@example.com", "wrong-password", "Alice"); c != nil {
		t.Fatal("wrong password accepted")
	}

	// bob signs in, syncs and goes online.
	bob, tr := login(t, s, "bob/NS", ver, "bob@example.com", "secret123", "Bob")
	bob.send(synCmd(ver, tr))
	for _, l := range synLines(ver, strconv.Itoa(tr), "bob@example.com", "Bob", [][2]string{{"alice@example.com", "Alice"}, {"carol@example.com", "Carol"}}) {
		bob.expect(l)
	}
	bob.chg(ver, tr+1, "NLN")
	if ver >= 11 {
		bob.expectPayload("MSG Hotmail Hotmail", initialMail)
	}
	bobTr := tr + 2

	// alice signs in and sees bob online; bob sees alice.
	alice, tr := login(t, s, "alice/NS", ver, "alice@example.com", "secret123", "Alice")
	alice.send(synCmd(ver, tr))
	for _, l := range synLines(ver, strconv.Itoa(tr), "alice@example.com", "Alice", [][2]string{{"bob@example.com", "Bob"}, {"carol@example.com", "Carol"}}) {
		alice.expect(l)
	}
	alice.chg(ver, tr+1, "NLN")
	alice.expect(fmt.Sprintf("ILN %d NLN bob@example.com Bob%s", tr+1, tail))
	if ver >= 11 {
		alice.expectPayload("UBX bob@example.com", noPSM)
		alice.expectPayload("MSG Hotmail Hotmail", initialMail)
	}
	bob.expect("NLN NLN alice@example.com Alice" + tail)
	tr += 2

	alice.ping(ver)
	if ver >= 11 {
		alice.sendPayload("UUX "+strconv.Itoa(tr), psm)
		alice.expect("UUX " + strconv.Itoa(tr) + " 0")
		bob.expectPayload("UBX alice@example.com", psm)
		tr++
		alice.sendPayload("QRY "+strconv.Itoa(tr)+" PROD0090YUAUV{2B", "00000000000000000000000000000000")
		tr++
	}

	// alice opens a switchboard and calls bob.
	asb, _ := openSB(t, s, alice, tr, "alice/SB", "alice@example.com", "Alice")
	asb.send("CAL 2 bob@example.com")
	rng := bob.expect("RNG {sid} " + s.SBAddr() + " CKI {cookie} alice@example.com Alice")
	sid := asb.expect("CAL 2 RINGING {sid}")[0]
	if sid != rng[0] {
		t.Fatalf("RNG session %s, CAL session %s", rng[0], sid)
	}
	bsb := dial(t, "bob/SB", s.SBAddr())
	bsb.send("ANS 1 bob@example.com " + rng[1] + " " + sid)
	caps, bobCaps := "", ""
	if ver >= 12 {
		caps, bobCaps = " "+clientID(ver), " "+clientID(ver)
	}
	bsb.expect("IRO 1 1 1 alice@example.com Alice" + caps)
	bsb.expect("ANS 1 OK")
	asb.expect("JOI bob@example.com Bob" + bobCaps)

	// Messages are relayed byte for byte; A is acknowledged, U and N not.
	asb.sendPayload("MSG 3 U", typing)
	asb.sendPayload("MSG 4 A", helloBob(ver))
	bsb.expectPayload("MSG alice@example.com Alice", typing)
	bsb.expectPayload("MSG alice@example.com Alice", helloBob(ver))
	asb.expect("ACK 4")
	bsb.sendPayload("MSG 2 N", hiAlice)
	asb.expectPayload("MSG bob@example.com Bob", hiAlice)

	// carol is offline.
	asb.send("CAL 5 carol@example.com")
	asb.expect("217 5")

	// bob goes away, leaves the chat and signs out.
	bob.chg(ver, bobTr, "AWY")
	alice.expect("NLN AWY bob@example.com Bob" + tail)
	bsb.send("OUT")
	asb.expect("BYE bob@example.com")
	bsb.expectClosed()
	bob.send("OUT")
	bob.expectClosed()
	alice.expect("FLN bob@example.com")

	// A second login of alice throws the first one out.
	alice2, _ := login(t, s, "alice2/NS", ver, "alice@example.com", "secret123", "Alice")
	alice.expect("OUT OTH")
	alice.expectClosed()
	alice2.send("OUT")
	alice2.expectClosed()
	asb.send("OUT")
	asb.expectClosed()
	if s.Online("alice@example.com") || s.Online("bob@example.com") {
		t.Error("users still online after OUT")
	}
}

func TestLoginFast(t *testing.T) {
	s := newServer(t, Options{})
	for _, ver := range []int{7, 12} {
		c, _ := login(t, s, "alice", ver, "alice@example.com", "secret123", "Alice")
		c.send("OUT")
		c.expectClosed()
	}
}
