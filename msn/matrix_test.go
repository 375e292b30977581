package msn_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// The version matrix: the client against the in-process server, for every
// protocol version it speaks.

const matrixTimeout = 10 * time.Second

func newServer(t *testing.T, opts msntest.Options) *msntest.Server {
	t.Helper()
	srv, err := msntest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, a := range [][2]string{{"alice@example.com", "Alice"}, {"bob@example.com", "Bob"}, {"carol@example.com", "Carol"}} {
		if err := srv.AddAccount(a[0], "secret123", a[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Befriend("alice@example.com", "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Befriend("alice@example.com", "carol@example.com"); err != nil {
		t.Fatal(err)
	}
	return srv
}

// login signs in and arranges for the client to be closed, its events drained.
func login(t *testing.T, srv *msntest.Server, passport, version string, tweak ...func(*msn.Config)) *msn.Client {
	t.Helper()
	cfg := srv.Config(passport, "secret123", version)
	for _, f := range tweak {
		f(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	c, err := msn.Login(ctx, cfg, "")
	if err != nil {
		t.Fatalf("%s login with %s: %v", passport, version, err)
	}
	t.Cleanup(func() {
		go func() {
			for range c.Events() {
			}
		}()
		c.Close()
	})
	return c
}

// waitEv skips c's events until one of type T satisfies ok.
func waitEv[T msn.Event](t *testing.T, c *msn.Client, ok func(T) bool) T {
	t.Helper()
	timeout := time.After(matrixTimeout)
	for {
		select {
		case e, open := <-c.Events():
			if !open {
				var zero T
				t.Fatalf("%s: events closed while waiting for %T", c.Passport(), zero)
			}
			if ev, is := e.(T); is && (ok == nil || ok(ev)) {
				return ev
			}
		case <-timeout:
			var zero T
			t.Fatalf("%s: no %T", c.Passport(), zero)
		}
	}
}

func TestVersionMatrix(t *testing.T) {
	for v := 2; v <= 18; v++ {
		ver := fmt.Sprintf("MSNP%d", v)
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			testVersion(t, ver)
		})
	}
}

func testVersion(t *testing.T, ver string) {
	srv := newServer(t, msntest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 4*matrixTimeout)
	defer cancel()

	// Wrong password.
	if _, err := msn.Login(ctx, srv.Config("alice@example.com", "wrong-password", ver), ""); !errors.Is(err, msn.ErrAuthFailed) {
		t.Fatalf("wrong password: err = %v, want ErrAuthFailed", err)
	}

	// Right password, contact list.
	alice := login(t, srv, "alice@example.com", ver)
	if got := fmt.Sprintf("MSNP%d", alice.Version()); got != ver {
		t.Errorf("version = %s", got)
	}
	synced := waitEv[msn.ContactListSynced](t, alice, nil)
	if len(synced.Contacts) != 2 {
		t.Fatalf("contacts = %+v", synced.Contacts)
	}
	for _, ct := range synced.Contacts {
		if ct.Lists&(msn.ForwardList|msn.AllowList|msn.ReverseList) != msn.ForwardList|msn.AllowList|msn.ReverseList {
			t.Errorf("%s lists = %d", ct.Passport, ct.Lists)
		}
	}
	if alice.FriendlyName() != "Alice" {
		t.Errorf("friendly name = %q", alice.FriendlyName())
	}

	// Presence both ways.
	bob := login(t, srv, "bob@example.com", ver)
	waitEv(t, alice, func(p msn.PresenceChanged) bool {
		return p.Passport == "bob@example.com" && p.Status == msn.StatusOnline
	})
	waitEv(t, bob, func(p msn.PresenceChanged) bool {
		return p.Passport == "alice@example.com" && p.Status == msn.StatusOnline && p.Initial
	})
	if err := bob.SetStatus(ctx, msn.StatusAway); err != nil {
		t.Fatal(err)
	}
	waitEv(t, alice, func(p msn.PresenceChanged) bool { return p.Passport == "bob@example.com" && p.Status == msn.StatusAway })
	if err := alice.SetStatus(ctx, msn.StatusBusy); err != nil {
		t.Fatal(err)
	}
	waitEv(t, bob, func(p msn.PresenceChanged) bool {
		return p.Passport == "alice@example.com" && p.Status == msn.StatusBusy
	})
	if err := alice.SetFriendlyName(ctx, "Alice Ünïcode 100%"); err != nil {
		t.Fatal(err)
	}
	waitEv(t, bob, func(p msn.PresenceChanged) bool { return p.FriendlyName == "Alice Ünïcode 100%" })

	// A chat both ways.
	asb, bsb, inv := call(t, ctx, alice, bob, "bob@example.com")
	if inv.From != "alice@example.com" {
		t.Errorf("invitation from %q", inv.From)
	}
	if err := asb.SendTyping(ctx); err != nil {
		t.Fatal(err)
	}
	waitEv(t, bob, func(e msn.TypingReceived) bool { return e.From == "alice@example.com" && e.Switchboard == bsb })
	text := "héllo wörld 😀 from " + ver + "\nsecond line"
	if err := asb.SendText(ctx, text, msn.Format{Bold: true}); err != nil {
		t.Fatalf("alice SendText: %v", err)
	}
	m := waitEv[msn.MessageReceived](t, bob, nil)
	if m.Text != text || m.From != "alice@example.com" || !m.Format.Bold || m.Switchboard != bsb {
		t.Errorf("bob got %+v", m)
	}
	if err := bsb.SendText(ctx, "hi alice", msn.Format{}); err != nil {
		t.Fatalf("bob SendText: %v", err)
	}
	if m := waitEv[msn.MessageReceived](t, alice, nil); m.Text != "hi alice" || m.From != "bob@example.com" || m.Switchboard != asb {
		t.Errorf("alice got %+v", m)
	}
	if err := asb.SendNudge(ctx); err != nil {
		t.Fatal(err)
	}
	waitEv(t, bob, func(e msn.NudgeReceived) bool { return e.From == "alice@example.com" })

	// Calls to an offline contact.
	if err := asb.Invite(ctx, "carol@example.com"); !errors.Is(err, msn.ErrContactOffline) {
		t.Errorf("Invite(carol) = %v, want ErrContactOffline", err)
	}
	if _, err := alice.OpenSwitchboard(ctx, "carol@example.com"); !errors.Is(err, msn.ErrContactOffline) {
		t.Errorf("OpenSwitchboard(carol) = %v, want ErrContactOffline", err)
	}

	// Bob leaves the chat.
	if err := bsb.Close(); err != nil {
		t.Fatal(err)
	}
	waitEv(t, alice, func(e msn.ParticipantLeft) bool { return e.Passport == "bob@example.com" })
	waitEv(t, alice, func(e msn.SwitchboardClosed) bool { return e.Switchboard == asb && e.Err == nil })

	// A second login of alice (at MSNP16+ from the same machine GUID): the
	// first gets OUT OTH.
	login(t, srv, "alice@example.com", ver, func(c *msn.Config) { c.MachineGUID = alice.MachineGUID() })
	if d := waitEv[msn.Disconnected](t, alice, nil); d.Reason != msn.ReasonOtherLogin {
		t.Errorf("disconnected = %+v, want ReasonOtherLogin", d)
	}
}

// qryWatcher is a slog handler that reports the server's "QRY t" replies.
type qryWatcher struct {
	seen chan string
}

func (w *qryWatcher) Enabled(context.Context, slog.Level) bool { return true }
func (w *qryWatcher) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *qryWatcher) WithGroup(string) slog.Handler            { return w }
func (w *qryWatcher) Handle(_ context.Context, r slog.Record) error {
	dir, line := protocolLine(r)
	if dir == "<-" && (strings.HasPrefix(line, "QRY ") || strings.HasPrefix(line, "540 ")) {
		select {
		case w.seen <- line:
		default:
		}
	}
	return nil
}

// CHL (a server option; Escargot sends none) is answered with the right
// QRY for each version from MSNP6, with the product id of the version.
func TestMatrixChallenges(t *testing.T) {
	for v := 6; v <= 18; v++ {
		ver := fmt.Sprintf("MSNP%d", v)
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{Challenges: true})
			w := &qryWatcher{seen: make(chan string, 1)}
			alice := login(t, srv, "alice@example.com", ver, func(cfg *msn.Config) { cfg.Logger = slog.New(w) })
			select {
			case line := <-w.seen:
				if !strings.HasPrefix(line, "QRY ") {
					t.Fatalf("server answered %q", line)
				}
			case <-time.After(matrixTimeout):
				t.Fatal("no answer to the challenge")
			}
			if err := alice.SetStatus(context.Background(), msn.StatusAway); err != nil {
				t.Fatalf("after the challenge: %v", err)
			}
		})
	}
}

