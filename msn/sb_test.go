package msn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

type sbResult struct {
	sb  *Switchboard
	err error
}

// openSB plays XFR SB, USR and CAL for an outgoing chat with bob.
func openSB(t *testing.T, s *session, sbSrv *fakeServer) (*Switchboard, *peer) {
	t.Helper()
	ch := make(chan sbResult, 1)
	go func() {
		sb, err := s.c.OpenSwitchboard(context.Background(), "bob@example.com")
		ch <- sbResult{sb, err}
	}()
	s.exchange("XFR {tr} SB", "XFR {tr} SB "+sbSrv.addr()+" CKI 907a2294b74bcc63ffe4")
	sp := sbSrv.accept()
	sp.expect("USR 1 alice@example.com 907a2294b74bcc63ffe4")
	sp.send("USR 1 OK alice@example.com Alice")
	sp.expect("CAL 2 bob@example.com")
	sp.send("CAL 2 RINGING 069f3376b7cfe8fbf275e8c80e547b6", "JOI bob@example.com Bob 1342177280")
	r := <-ch
	if r.err != nil {
		t.Fatalf("OpenSwitchboard: %v", r.err)
	}
	return r.sb, sp
}

const textFromBob = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhi alice"

func TestOutgoingChat(t *testing.T) {
	s := loginAs(t, 12, nil)
	c := s.c
	sbSrv := newFakeServer(t)
	sb, sp := openSB(t, s, sbSrv)
	if sb.ID() != "069f3376b7cfe8fbf275e8c80e547b6" || fmt.Sprint(sb.Participants()) != "[bob@example.com]" {
		t.Errorf("id %q participants %v", sb.ID(), sb.Participants())
	}
	if j := waitFor[ParticipantJoined](t, c); j.Switchboard != sb || j.Passport != "bob@example.com" || j.FriendlyName != "Bob" || j.Initial {
		t.Errorf("joined = %+v", j)
	}

	done := async(func(ctx context.Context) error { return sb.SendTyping(ctx) })
	sp.expectPayload("MSG 3 U 90", "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: alice@example.com\r\n\r\n\r\n")
	wantNil(t, done)

	done = async(func(ctx context.Context) error { return sb.SendText(ctx, "Hello Bob éè from MSNP12", Format{}) })
	sp.expectPayload("MSG 4 A 139", "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\nHello Bob éè from MSNP12")
	sp.send("ACK 4")
	wantNil(t, done)

	done = async(func(ctx context.Context) error { return sb.SendNudge(ctx) })
	sp.expectPayload("MSG 5 U 69", string(nudgePayload))
	wantNil(t, done)

	// What bob sends.
	sp.sendPayload("MSG bob@example.com Bob", "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: bob@example.com\r\n\r\n\r\n")
	sp.sendPayload("MSG bob@example.com Bob%20B", "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=MS%20Shell%20Dlg; EF=B; CO=ff0000; CS=0; PF=0\r\n\r\nline 1\r\nline 2")
	sp.sendPayload("MSG bob@example.com Bob", string(nudgePayload))
	sp.sendPayload("MSG bob@example.com Bob", "MIME-Version: 1.0\r\nContent-Type: text/x-clientcaps\r\n\r\nClient-Name: Purple\r\n")
	sp.sendPayload("MSG bob@example.com Bob", "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\nApplication-Name: File Transfer\r\nApplication-GUID: {5D3E02AB-6190-11d3-BBBB-00C04F795683}\r\nInvitation-Command: INVITE\r\nInvitation-Cookie: 42\r\nApplication-File: photo.jpg\r\nApplication-FileSize: 1234\r\n\r\n")
	if ev, ok := nextEvent(t, c).(TypingReceived); !ok || ev.From != "bob@example.com" || ev.Switchboard != sb {
		t.Errorf("typing = %#v", ev)
	}
	msg, ok := nextEvent(t, c).(MessageReceived)
	if !ok || msg.Text != "line 1\nline 2" || msg.FriendlyName != "Bob B" || msg.From != "bob@example.com" ||
		msg.Format != (Format{Font: "MS Shell Dlg", Bold: true, Color: 0xff0000, Charset: "0", Pitch: "0"}) || msg.Time.IsZero() {
		t.Errorf("message = %#v", msg)
	}
	if ev, ok := nextEvent(t, c).(NudgeReceived); !ok || ev.From != "bob@example.com" {
		t.Errorf("nudge = %#v", ev)
	}
	// The MSNFTP invitation is declined and reported.
	sp.expectPayload("MSG 6 N 159", "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\nInvitation-Command: CANCEL\r\nInvitation-Cookie: 42\r\nCancel-Code: REJECT_NOT_INSTALLED\r\n\r\n")
	if ev, ok := nextEvent(t, c).(LegacyFileInvitation); !ok || ev.From != "bob@example.com" || ev.Name != "photo.jpg" || ev.Size != 1234 {
		t.Errorf("legacy invitation = %#v", ev)
	}

	// Calling an offline contact.
	done = async(func(ctx context.Context) error { return sb.Invite(ctx, "carol@example.com") })
	sp.expect("CAL 7 carol@example.com")
	sp.send("217 7")
	if err := <-done; !errors.Is(err, ErrContactOffline) {
		t.Errorf("Invite(carol) = %v, want ErrContactOffline", err)
	}

	// Bob leaves: the session is over.
	sp.send("BYE bob@example.com")
	if ev := waitFor[ParticipantLeft](t, c); ev.Passport != "bob@example.com" || ev.Idle {
		t.Errorf("left = %+v", ev)
	}
	sp.expect("OUT")
	if ev := waitFor[SwitchboardClosed](t, c); ev.Switchboard != sb || ev.Err != nil {
		t.Errorf("closed = %+v", ev)
	}
	if err := sb.SendText(t.Context(), "too late", Format{}); !errors.Is(err, ErrClosed) {
		t.Errorf("SendText after close = %v", err)
	}
}

