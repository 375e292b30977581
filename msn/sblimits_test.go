package msn

import (
	"fmt"
	"strings"
	"testing"
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
