package msn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A switchboard keeps at most maxParticipants participants, however many
// the server announces: further JOI lines are dropped unreported, and a
// departure makes room again.
func TestSwitchboardParticipantCap(t *testing.T) {
	s := loginAs(t, 12, nil)
	sb, sp := openSB(t, s, newFakeServer(t))
	var b strings.Builder
	for i := range 2 * maxParticipants {
		fmt.Fprintf(&b, "JOI u%d@example.com U%d 0\r\n", i, i)
	}
	sp.sendRaw(b.String())
	sp.sendPayload("MSG bob@example.com Bob", textFromBob) // after every JOI
	joins := 0
	for {
		e := nextEvent(t, s.c)
		if _, ok := e.(ParticipantJoined); ok {
			joins++
		}
		if _, ok := e.(MessageReceived); ok {
			break
		}
	}
	if n := len(sb.Participants()); n != maxParticipants || joins != maxParticipants {
		t.Fatalf("%d participants, %d joins reported (bob's included); want %d", n, joins, maxParticipants)
	}
	sp.send("BYE u0@example.com", "JOI dave@example.com Dave")
	if j := waitFor[ParticipantJoined](t, s.c); j.Passport != "dave@example.com" {
		t.Errorf("after a departure, joined = %+v, want dave", j)
	}
}

// An invitation the contact never answers, whether it times out or the
// server refuses it, leaves no waiter behind in the switchboard.
func TestSwitchboardInviteLeavesNoWaiter(t *testing.T) {
	s := loginAs(t, 12, func(cfg *Config) { cfg.RequestTimeout = 50 * time.Millisecond })
	sb, sp := openSB(t, s, newFakeServer(t))
	for i, answer := range []string{"CAL %s RINGING 069f3376b7cfe8fbf275e8c80e547b6", "217 %s"} {
		who := fmt.Sprintf("silent%d@example.com", i)
		done := async(func(ctx context.Context) error { return sb.Invite(ctx, who) })
		cmd := sp.read()
		sp.send(fmt.Sprintf(answer, cmd.Param(0)))
		if err := <-done; err == nil {
			t.Fatalf("inviting %s, who never joins, succeeded", who)
		}
	}
	sb.mu.Lock()
	left := len(sb.waiters)
	sb.mu.Unlock()
	if left != 0 {
		t.Errorf("%d waiters left behind", left)
	}
}

// An IRO after ANS OK is reported at once, not kept for an ANS OK that
// never comes again, and one of the user's own endpoints is reported once
// however many lines name it.
func TestSwitchboardLateIROReportedOnce(t *testing.T) {
	s := loginAs(t, 12, nil)
	sbSrv := newFakeServer(t)
	inv := Invitation{SessionID: "069f3376b7cfe8fbf275e8c80e547b6", Address: sbSrv.addr(), Cookie: "ae51d586891d06337e5a", From: "bob@example.com"}
	ch := make(chan sbResult, 1)
	go func() {
		sb, err := s.c.Accept(t.Context(), inv)
		ch <- sbResult{sb, err}
	}()
	sp := sbSrv.accept()
	sp.read()
	sp.send("IRO 1 1 1 bob@example.com Bob", "ANS 1 OK")
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	const own = "{5d3e02ab-6190-11d3-bbbb-00c04f795683}"
	sp.sendRaw(strings.Repeat("IRO 1 1 1 alice@example.com;"+own+" Alice\r\n", 1000))
	sp.send("JOI carol@example.com Carol") // after every IRO
	var joins []string
	for {
		j := waitFor[ParticipantJoined](t, s.c)
		if j.Passport == "carol@example.com" {
			break
		}
		if j.OwnEndpoint {
			joins = append(joins, j.Endpoint)
		}
	}
	r.sb.mu.Lock()
	stashed := len(r.sb.stash)
	r.sb.mu.Unlock()
	if len(joins) != 1 || joins[0] != own || stashed != 0 {
		t.Errorf("own endpoint joins reported %q, %d kept unreported; want [%s] and 0", joins, stashed, own)
	}
}

// A switchboard relays no MSG longer than MaxSBMessagePayload: one of
// that size arrives whole, a longer one ends the session with
// ErrPayloadTooLong instead of being read into memory.
func TestSwitchboardPayloadLimit(t *testing.T) {
	s := loginAs(t, 12, nil)
	sb, sp := openSB(t, s, newFakeServer(t))
	header := "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
	full := strings.Repeat("x", MaxSBMessagePayload-len(header))
	sp.sendPayload("MSG bob@example.com Bob", header+full)
	if m := waitFor[MessageReceived](t, s.c); m.Text != full {
		t.Errorf("a message of %d bytes arrived with %d bytes of text, want %d", MaxSBMessagePayload, len(m.Text), len(full))
	}
	sp.sendPayload("MSG bob@example.com Bob", header+full+"y")
	if ev := waitFor[SwitchboardClosed](t, s.c); ev.Switchboard != sb || !errors.Is(ev.Err, ErrPayloadTooLong) {
		t.Errorf("after a message of %d bytes: %+v, want the switchboard closed with ErrPayloadTooLong", MaxSBMessagePayload+1, ev)
	}
}