// A dispatch server (a server option) refers the client to the
// notification server.
func TestMatrixDispatch(t *testing.T) {
	for _, ver := range []string{"MSNP2", "MSNP7", "MSNP8", "MSNP12"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{Dispatch: true})
			alice := login(t, srv, "alice@example.com", ver)
			if s := waitEv[msn.ContactListSynced](t, alice, nil); len(s.Contacts) != 2 {
				t.Errorf("contacts = %+v", s.Contacts)
			}
			if !srv.Online("alice@example.com") {
				t.Error("alice not online on the server")
			}
		})
	}
}

// Contact management and authorization against the server.
func TestMatrixContacts(t *testing.T) {
	for _, ver := range []string{"MSNP7", "MSNP9", "MSNP10", "MSNP12", "MSNP13", "MSNP15", "MSNP18"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{})
			if err := srv.AddAccount("dave@example.com", "secret123", "Dave"); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			alice := login(t, srv, "alice@example.com", ver)
			dave := login(t, srv, "dave@example.com", ver)
			waitEv[msn.ContactListSynced](t, alice, nil)
			if err := dave.AddContact(ctx, "alice@example.com"); err != nil {
				t.Fatal(err)
			}
			req := waitEv[msn.AuthorizationRequested](t, alice, nil)
			if req.Passport != "dave@example.com" {
				t.Fatalf("request = %+v", req)
			}
			if err := alice.AcceptAuthorization(ctx, "dave@example.com"); err != nil {
				t.Fatal(err)
			}
			if l := srv.Lists("alice@example.com", "dave@example.com"); l&(msn.ForwardList|msn.AllowList) != msn.ForwardList|msn.AllowList {
				t.Errorf("server lists = %d", l)
			}
			if err := alice.Block(ctx, "dave@example.com"); err != nil {
				t.Fatal(err)
			}
			if l := srv.Lists("alice@example.com", "dave@example.com"); l&msn.BlockList == 0 || l&msn.AllowList != 0 {
				t.Errorf("after block: server lists = %d", l)
			}
			if err := alice.Allow(ctx, "dave@example.com"); err != nil {
				t.Fatal(err)
			}
			if err := alice.RemoveContact(ctx, "dave@example.com"); err != nil {
				t.Fatal(err)
			}
			if l := srv.Lists("alice@example.com", "dave@example.com"); l&msn.ForwardList != 0 {
				t.Errorf("after remove: server lists = %d", l)
			}
			if ct, _ := alice.Contact("dave@example.com"); ct.Lists&msn.ForwardList != 0 {
				t.Errorf("after remove: client lists = %d", ct.Lists)
			}

			// Dave takes alice off his list: she is told (REM 0 RL, or
			// RML 0 at MSNP13+).
			if err := dave.RemoveContact(ctx, "alice@example.com"); err != nil {
				t.Fatal(err)
			}
			waitEv(t, alice, func(e msn.ContactListChanged) bool {
				return e.Contact.Passport == "dave@example.com" && e.Removed&msn.ReverseList != 0
			})
		})
	}
}