func TestIncomingChat(t *testing.T) {
	s := loginAs(t, 12, nil)
	c := s.c
	sbSrv := newFakeServer(t)
	s.ns.send("RNG 069f3376b7cfe8fbf275e8c80e547b6 " + sbSrv.addr() + " CKI ae51d586891d06337e5a bob@example.com Bob%20B")
	inv := waitFor[Invitation](t, c)
	if inv != (Invitation{SessionID: "069f3376b7cfe8fbf275e8c80e547b6", Address: sbSrv.addr(), Cookie: "ae51d586891d06337e5a", From: "bob@example.com", FriendlyName: "Bob B"}) {
		t.Fatalf("invitation = %+v", inv)
	}
	ch := make(chan sbResult, 1)
	go func() {
		sb, err := c.Accept(context.Background(), inv)
		ch <- sbResult{sb, err}
	}()
	sp := sbSrv.accept()
	sp.expect("ANS 1 alice@example.com ae51d586891d06337e5a 069f3376b7cfe8fbf275e8c80e547b6")
	sp.send("IRO 1 1 2 bob@example.com Bob 1342177280", "IRO 1 2 2 carol@example.com Carol", "ANS 1 OK")
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	sb := r.sb
	if sb.ID() != inv.SessionID || fmt.Sprint(sb.Participants()) != "[bob@example.com carol@example.com]" {
		t.Errorf("id %q participants %v", sb.ID(), sb.Participants())
	}
	for _, who := range []string{"bob@example.com", "carol@example.com"} {
		if j := waitFor[ParticipantJoined](t, c); j.Passport != who || !j.Initial || j.Switchboard != sb {
			t.Errorf("joined = %+v, want %s", j, who)
		}
	}
	sp.sendPayload("MSG bob@example.com Bob", textFromBob)
	if m := waitFor[MessageReceived](t, c); m.Text != "hi alice" || m.Switchboard != sb {
		t.Errorf("message = %+v", m)
	}
	// Multi-party: invite dave, who joins; carol times out.
	done := async(func(ctx context.Context) error { return sb.Invite(ctx, "dave@example.com") })
	sp.expect("CAL 2 dave@example.com")
	sp.send("CAL 2 RINGING 069f3376b7cfe8fbf275e8c80e547b6", "JOI dave@example.com Dave")
	wantNil(t, done)
	if j := waitFor[ParticipantJoined](t, c); j.Passport != "dave@example.com" || j.Initial {
		t.Errorf("joined = %+v", j)
	}
	sp.send("BYE carol@example.com 1")
	if l := waitFor[ParticipantLeft](t, c); l.Passport != "carol@example.com" || !l.Idle {
		t.Errorf("left = %+v", l)
	}
	if got := fmt.Sprint(sb.Participants()); got != "[bob@example.com dave@example.com]" {
		t.Errorf("participants = %s", got)
	}
	// Closing: OUT, then SwitchboardClosed with no error.
	go sb.Close()
	sp.expect("OUT")
	if ev := waitFor[SwitchboardClosed](t, c); ev.Err != nil {
		t.Errorf("closed = %+v", ev)
	}
}

func TestOpenSwitchboardContactOffline(t *testing.T) {
	s := loginAs(t, 8, nil)
	sbSrv := newFakeServer(t)
	ch := make(chan error, 1)
	go func() {
		_, err := s.c.OpenSwitchboard(context.Background(), "carol@example.com")
		ch <- err
	}()
	s.exchange("XFR {tr} SB", "XFR {tr} SB "+sbSrv.addr()+" CKI 6a8e25652e89b4214b97")
	sp := sbSrv.accept()
	sp.expect("USR 1 alice@example.com 6a8e25652e89b4214b97")
	sp.send("USR 1 OK alice@example.com Alice")
	sp.expect("CAL 2 carol@example.com")
	sp.send("217 2")
	if err := <-ch; !errors.Is(err, ErrContactOffline) {
		t.Fatalf("err = %v, want ErrContactOffline", err)
	}
	sp.expectClosed()
	// XFR refused by the server.
	go func() {
		_, err := s.c.OpenSwitchboard(context.Background(), "bob@example.com")
		ch <- err
	}()
	s.exchange("XFR {tr} SB", "913 {tr}")
	var se *ServerError
	if err := <-ch; !errors.As(err, &se) || se.Code != 913 {
		t.Fatalf("err = %v, want server error 913", err)
	}
	// No event was reported for the sessions that never opened.
	s.ns.send("FLN bob@example.com")
	for {
		switch e := nextEvent(t, s.c).(type) {
		case SwitchboardClosed, ParticipantJoined:
			t.Fatalf("unexpected %#v", e)
		case PresenceChanged:
			if e.Status == StatusOffline {
				return
			}
		}
	}
}

