package msntest

import "testing"

func TestDropSBOnNextMessages(t *testing.T) {
	s := newServer(t, Options{})
	alice, _, asb, bsb := chat(t, s)
	s.DropSBOnNextMessages("alice@example.com", 2)
	if n := s.SBDropsLeft("alice@example.com"); n != 2 {
		t.Fatalf("SBDropsLeft = %d, want 2", n)
	}
	// Only alice's messages count down.
	bsb.sendPayload("MSG 2 A", hello)
	bsb.expect("ACK 2")
	asb.expectPayload("MSG bob@example.com Bob", hello)
	asb.sendPayload("MSG 3 A", hello)
	asb.expectClosed() // neither relayed nor acknowledged
	bsb.expect("BYE alice@example.com")
	if n := s.SBDropsLeft("alice@example.com"); n != 1 {
		t.Errorf("SBDropsLeft after one drop = %d, want 1", n)
	}
	sb2, _ := openSB(t, s, alice, 60, "alice/SB2", "alice@example.com", "Alice")
	sb2.sendPayload("MSG 2 A", hello)
	sb2.expectClosed()
	if n := s.SBDropsLeft("alice@example.com"); n != 0 {
		t.Errorf("SBDropsLeft after two drops = %d, want 0", n)
	}
	sb3, _ := openSB(t, s, alice, 61, "alice/SB3", "alice@example.com", "Alice")
	sb3.sendPayload("MSG 2 A", hello)
	sb3.expect("ACK 2")
}

func TestDropSBAfterNextMessages(t *testing.T) {
	s := newServer(t, Options{})
	alice, _, asb, bsb := chat(t, s)
	s.DropSBAfterNextMessages("alice@example.com", 1)
	asb.sendPayload("MSG 3 A", hello)
	bsb.expectPayload("MSG alice@example.com Alice", hello) // delivered
	asb.expect("ACK 3")                                     // and acknowledged
	asb.expectClosed()                                      // then the chat ends
	bsb.expect("BYE alice@example.com")
	if n := s.SBDropsLeft("alice@example.com"); n != 0 {
		t.Errorf("SBDropsLeft = %d, want 0", n)
	}
	sb2, _ := openSB(t, s, alice, 60, "alice/SB2", "alice@example.com", "Alice")
	sb2.sendPayload("MSG 2 A", hello)
	sb2.expect("ACK 2")
}

func TestDropSBOnNextMessagesCancelled(t *testing.T) {
	s := newServer(t, Options{})
	_, _, asb, _ := chat(t, s)
	s.DropSBOnNextMessages("alice@example.com", 3)
	s.DropSBOnNextMessages("alice@example.com", 0)
	asb.sendPayload("MSG 3 A", hello)
	asb.expect("ACK 3")
}