// Faults injected by the server: the client reports each one, loses no
// message silently and keeps working where it can.
func TestMatrixFaults(t *testing.T) {
	for _, ver := range []string{"MSNP7", "MSNP12"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{})
			ctx := context.Background()
			short := func(cfg *msn.Config) { cfg.RequestTimeout = 300 * time.Millisecond }
			alice := login(t, srv, "alice@example.com", ver, short)
			bob := login(t, srv, "bob@example.com", ver)

			// A command the server ignores times out; the session goes on.
			srv.IgnoreCommand("CHG")
			if err := alice.SetStatus(ctx, msn.StatusAway); !errors.Is(err, msn.ErrTimeout) {
				t.Errorf("ignored CHG: err = %v, want ErrTimeout", err)
			}
			srv.AnswerCommand("CHG")
			if err := alice.SetStatus(ctx, msn.StatusAway); err != nil {
				t.Errorf("CHG: %v", err)
			}

			// A refused call.
			srv.RefuseCall("bob@example.com", 217)
			if _, err := alice.OpenSwitchboard(ctx, "bob@example.com"); !errors.Is(err, msn.ErrContactOffline) {
				t.Errorf("refused call: err = %v", err)
			}
			srv.RefuseCall("bob@example.com", 0)

			// The switchboard drops with a message in flight.
			asb, _, _ := call(t, ctx, alice, bob, "bob@example.com")
			srv.DropSBOnNextMessage("alice@example.com")
			if err := asb.SendText(ctx, "lost?", msn.Format{}); !errors.Is(err, msn.ErrClosed) {
				t.Errorf("dropped SB: err = %v, want ErrClosed", err)
			}
			if ev := waitEv(t, alice, func(e msn.SwitchboardClosed) bool { return e.Switchboard == asb }); ev.Err == nil {
				t.Error("SwitchboardClosed without an error after a drop")
			}

			// The notification server connection drops.
			srv.DropNS("alice@example.com")
			if d := waitEv[msn.Disconnected](t, alice, nil); d.Reason != msn.ReasonConnectionLost {
				t.Errorf("disconnected = %+v", d)
			}
			waitEv(t, bob, func(p msn.PresenceChanged) bool {
				return p.Passport == "alice@example.com" && p.Status == msn.StatusOffline
			})

			// Server shutdown.
			if err := srv.SendOUT("bob@example.com", "SSD"); err != nil {
				t.Fatal(err)
			}
			if d := waitEv[msn.Disconnected](t, bob, nil); d.Reason != msn.ReasonServerShutdown {
				t.Errorf("disconnected = %+v", d)
			}

			// A login refused by the server.
			srv.RejectLogin("carol@example.com", 500)
			_, err := msn.Login(ctx, srv.Config("carol@example.com", "secret123", ver), "")
			var se *msn.ServerError
			if !errors.As(err, &se) || se.Code != 500 || errors.Is(err, msn.ErrAuthFailed) {
				t.Errorf("rejected login: err = %v", err)
			}
		})
	}
}

