package msntest

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

// chat puts alice and bob (both MSNP12, online) in one switchboard.
func chat(t *testing.T, s *Server) (alice, bob, asb, bsb *tconn) {
	t.Helper()
	bob, _ = online(t, s, "bob", 12, "bob@example.com", "Bob")
	alice, _ = online(t, s, "alice", 12, "alice@example.com", "Alice")
	bob.skipTo("NLN NLN alice@example.com {rest}")
	asb, _ = openSB(t, s, alice, 50, "alice/SB", "alice@example.com", "Alice")
	asb.send("CAL 2 bob@example.com")
	asb.expect("CAL 2 RINGING {sid}")
	rng := bob.expect("RNG {sid} " + s.SBAddr() + " CKI {cookie} alice@example.com Alice")
	bsb = dial(t, "bob/SB", s.SBAddr())
	bsb.send("ANS 1 bob@example.com " + rng[1] + " " + rng[0])
	bsb.expect("IRO 1 1 1 alice@example.com Alice 1342177280")
	bsb.expect("ANS 1 OK")
	asb.expect("JOI bob@example.com Bob 1342177280")
	return alice, bob, asb, bsb
}

const hello = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello"

func TestDropNS(t *testing.T) {
	s := newServer(t, Options{})
	alice, bob, _, _ := chat(t, s)
	if n := s.DropNS("alice@example.com"); n != 1 {
		t.Errorf("DropNS = %d, want 1", n)
	}
	alice.expectClosed()
	bob.expect("FLN alice@example.com")
	if s.Online("alice@example.com") {
		t.Error("alice still online")
	}
	if n := s.DropNS("alice@example.com"); n != 0 {
		t.Errorf("second DropNS = %d, want 0", n)
	}
}

func TestDropSB(t *testing.T) {
	s := newServer(t, Options{})
	_, _, asb, bsb := chat(t, s)
	if n := s.DropSB("bob@example.com"); n != 1 {
		t.Errorf("DropSB = %d, want 1", n)
	}
	bsb.expectClosed()
	asb.expect("BYE bob@example.com")
	if n := s.DropSB("nobody@example.com"); n != 0 {
		t.Errorf("DropSB(nobody) = %d", n)
	}
}

func TestDropSBOnNextMessage(t *testing.T) {
	s := newServer(t, Options{})
	_, _, asb, bsb := chat(t, s)
	s.DropSBOnNextMessage("alice@example.com")
	asb.sendPayload("MSG 3 A", hello)
	asb.expectClosed() // no ACK
	bsb.expect("BYE alice@example.com")
	// The fault fires once.
	bsb.sendPayload("MSG 2 A", hello)
	bsb.expect("ACK 2")
}

func TestReplyDelay(t *testing.T) {
	s := newServer(t, Options{})
	c, _ := online(t, s, "alice", 12, "alice@example.com", "Alice")
	const d = 150 * time.Millisecond
	s.SetReplyDelay(d)
	start := time.Now()
	c.ping(12)
	if took := time.Since(start); took < d {
		t.Errorf("PNG answered after %v, want at least %v", took, d)
	}
	s.SetReplyDelay(0)
	c.ping(12)
}

func TestIgnoreCommand(t *testing.T) {
	s := newServer(t, Options{})
	alice, _, asb, _ := chat(t, s)
	s.IgnoreCommand("chg")
	alice.send("CHG 60 AWY 0")
	alice.ping(12)
	s.IgnoreCommand("CAL")
	asb.send("CAL 3 carol@example.com")
	asb.sendPayload("MSG 4 A", hello)
	asb.expect("ACK 4")
	s.AnswerCommand("CHG")
	s.AnswerCommand("CAL")
	alice.send("CHG 61 AWY 0")
	alice.expect("CHG 61 AWY 0")
	asb.send("CAL 5 carol@example.com")
	asb.expect("217 5")
}

func TestRefuseCall(t *testing.T) {
	s := newServer(t, Options{})
	_, _, asb, _ := chat(t, s)
	carol, _ := online(t, s, "carol", 8, "carol@example.com", "Carol")
	s.RefuseCall("carol@example.com", 713)
	asb.send("CAL 3 carol@example.com")
	asb.expect("713 3")
	asb.send("CAL 4 bob@example.com")
	asb.expect("215 4")
	s.RefuseCall("carol@example.com", 0)
	asb.send("CAL 5 carol@example.com")
	asb.expect("CAL 5 RINGING {sid}")
	rng := carol.expect("RNG {sid} " + s.SBAddr() + " CKI {cookie} alice@example.com Alice")
	// A third participant is told about both others, in join order.
	csb := dial(t, "carol/SB", s.SBAddr())
	csb.send("ANS 7 carol@example.com " + rng[1] + " " + rng[0])
	csb.expect("IRO 7 1 2 alice@example.com Alice")
	csb.expect("IRO 7 2 2 bob@example.com Bob")
	csb.expect("ANS 7 OK")
	asb.expect("JOI carol@example.com Carol 268435456")
}

func TestRejectLogin(t *testing.T) {
	s := newServer(t, Options{})
	s.RejectLogin("alice@example.com", 500)
	for _, ver := range []int{7, 12} {
		c := dial(t, "alice", s.NSAddr())
		c.send("VER 1 MSNP" + strconv.Itoa(ver) + " CVR0")
		c.expect("VER 1 MSNP" + strconv.Itoa(ver))
		method := "TWN"
		if ver < 8 {
			method = "MD5"
		}
		c.send("USR 2 " + method + " I alice@example.com")
		c.expect("500 2")
		c.expectClosed()
	}
	s.RejectLogin("alice@example.com", 0)
	c, _ := login(t, s, "alice", 12, "alice@example.com", "secret123", "Alice")
	c.ping(12)
}

func TestSendRawAndOUT(t *testing.T) {
	s := newServer(t, Options{})
	alice, bob, _, _ := chat(t, s)
	if err := s.SendRaw("alice@example.com", []byte("NLN NLN x\r\nMSG Hotmail Hotmail 99999\r\n")); err != nil {
		t.Fatal(err)
	}
	alice.expect("NLN NLN x")
	alice.expect("MSG Hotmail Hotmail 99999")
	if err := s.SendOUT("alice@example.com", "SSD"); err != nil {
		t.Fatal(err)
	}
	// The bytes already queued are flushed, then OUT, then close.
	alice.expect("OUT SSD")
	alice.expectClosed()
	bob.expect("FLN alice@example.com")
	if err := s.SendRaw("alice@example.com", []byte("x")); !errors.Is(err, ErrNotOnline) {
		t.Errorf("SendRaw to offline user: %v, want ErrNotOnline", err)
	}
	if err := s.SendOUT("alice@example.com", ""); !errors.Is(err, ErrNotOnline) {
		t.Errorf("SendOUT to offline user: %v, want ErrNotOnline", err)
	}
	if err := s.SendOUT("bob@example.com", ""); err != nil {
		t.Fatal(err)
	}
	bob.expect("OUT")
	bob.expectClosed()
}