func TestMessageOutcomes(t *testing.T) {
	s := loginAs(t, 12, func(cfg *Config) { cfg.RequestTimeout = 300 * time.Millisecond })
	sb, sp := openSB(t, s, newFakeServer(t))

	done := async(func(ctx context.Context) error { return sb.SendText(ctx, "one", Format{}) })
	sp.expect("MSG 3 A " + fmt.Sprint(len(textPayload("one", Format{}))))
	sp.send("NAK 3")
	if err := <-done; !errors.Is(err, ErrNAK) {
		t.Errorf("NAK: err = %v", err)
	}
	done = async(func(ctx context.Context) error { return sb.SendText(ctx, "two", Format{}) })
	sp.read()
	if err := <-done; !errors.Is(err, ErrTimeout) {
		t.Errorf("no ACK: err = %v", err)
	}
	sp.send("ACK 4") // late: ignored
	long := strings.Repeat("x", MaxSBMessagePayload)
	if err := sb.SendText(t.Context(), long, Format{}); !errors.Is(err, ErrPayloadTooLong) {
		t.Errorf("long text: err = %v", err)
	}
	for _, piece := range SplitText(long, Format{}) {
		done = async(func(ctx context.Context) error { return sb.SendText(ctx, piece, Format{}) })
		cmd := sp.read()
		if len(cmd.Payload) > MaxSBMessagePayload {
			t.Fatalf("payload of %d bytes", len(cmd.Payload))
		}
		sp.send("ACK " + cmd.Param(0))
		wantNil(t, done)
	}
	// The connection drops with a message in flight: it fails, never silently.
	done = async(func(ctx context.Context) error { return sb.SendText(ctx, "in flight", Format{}) })
	sp.read()
	sp.conn.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("dropped: err = %v", err)
	}
	ev := waitFor[SwitchboardClosed](t, s.c)
	if !errors.Is(ev.Err, ErrClosed) {
		t.Errorf("closed = %+v", ev)
	}
}

func TestSwitchboardIdleTimeout(t *testing.T) {
	s := loginAs(t, 12, func(cfg *Config) { cfg.SwitchboardIdleTimeout = 200 * time.Millisecond })
	sb, sp := openSB(t, s, newFakeServer(t))
	sp.expect("OUT")
	ev := waitFor[SwitchboardClosed](t, s.c)
	if ev.Switchboard != sb || !errors.Is(ev.Err, ErrIdle) {
		t.Errorf("closed = %+v", ev)
	}
}

// When the notification server goes, open switchboards are closed first:
// SwitchboardClosed comes before Disconnected.
func TestNSLossClosesSwitchboards(t *testing.T) {
	s := loginAs(t, 12, nil)
	sb, sp := openSB(t, s, newFakeServer(t))
	s.ns.conn.Close()
	sp.expect("OUT")
	ev := waitFor[SwitchboardClosed](t, s.c)
	if ev.Switchboard != sb || !errors.Is(ev.Err, ErrClosed) {
		t.Errorf("closed = %+v", ev)
	}
	if d, ok := nextEvent(t, s.c).(Disconnected); !ok || d.Reason != ReasonConnectionLost {
		t.Errorf("then %#v", d)
	}
}

func TestSwitchboardLogsHideCookies(t *testing.T) {
	var logs logBuffer
	s := loginAs(t, 12, func(cfg *Config) { cfg.Logger = logs.logger() })
	_, sp := openSB(t, s, newFakeServer(t))
	sbSrv := newFakeServer(t)
	s.ns.send("RNG 069f3376b7cfe8fbf275e8c80e547b6 " + sbSrv.addr() + " CKI ae51d586891d06337e5a bob@example.com Bob")
	inv := waitFor[Invitation](t, s.c)
	go s.c.Accept(context.Background(), inv)
	sp2 := sbSrv.accept()
	sp2.expect("ANS 1 alice@example.com ae51d586891d06337e5a 069f3376b7cfe8fbf275e8c80e547b6")
	sp2.send("ANS 1 OK")
	sp2.conn.Close()
	sp.conn.Close()
	waitFor[SwitchboardClosed](t, s.c)
	out := logs.String()
	for _, cookie := range []string{"907a2294b74bcc63ffe4", "ae51d586891d06337e5a"} {
		if strings.Contains(out, cookie) {
			t.Errorf("log contains cookie %s:\n%s", cookie, out)
		}
	}
	if !strings.Contains(out, "CAL 2 bob@example.com") || !strings.Contains(out, "JOI bob@example.com Bob 1342177280") {
		t.Errorf("log lacks switchboard lines:\n%s", out)
	}
}