// call has from open a switchboard with to, whose address is passport, and
// to accept the invitation; it returns both ends and the invitation.
func call(t *testing.T, ctx context.Context, from, to *msn.Client, passport string) (fromSB, toSB *msn.Switchboard, inv msn.Invitation) {
	t.Helper()
	type opened struct {
		sb  *msn.Switchboard
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		sb, err := from.OpenSwitchboard(ctx, passport)
		ch <- opened{sb, err}
	}()
	inv = waitEv[msn.Invitation](t, to, nil)
	toSB, err := to.Accept(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	o := <-ch
	if o.err != nil {
		t.Fatal(o.err)
	}
	return o.sb, toSB, inv
}

// At MSNP13+ the address book refuses an unknown address with a fault,
// and takes the session's ticket past its lifetime.
func TestMatrixAddressBookErrorsAndTickets(t *testing.T) {
	for _, ver := range []string{"MSNP13", "MSNP15", "MSNP18"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{})
			if err := srv.AddAccount("dave@example.com", "secret123", "Dave"); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			alice := login(t, srv, "alice@example.com", ver)
			if err := alice.AddContact(ctx, "nobody@example.com"); !errors.Is(err, msn.ErrSOAP) {
				t.Errorf("adding an unknown address: err = %v, want ErrSOAP", err)
			}
			srv.ExpireTickets()
			if err := alice.AddContact(ctx, "dave@example.com"); err != nil {
				t.Fatalf("adding with expired tickets: %v", err)
			}
			if l := srv.Lists("alice@example.com", "dave@example.com"); l&(msn.ForwardList|msn.AllowList) != msn.ForwardList|msn.AllowList {
				t.Errorf("server lists = %d", l)
			}
		})
	}
}

