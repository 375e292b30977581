package msntest

import (
	"strings"
	"testing"
	"time"
)

func TestSBPayloadLimit(t *testing.T) {
	s := newServer(t, Options{})
	_, _, asb, bsb := chat(t, s)
	max := "MIME-Version: 1.0\r\n\r\n" + strings.Repeat("x", 1664-len("MIME-Version: 1.0\r\n\r\n"))
	asb.sendPayload("MSG 3 D", max)
	bsb.expectPayload("MSG alice@example.com Alice", max)
	asb.expect("ACK 3")
	asb.sendPayload("MSG 4 U", max+"x")
	asb.expectClosed()
	bsb.expect("BYE alice@example.com")
}

func TestSBSessionEndsWhenEmpty(t *testing.T) {
	s := newServer(t, Options{})
	bob, _ := online(t, s, "bob", 12, "bob@example.com", "Bob")
	alice, _ := online(t, s, "alice", 12, "alice@example.com", "Alice")
	asb, _ := openSB(t, s, alice, 50, "alice/SB", "alice@example.com", "Alice")
	asb.send("CAL 2 bob@example.com")
	sid := asb.expect("CAL 2 RINGING {sid}")[0]
	rng := bob.skipTo("RNG {sid} " + s.SBAddr() + " CKI {cookie} alice@example.com Alice")
	asb.send("OUT")
	asb.expectClosed()
	// Once alice left, the session is gone and bob's invitation is void.
	bsb := dial(t, "bob/SB", s.SBAddr())
	bsb.send("ANS 1 bob@example.com " + rng[1] + " " + sid)
	bsb.expect("911 1")
	bsb.expectClosed()
}

func TestSBWrongCookie(t *testing.T) {
	s := newServer(t, Options{})
	_, bob, asb, _ := chat(t, s)
	asb.send("CAL 3 bob@example.com")
	asb.expect("215 3")
	asb.send("CAL 4 not-an-address")
	asb.expect("208 4")
	asb.send("CAL 5 nobody@example.com")
	asb.expect("217 5")
	// Another user's cookie, or a cookie for another session, is refused.
	bob.send("XFR 60 SB")
	ck := bob.expect("XFR 60 SB " + s.SBAddr() + " CKI {cookie}")[0]
	c := dial(t, "carol/SB", s.SBAddr())
	c.send("USR 1 carol@example.com " + ck)
	c.expect("911 1")
	c.expectClosed()
	// Commands before authentication close the connection.
	c = dial(t, "early", s.SBAddr())
	c.send("CAL 1 bob@example.com")
	c.expectClosed()
}

func TestSBUnknownCommandsIgnored(t *testing.T) {
	s := newServer(t, Options{})
	_, _, asb, bsb := chat(t, s)
	asb.send("PNG")
	asb.send("FOO 3")
	asb.send("CAL")
	asb.sendPayload("MSG 4 N", hello)
	bsb.expectPayload("MSG alice@example.com Alice", hello)
	asb.sendPayload("MSG 5 A", hello)
	bsb.expectPayload("MSG alice@example.com Alice", hello)
	asb.expect("ACK 5")
}

func TestSBAuthTimeout(t *testing.T) {
	s := newServer(t, Options{})
	s.mu.Lock()
	s.sbAuthTimeout = 50 * time.Millisecond
	s.mu.Unlock()
	c := dial(t, "silent", s.SBAddr())
	c.expectClosed()
}

// P2P data as Escargot takes it: relayed and acknowledged with ack D, 282
// when malformed, the connection closed when sent with another ack type.
func TestSBP2PData(t *testing.T) {
	s := newServer(t, Options{})
	_, _, asb, bsb := chat(t, s)
	head := "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: bob@example.com\r\n\r\n"
	p2p := head + strings.Repeat("\x00", 52)
	asb.sendPayload("MSG 3 D", p2p)
	bsb.expectPayload("MSG alice@example.com Alice", p2p)
	asb.expect("ACK 3")
	asb.sendPayload("MSG 4 D", head+"short")
	asb.expect("282 4")
	asb.sendPayload("MSG 5 D", strings.Replace(p2p, "P2P-Dest: bob@example.com\r\n", "", 1))
	asb.expect("282 5")
	asb.sendPayload("MSG 6 N", hello)
	bsb.expectPayload("MSG alice@example.com Alice", hello) // nothing malformed was relayed
	asb.sendPayload("MSG 7 A", p2p)
	asb.expectClosed()
	bsb.expect("BYE alice@example.com")
}