// Personal message and current media at MSNP11+ (UUX/UBX), and the
// endpoints of MSNP16+: a contact's in PersonalMessageChanged, the user's
// own in OwnEndpointsChanged.
func TestMatrixPresenceData(t *testing.T) {
	for _, ver := range []string{"MSNP12", "MSNP13", "MSNP15", "MSNP16", "MSNP18"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{})
			ctx := context.Background()
			alice := login(t, srv, "alice@example.com", ver)
			bob := login(t, srv, "bob@example.com", ver)
			if err := bob.SetPersonalMessage(ctx, "listening"); err != nil {
				t.Fatal(err)
			}
			song := msn.Media{Artist: "Daft Punk", Title: "One More Time"}
			if err := bob.SetCurrentMedia(ctx, song); err != nil {
				t.Fatal(err)
			}
			ev := waitEv(t, alice, func(e msn.PersonalMessageChanged) bool {
				return e.Passport == "bob@example.com" && e.Media != ""
			})
			if m, ok := msn.ParseMedia(ev.Media); !ok || m != song || ev.Message != "listening" {
				t.Errorf("alice got %+v (media %+v, %v)", ev, m, ok)
			}
			if ver < "MSNP16" {
				return
			}
			guid := strings.ToLower(bob.MachineGUID())
			if len(ev.Endpoints) != 1 || ev.Endpoints[0].GUID != guid || ev.Endpoints[0].Name != "" {
				t.Errorf("bob's endpoints as alice sees them = %+v, want %s without a name", ev.Endpoints, guid)
			}
			own := waitEv(t, bob, func(e msn.OwnEndpointsChanged) bool { return len(e.Endpoints) == 1 && e.Endpoints[0].Name != "" })
			if own.Endpoints[0].GUID != guid || own.Endpoints[0].Name != "msn2irc" || own.Endpoints[0].Status != msn.StatusOnline {
				t.Errorf("bob's own endpoints = %+v", own.Endpoints)
			}
		})
	}
}

// Switchboards at MSNP16+: each side signs in as "address;{guid}", the
// server names each participant twice (with and without the GUID) and
// tells the joiner of its own join; each participant is reported once,
// with its endpoint, and leaves once.
func TestMatrixSwitchboardEndpoints(t *testing.T) {
	for _, vers := range [][2]string{{"MSNP16", "MSNP16"}, {"MSNP18", "MSNP18"}, {"MSNP18", "MSNP15"}} {
		t.Run(vers[0]+"-"+vers[1], func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{})
			ctx := context.Background()
			alice := login(t, srv, "alice@example.com", vers[0])
			bob := login(t, srv, "bob@example.com", vers[1])
			asb, bsb, _ := call(t, ctx, alice, bob, "bob@example.com")
			if err := asb.SendText(ctx, "hello", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			// Bob's events up to the message: alice joined once.
			var joins []msn.ParticipantJoined
			for done := false; !done; {
				select {
				case e := <-bob.Events():
					switch e := e.(type) {
					case msn.ParticipantJoined:
						joins = append(joins, e)
					case msn.MessageReceived:
						done = e.Text == "hello"
					}
				case <-time.After(matrixTimeout):
					t.Fatal("bob got no message")
				}
			}
			if p := fmt.Sprint(asb.Participants(), bsb.Participants()); p != "[bob@example.com] [alice@example.com]" {
				t.Errorf("participants = %s", p)
			}
			// The GUID is told to recipients at MSNP16+ only.
			wantEndpoint := func(c, viewer *msn.Client) string {
				if c.Version() >= 16 && viewer.Version() >= 16 {
					return strings.ToLower(c.MachineGUID())
				}
				return ""
			}
			if len(joins) != 1 || joins[0].Passport != "alice@example.com" || joins[0].Endpoint != wantEndpoint(alice, bob) || joins[0].OwnEndpoint || !joins[0].Initial {
				t.Errorf("bob's joins = %+v", joins)
			}
			if err := bsb.Close(); err != nil {
				t.Fatal(err)
			}
			left := waitEv(t, alice, func(e msn.ParticipantLeft) bool { return e.Switchboard == asb })
			if left.Passport != "bob@example.com" || left.Endpoint != wantEndpoint(bob, alice) {
				t.Errorf("left = %+v", left)
			}
			waitEv(t, alice, func(e msn.SwitchboardClosed) bool { return e.Switchboard == asb && e.Err == nil })
		})
	}
}

// Two endpoints of one account (MPOP, MSNP16+): both are rung for a new
// chat, the one that answers gets it and the other's invitation goes
// stale; a message is not copied to the endpoint outside the chat; one
// endpoint signs the other out, and the one left keeps working, without
// the account ever looking offline to its contacts.
func TestMatrixMultipleEndpoints(t *testing.T) {
	for _, ver := range []string{"MSNP16", "MSNP18"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{})
			ctx := context.Background()
			guid := func(g string) func(*msn.Config) {
				return func(c *msn.Config) { c.MachineGUID = g }
			}
			a := login(t, srv, "alice@example.com", ver, guid("{7D9269F9-3C18-439E-969B-4E454049886F}"))
			b := login(t, srv, "alice@example.com", ver, guid("{5B0D23E5-D1BB-4729-9C23-B520E488F3C8}"))
			bob := login(t, srv, "bob@example.com", ver)
			for _, c := range []*msn.Client{a, b} {
				waitEv(t, c, func(e msn.OwnEndpointsChanged) bool { return len(e.Endpoints) == 2 })
				if eps := c.Endpoints(); len(eps) != 2 {
					t.Fatalf("%s: Endpoints() = %+v", c.MachineGUID(), eps)
				}
			}

			type opened struct {
				sb  *msn.Switchboard
				err error
			}
			ch := make(chan opened, 1)
			go func() {
				sb, err := bob.OpenSwitchboard(ctx, "alice@example.com")
				ch <- opened{sb, err}
			}()
			invA := waitEv[msn.Invitation](t, a, nil)
			invB := waitEv[msn.Invitation](t, b, nil)
			if invA.SessionID != invB.SessionID || invA.Cookie == invB.Cookie {
				t.Errorf("invitations: A %+v, B %+v; want one session, two cookies", invA, invB)
			}
			asb, err := a.Accept(ctx, invA)
			if err != nil {
				t.Fatal(err)
			}
			o := <-ch
			if o.err != nil {
				t.Fatal(o.err)
			}
			if err := o.sb.SendText(ctx, "hi alice", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			waitEv(t, a, func(e msn.MessageReceived) bool { return e.Text == "hi alice" })
			if err := asb.SendText(ctx, "from A", msn.Format{}); err != nil {
				t.Fatal(err)
			}
			waitEv(t, bob, func(e msn.MessageReceived) bool { return e.Text == "from A" })
			// A barrier on B's connection: nothing of the chat came before it.
			if err := bob.SetPersonalMessage(ctx, "barrier"); err != nil {
				t.Fatal(err)
			}
			for done := false; !done; {
				select {
				case e := <-b.Events():
					switch e := e.(type) {
					case msn.MessageReceived, msn.ParticipantJoined, msn.Disconnected:
						t.Fatalf("endpoint B got %#v", e)
					case msn.PersonalMessageChanged:
						done = e.Passport == "bob@example.com" && e.Message == "barrier"
					}
				case <-time.After(matrixTimeout):
					t.Fatal("B got no barrier")
				}
			}
			if _, err := b.Accept(ctx, invB); err == nil {
				t.Error("B answered the stale invitation after A did")
			}
			if err := b.SetStatus(ctx, msn.StatusBusy); err != nil {
				t.Fatalf("B after the stale invitation: %v", err)
			}
			// A sees B's new status in its list of endpoints.
			waitEv(t, a, func(e msn.OwnEndpointsChanged) bool {
				for _, ep := range e.Endpoints {
					if ep.GUID == strings.ToLower(b.MachineGUID()) && ep.Status == msn.StatusBusy {
						return true
					}
				}
				return false
			})

			// A signs B out: B is told why, A's list shrinks, bob still
			// sees alice online and reaches A.
			if err := a.SignOutEndpoint(ctx, b.MachineGUID()); err != nil {
				t.Fatal(err)
			}
			d := waitEv[msn.Disconnected](t, b, nil)
			if d.Reason != msn.ReasonEndpointSignOut {
				t.Errorf("B disconnected with %v (%v)", d.Reason, d.Err)
			}
			waitEv(t, a, func(e msn.OwnEndpointsChanged) bool { return len(e.Endpoints) == 1 })
			if eps := a.Endpoints(); len(eps) != 1 || eps[0].GUID != strings.ToLower(a.MachineGUID()) {
				t.Errorf("A's endpoints after B left = %+v", eps)
			}
			if ct, _ := bob.Contact("alice@example.com"); ct.Status() == msn.StatusOffline {
				t.Error("bob sees alice offline while A is signed in")
			}
			_, _, inv := call(t, ctx, bob, a, "alice@example.com")
			if inv.From != "bob@example.com" {
				t.Errorf("A's invitation after B left = %+v", inv)
			}
			if n := srv.EndpointCount("alice@example.com"); n != 1 {
				t.Errorf("alice's endpoints on the server = %d", n)
			}
		})
	}
}

// Which login replaces which: at MSNP16+ a login with another machine
// GUID keeps the first, one with the same GUID boots it (OUT OTH); an
// MSNP15 login boots every endpoint.
func TestMatrixEndpointReplacement(t *testing.T) {
	t.Parallel()
	srv := newServer(t, msntest.Options{})
	gA := func(c *msn.Config) { c.MachineGUID = "{7D9269F9-3C18-439E-969B-4E454049886F}" }
	gB := func(c *msn.Config) { c.MachineGUID = "{5B0D23E5-D1BB-4729-9C23-B520E488F3C8}" }
	a := login(t, srv, "alice@example.com", "MSNP18", gA)
	b := login(t, srv, "alice@example.com", "MSNP16", gB)
	a2 := login(t, srv, "alice@example.com", "MSNP18", gA)
	if d := waitEv[msn.Disconnected](t, a, nil); d.Reason != msn.ReasonOtherLogin {
		t.Errorf("first A: %v", d.Reason)
	}
	if n := srv.EndpointCount("alice@example.com"); n != 2 {
		t.Errorf("endpoints after A signed in again = %d, want 2", n)
	}
	login(t, srv, "alice@example.com", "MSNP15")
	for _, c := range []*msn.Client{b, a2} {
		if d := waitEv[msn.Disconnected](t, c, nil); d.Reason != msn.ReasonOtherLogin {
			t.Errorf("%s after an MSNP15 login: %v", c.MachineGUID(), d.Reason)
		}
	}
	if n := srv.EndpointCount("alice@example.com"); n != 1 {
		t.Errorf("endpoints after an MSNP15 login = %d, want 1", n)
	}
}

// Offline messages (MSNP13+): one left for an offline contact reaches
// them at their next login with the time it was sent, and is gone from
// the server once they delete it; one sent to an online contact arrives
// at once.
func TestMatrixOfflineMessages(t *testing.T) {
	for _, ver := range []string{"MSNP13", "MSNP15", "MSNP16", "MSNP18"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{})
			ctx := context.Background()
			alice := login(t, srv, "alice@example.com", ver)
			before := time.Now().Add(-time.Second)
			if err := alice.SendOfflineMessage(ctx, "bob@example.com", "see you later\nbye é"); err != nil {
				t.Fatal(err)
			}
			after := time.Now().Add(time.Second)
			if n := srv.OIMCount("bob@example.com"); n != 1 {
				t.Fatalf("bob has %d offline messages on the server", n)
			}
			bob := login(t, srv, "bob@example.com", ver)
			m := waitEv[msn.OfflineMessageReceived](t, bob, nil)
			if m.From != "alice@example.com" || m.FriendlyName != "Alice" || m.Text != "see you later\nbye é" || m.ID == "" {
				t.Errorf("bob got %+v", m)
			}
			if m.Time.Before(before) || m.Time.After(after) {
				t.Errorf("sent at %v, want between %v and %v", m.Time, before, after)
			}
			if err := bob.DeleteOfflineMessages(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
			if n := srv.OIMCount("bob@example.com"); n != 0 {
				t.Errorf("%d offline messages left after deleting", n)
			}
			if err := bob.DeleteOfflineMessages(ctx, m.ID); !errors.Is(err, msn.ErrSOAP) {
				t.Errorf("deleting it again: %v, want ErrSOAP", err)
			}
			// While bob is online, an offline message arrives at once.
			if err := alice.SendOfflineMessage(ctx, "bob@example.com", "now"); err != nil {
				t.Fatal(err)
			}
			if m := waitEv[msn.OfflineMessageReceived](t, bob, nil); m.Text != "now" || m.From != "alice@example.com" {
				t.Errorf("online: bob got %+v", m)
			}
		})
	}
}

// A failing or slow offline message service neither loses the message
// nor holds up the client: it stays on the server, and Close returns.
func TestMatrixOfflineMessageFaults(t *testing.T) {
	t.Parallel()
	srv := newServer(t, msntest.Options{})
	ctx := context.Background()
	alice := login(t, srv, "alice@example.com", "MSNP18")
	if err := alice.SendOfflineMessage(ctx, "bob@example.com", "hello"); err != nil {
		t.Fatal(err)
	}
	srv.FailSOAP("/OimWS/oim.asmx", msntest.SOAPFailure{Fault: true})
	if err := alice.SendOfflineMessage(ctx, "bob@example.com", "lost"); !errors.Is(err, msn.ErrSOAP) {
		t.Errorf("Store2 with a failing service: %v, want ErrSOAP", err)
	}
	for _, f := range []msntest.SOAPFailure{{Fault: true}, {Delay: time.Minute}} {
		srv.FailSOAP("/rsi/rsi.asmx", f)
		cfg := srv.Config("bob@example.com", "secret123", "MSNP18")
		cfg.RequestTimeout = 2 * time.Second
		bob, err := msn.Login(ctx, cfg, "")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for e := range bob.Events() {
				if m, ok := e.(msn.OfflineMessageReceived); ok {
					t.Errorf("%+v: got %+v", f, m)
				}
			}
		}()
		bob.Close()
		<-done
		if n := srv.OIMCount("bob@example.com"); n != 1 {
			t.Errorf("%+v: %d offline messages on the server, want 1", f, n)
		}
	}
}

// At MSNP10-12 Escargot lists someone who added the user while offline
// with PL instead of RL (msnp.md §3.2; msntest's SYN does the same). Once
// the user accepts, the contact is on the reverse list as before and no
// longer pending: the next SYN says RL, and so must the client.
func TestMatrixAcceptedPendingContactKeepsReverseList(t *testing.T) {
	for _, ver := range []string{"MSNP10", "MSNP11", "MSNP12"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, msntest.Options{})
			if err := srv.AddAccount("dave@example.com", "secret123", "Dave"); err != nil {
				t.Fatal(err)
			}
			if err := srv.AddContact("dave@example.com", "alice@example.com", msn.ForwardList); err != nil {
				t.Fatal(err)
			}
			alice := login(t, srv, "alice@example.com", ver)
			if ct, _ := alice.Contact("dave@example.com"); ct.Lists != msn.PendingList {
				t.Fatalf("dave at login = %+v, want PL only", ct)
			}
			if err := alice.AcceptAuthorization(context.Background(), "dave@example.com"); err != nil {
				t.Fatal(err)
			}
			want := srv.Lists("alice@example.com", "dave@example.com")
			if want != msn.ForwardList|msn.AllowList|msn.ReverseList {
				t.Fatalf("server lists = %d", want)
			}
			if ct, _ := alice.Contact("dave@example.com"); ct.Lists != want {
				t.Errorf("client lists after accepting = %d, want %d as the server has", ct.Lists, want)
			}
		})
	}
}
