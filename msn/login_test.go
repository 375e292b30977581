package msn

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestLoginMSNP8Transcript(t *testing.T) {
	s := loginAs(t, 8, nil)
	c := s.c
	wantAuth := "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=alice%40example.com,pwd=secret123,ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1"
	if got := s.ps.lastAuth(); got != wantAuth {
		t.Errorf("Authorization = %q\nwant %q", got, wantAuth)
	}
	if c.Version() != 8 || c.Passport() != "alice@example.com" || c.FriendlyName() != "Alice" || c.Status() != StatusOnline {
		t.Errorf("version %d passport %q name %q status %q", c.Version(), c.Passport(), c.FriendlyName(), c.Status())
	}
	synced := waitFor[ContactListSynced](t, c)
	if len(synced.Contacts) != 2 || synced.Contacts[0].Passport != "bob@example.com" || synced.Contacts[0].Lists != 11 ||
		synced.Contacts[1].FriendlyName != "Carol" || synced.Contacts[0].Groups != nil {
		t.Errorf("contacts = %+v", synced.Contacts)
	}
	// The default group "0" (Other Contacts) stands for none.
	if len(synced.Groups) != 0 {
		t.Errorf("groups = %+v, want none", synced.Groups)
	}
	if !synced.AllowByDefault || !synced.PromptOnAdd {
		t.Errorf("privacy = %v %v", synced.AllowByDefault, synced.PromptOnAdd)
	}
	if own := waitFor[OwnProfileChanged](t, c); own.Status != StatusOnline || own.FriendlyName != "Alice" {
		t.Errorf("own profile = %+v", own)
	}
	s.ns.send("ILN 6 NLN bob@example.com Bob 268435456")
	if p := waitFor[PresenceChanged](t, c); p != (PresenceChanged{Passport: "bob@example.com", FriendlyName: "Bob", Status: StatusOnline, ClientID: 268435456, Initial: true}) {
		t.Errorf("ILN = %+v", p)
	}
	s.ns.send("NLN AWY bob@example.com Bob 268435456")
	if p := waitFor[PresenceChanged](t, c); p.Status != StatusAway || p.Initial {
		t.Errorf("NLN = %+v", p)
	}
	s.ns.send("FLN bob@example.com")
	if p := waitFor[PresenceChanged](t, c); p.Status != StatusOffline || p.Passport != "bob@example.com" {
		t.Errorf("FLN = %+v", p)
	}
	if ct, ok := c.Contact("BOB@example.com"); !ok || ct.Status() != StatusOffline {
		t.Errorf("Contact(bob) = %+v, %v", ct, ok)
	}
}

func TestLoginMSNP2Transcript(t *testing.T) {
	s := loginAs(t, 2, nil)
	c := s.c
	if c.Version() != 2 || c.FriendlyName() != "Alice" {
		t.Errorf("version %d name %q", c.Version(), c.FriendlyName())
	}
	synced := waitFor[ContactListSynced](t, c)
	if len(synced.Contacts) != 2 || synced.Contacts[0].Lists != ForwardList|AllowList|ReverseList {
		t.Errorf("contacts = %+v", synced.Contacts)
	}
	s.ns.send("ILN 6 NLN bob@example.com Bob")
	if p := waitFor[PresenceChanged](t, c); p.Passport != "bob@example.com" || p.Status != StatusOnline || !p.Initial || p.FriendlyName != "Bob" {
		t.Errorf("ILN = %+v", p)
	}
	s.ns.send("NLN AWY bob@example.com Bob")
	if p := waitFor[PresenceChanged](t, c); p.Status != StatusAway {
		t.Errorf("NLN = %+v", p)
	}
}

func TestLoginMSNP7Transcript(t *testing.T) {
	s := loginAs(t, 7, nil)
	c := s.c
	synced := waitFor[ContactListSynced](t, c)
	if len(synced.Groups) != 0 || len(synced.Contacts) != 2 || synced.Contacts[0].Groups != nil {
		t.Errorf("synced = %+v", synced)
	}
	// A CHL is answered with the MSNP6-10 algorithm.
	s.ns.send("CHL 0 15570131571988941333")
	s.ns.expectPayload("QRY 8 msmsgs@msnmsgr.com 32", "8f2f5a91b72102cd28355e9fc9000d6e")
	s.ns.send("QRY 8")
	s.nt++
	// Renames go through REA; the server echoes a half-decoded name.
	done := make(chan error, 1)
	go func() { done <- c.SetFriendlyName(t.Context(), "Alice é Liddell") }()
	s.ns.expect("REA 9 alice@example.com Alice%20é%20Liddell")
	s.ns.send("REA 9 2 alice@example.com Alice%20é%20Liddell")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c.FriendlyName() != "Alice é Liddell" {
		t.Errorf("friendly name = %q", c.FriendlyName())
	}
	waitFor[OwnProfileChanged](t, c) // the initial CHG
	if own := waitFor[OwnProfileChanged](t, c); own.FriendlyName != "Alice é Liddell" {
		t.Errorf("own profile = %+v", own)
	}
}

func TestLoginMSNP12Transcript(t *testing.T) {
	s := loginAs(t, 12, nil)
	c := s.c
	if c.FriendlyName() != "Alice" {
		t.Errorf("friendly name from PRP MFN = %q", c.FriendlyName())
	}
	synced := waitFor[ContactListSynced](t, c)
	if len(synced.Contacts) != 2 || synced.Contacts[0].GUID.String() != "9fb3beec-9e9e-4e85-8d22-a14f9ff2bf91" || synced.Contacts[0].Lists != 11 || len(synced.Contacts[0].Groups) != 0 {
		t.Errorf("contacts = %+v", synced.Contacts)
	}
	s.ns.send("ILN 6 NLN bob@example.com Bob 1342177280 %3Cmsnobj%2F%3E")
	s.ns.sendPayload("UBX bob@example.com", "<Data><PSM>at &amp; work</PSM><CurrentMedia></CurrentMedia></Data>")
	s.ns.sendPayload("MSG Hotmail Hotmail", mdata)
	if p := waitFor[PresenceChanged](t, c); p.ClientID != 1342177280 || !p.Initial {
		t.Errorf("ILN = %+v", p)
	}
	if pm := waitFor[PersonalMessageChanged](t, c); pm.Passport != "bob@example.com" || pm.Message != "at & work" {
		t.Errorf("UBX = %+v", pm)
	}
	// MSNP11 challenge algorithm.
	s.ns.send("CHL 0 22210219642164014968")
	s.ns.expectPayload("QRY 7 PROD0090YUAUV{2B 32", "85ecb0db8f32113df79ce0892b9a102c")
	s.ns.send("QRY 7")
	// Personal message, XML-escaped.
	done := make(chan error, 1)
	go func() { done <- c.SetPersonalMessage(t.Context(), "fish & <chips>") }()
	psm := "<Data><PSM>fish &amp; &lt;chips&gt;</PSM><CurrentMedia></CurrentMedia></Data>"
	s.ns.expectPayload(fmt.Sprintf("UUX 8 %d", len(psm)), psm)
	s.ns.send("UUX 8 0")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Rename with PRP MFN.
	go func() { done <- c.SetFriendlyName(t.Context(), "Alice Two") }()
	s.ns.expect("PRP 9 MFN Alice%20Two")
	s.ns.send("PRP 9 MFN Alice%20Two")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c.FriendlyName() != "Alice Two" {
		t.Errorf("friendly name = %q", c.FriendlyName())
	}
	// Status change.
	go func() { done <- c.SetStatus(t.Context(), StatusBusy) }()
	s.ns.expect("CHG 10 BSY 0")
	s.ns.send("CHG 10 BSY 0")
	if err := <-done; err != nil || c.Status() != StatusBusy {
		t.Fatalf("SetStatus: %v, status %q", err, c.Status())
	}
}

func TestPersonalMessageUnsupportedBeforeMSNP11(t *testing.T) {
	s := loginAs(t, 10, nil)
	if err := s.c.SetPersonalMessage(t.Context(), "hi"); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", err)
	}
	if err := s.c.SetFriendlyName(t.Context(), strings.Repeat("%", 130)); !errors.Is(err, ErrNameTooLong) {
		t.Fatalf("long name: err = %v", err)
	}
	if err := s.c.SetStatus(t.Context(), StatusOffline); err == nil {
		t.Fatal("SetStatus(FLN) accepted")
	}
}

func TestLoginWrongPasswordMD5(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv.addr(), nil, "MSNP7")
	cfg.Password = "wrong-password"
	res := startLogin(t, cfg, "")
	p := srv.accept()
	p.greetMSNP7()
	p.expect("USR 5 MD5 S " + MD5LoginResponse("b2fc8b3450b0638", "wrong-password"))
	p.send("911 5")
	p.conn.Close()
	_, err := waitLogin(t, res)
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("err = %v, want ErrAuthFailed", err)
	}
	var se *ServerError
	if !errors.As(err, &se) || se.Code != 911 {
		t.Fatalf("err = %v, want a ServerError 911", err)
	}
}

func TestLoginWrongPasswordTWN(t *testing.T) {
	srv := newFakeServer(t)
	ps := newPassportServer(t, "secret123", "b990b68bf7e3dfe3ef2f")
	cfg := testConfig(srv.addr(), ps, "MSNP12")
	cfg.Password = "wrong-password"
	cfg.LoginURL = "" // through the nexus this time
	res := startLogin(t, cfg, "")
	p := srv.accept()
	p.expect("VER 1 MSNP12 CVR0")
	p.send("VER 1 MSNP12")
	p.expect("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com")
	p.send(cvrReply)
	p.expect("USR 3 TWN I alice@example.com")
	p.send("USR 3 TWN S ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1")
	_, err := waitLogin(t, res)
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("err = %v, want ErrAuthFailed", err)
	}
	if !strings.Contains(ps.lastAuth(), "pwd=wrong-password,") {
		t.Errorf("Authorization = %q", ps.lastAuth())
	}
	p.expectClosed()
}

func TestLoginBadTicket911(t *testing.T) {
	srv := newFakeServer(t)
	ps := newPassportServer(t, "secret123", "b990b68bf7e3dfe3ef2f")
	res := startLogin(t, testConfig(srv.addr(), ps, "MSNP9"), "")
	p := srv.accept()
	p.expect("VER 1 MSNP9 CVR0")
	p.send("VER 1 MSNP9")
	p.expect("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com")
	p.send(cvrReply)
	p.expect("USR 3 TWN I alice@example.com")
	p.send("USR 3 TWN S ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1")
	p.expect("USR 4 TWN S t=b990b68bf7e3dfe3ef2f&p=")
	p.send("911 4")
	if _, err := waitLogin(t, res); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("err = %v, want ErrAuthFailed", err)
	}
}

func TestLoginNoCommonVersion(t *testing.T) {
	srv := newFakeServer(t)
	res := startLogin(t, testConfig(srv.addr(), nil, "MSNP7", "MSNP6"), "")
	p := srv.accept()
	p.expect("VER 1 MSNP7 MSNP6 CVR0")
	p.send("VER 1 0")
	p.conn.Close()
	if _, err := waitLogin(t, res); !errors.Is(err, ErrNoVersion) {
		t.Fatalf("err = %v, want ErrNoVersion", err)
	}
}

// A historical dispatch server echoes CVR0 and refers the client to a
// notification server; TrIDs continue on the new connection.
func TestLoginDispatchRedirect(t *testing.T) {
	ds := newFakeServer(t)
	ns := newFakeServer(t)
	ps := newPassportServer(t, "secret123", "t=historic-ticket&p=xyz")
	res := startLogin(t, testConfig(ds.addr(), ps, "MSNP8"), "")
	p := ds.accept()
	p.expect("VER 1 MSNP8 CVR0")
	p.send("VER 1 MSNP8 CVR0")
	p.expect("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com")
	p.send("CVR 2 5.0.0544 5.0.0544 5.0.0544 https://download https://info")
	p.expect("USR 3 TWN I alice@example.com")
	p.send("XFR 3 NS " + ns.addr() + " 0 " + ds.addr())
	p.expectClosed()
	q := ns.accept()
	q.expect("VER 4 MSNP8 CVR0")
	q.send("VER 4 MSNP8 CVR0")
	q.expect("CVR 5 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com")
	q.send("CVR 5 5.0.0544 5.0.0544 5.0.0544 https://download https://info")
	q.expect("USR 6 TWN I alice@example.com")
	q.send("USR 6 TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619")
	q.expect("USR 7 TWN S t=historic-ticket&p=xyz") // a ticket already in t=&p= form is sent as is
	q.send("USR 7 OK alice@example.com Alice 1 0")
	q.sendPayload("MSG Hotmail Hotmail", profile)
	q.expect("SYN 8 0")
	q.send("SYN 8 1 0 0")
	q.expect("CHG 9 NLN 0")
	q.send("CHG 9 NLN 0")
	q.answerPresenceBarrier(8)
	c, err := waitLogin(t, res)
	if err != nil {
		t.Fatal(err)
	}
	if synced := waitFor[ContactListSynced](t, c); len(synced.Contacts) != 0 {
		t.Errorf("contacts = %+v", synced.Contacts)
	}
	if !strings.HasSuffix(ps.lastAuth(), ",lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619") {
		t.Errorf("Authorization = %q", ps.lastAuth())
	}
}

// A server that never answers gives ErrTimeout, not a hang.
func TestLoginSilentServer(t *testing.T) {
	srv := newFakeServer(t)
	cfg := testConfig(srv.addr(), nil, "MSNP8")
	cfg.RequestTimeout = 200 * time.Millisecond
	start := time.Now()
	res := startLogin(t, cfg, "")
	p := srv.accept()
	p.expect("VER 1 MSNP8 CVR0")
	_, err := waitLogin(t, res)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestLoginConnectionDropped(t *testing.T) {
	srv := newFakeServer(t)
	res := startLogin(t, testConfig(srv.addr(), nil, "MSNP7"), "")
	p := srv.accept()
	p.expect("VER 1 MSNP7 CVR0")
	p.send("VER 1 MSNP7")
	p.expect("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.2.0208 MSMSGS alice@example.com")
	p.conn.Close()
	if _, err := waitLogin(t, res); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}

func TestLoginNoServer(t *testing.T) {
	srv := newFakeServer(t)
	addr := srv.addr()
	srv.ln.Close()
	if _, err := Login(t.Context(), testConfig(addr, nil), ""); err == nil {
		t.Fatal("login succeeded")
	}
	if _, err := Login(t.Context(), Config{Passport: "no-domain"}, ""); err == nil {
		t.Fatal("bad passport accepted")
	}
}

func TestDisconnectAfterLogin(t *testing.T) {
	s := loginAs(t, 8, nil)
	s.ns.conn.Close()
	d := waitFor[Disconnected](t, s.c)
	if d.Reason != ReasonConnectionLost || !errors.Is(d.Err, ErrClosed) {
		t.Errorf("disconnected = %+v", d)
	}
	if _, ok := <-s.c.Events(); ok {
		t.Error("events not closed after Disconnected")
	}
	if err := s.c.SetStatus(t.Context(), StatusAway); !errors.Is(err, ErrClosed) {
		t.Errorf("SetStatus after disconnect: %v", err)
	}
}

func TestOutOTH(t *testing.T) {
	for _, tt := range []struct {
		line   string
		reason DisconnectReason
	}{{"OUT OTH", ReasonOtherLogin}, {"OUT SSD", ReasonServerShutdown}} {
		t.Run(tt.line, func(t *testing.T) {
			s := loginAs(t, 12, nil)
			s.ns.send(tt.line)
			if d := waitFor[Disconnected](t, s.c); d.Reason != tt.reason {
				t.Errorf("reason = %v, want %v", d.Reason, tt.reason)
			}
		})
	}
}

func TestCloseSendsOUTAndLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		s := loginAs(t, 11, nil)
		events := s.c.Events()
		go s.c.Close()
		s.ns.expect("OUT")
		var last Event
		for e := range events {
			last = e
		}
		if d, ok := last.(Disconnected); !ok || d.Reason != ReasonClosed {
			t.Errorf("last event = %#v", last)
		}
		s.c.Close() // idempotent
		s.ps.Close()
		s.ps.CloseClientConnections()
	}()
	waitGoroutines(t, before+2)
}

func TestKeepalive(t *testing.T) {
	// MSNP8: the login's QNG carries no interval, so PingInterval applies.
	s := loginAs(t, 8, func(cfg *Config) {
		cfg.PingInterval = 10 * time.Millisecond
		cfg.PingTimeout = 300 * time.Millisecond
	})
	s.ns.expect("PNG")
	first := time.Now()
	s.ns.send("QNG 1") // next PNG in one second
	s.ns.expect("PNG")
	if d := time.Since(first); d < 900*time.Millisecond {
		t.Errorf("second PNG after %v, want about 1s (QNG 1)", d)
	}
	// No answer: the link is dead.
	d := waitFor[Disconnected](t, s.c)
	if d.Reason != ReasonConnectionLost || !errors.Is(d.Err, ErrTimeout) {
		t.Errorf("disconnected = %+v", d)
	}
}

func TestDebugLogRedactsSecrets(t *testing.T) {
	var logs logBuffer
	s := loginAs(t, 8, func(cfg *Config) { cfg.Logger = logs.logger() })
	closeClient(t, s.c)
	out := logs.String()
	for _, secret := range []string{"secret123", "b990b68bf7e3dfe3ef2f"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "USR 4 TWN S [redacted]") || !strings.Contains(out, "SYN 5 0") || !strings.Contains(out, "LST carol@example.com Carol 11 0") {
		t.Errorf("log lacks protocol lines:\n%s", out)
	}
	var md5logs logBuffer
	s = loginAs(t, 7, func(cfg *Config) { cfg.Logger = md5logs.logger() })
	closeClient(t, s.c)
	if out := md5logs.String(); strings.Contains(out, "00d16f3de2dcf7d0df8446e6fa7d51a6") || !strings.Contains(out, "USR 5 MD5 S [redacted]") {
		t.Errorf("MD5 log not redacted:\n%s", out)
	}
}

// Escargot answers malformed or unknown commands with silence: the request
// times out and the session goes on.
func TestSilentReplyAfterLogin(t *testing.T) {
	s := loginAs(t, 12, func(cfg *Config) { cfg.RequestTimeout = 200 * time.Millisecond })
	done := async(func(ctx context.Context) error { return s.c.SetStatus(ctx, StatusAway) })
	tr := s.trid()
	s.ns.expect("CHG " + tr + " AWY 0")
	if err := <-done; !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	s.ns.send("CHG " + tr + " AWY 0") // a late reply is harmless
	done = async(func(ctx context.Context) error { return s.c.SetStatus(ctx, StatusIdle) })
	s.exchange("CHG {tr} IDL 0", "CHG {tr} IDL 0")
	wantNil(t, done)
	// Notices from the server itself.
	s.ns.sendPayload("MSG Hotmail Hotmail", "MIME-Version: 1.0\r\nContent-Type: application/x-msmsgssystemmessage\r\n\r\nType: 1\r\nArg1: 5\r\n")
	if m := waitFor[SystemMessage](t, s.c); m.Text != "The server is going down for maintenance in 5 minutes" {
		t.Errorf("system message = %q", m.Text)
	}
	// The same fields in the headers; the body's win.
	s.ns.sendPayload("MSG Hotmail Hotmail", "MIME-Version: 1.0\r\nContent-Type: application/x-msmsgssystemmessage\r\nType: 1\r\nArg1: 9\r\n\r\nArg1: 7\r\n")
	if m := waitFor[SystemMessage](t, s.c); m.Text != "The server is going down for maintenance in 7 minutes" {
		t.Errorf("system message in headers = %q", m.Text)
	}
	// Garbage lines are skipped without losing the connection.
	s.ns.sendRaw("\r\nnot a command\r\nFLN bob@example.com\r\n")
	if p := waitFor[PresenceChanged](t, s.c); p.Passport != "bob@example.com" || p.Status != StatusOffline {
		t.Errorf("after garbage: %+v", p)
	}
}

// A new e-mail's sender and subject come RFC 2047 encoded, as any mail
// header: they are shown decoded.
func TestMailNotificationDecoded(t *testing.T) {
	s := loginAs(t, 12, nil)
	s.ns.sendPayload("MSG Hotmail Hotmail", "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsemailnotification; charset=UTF-8\r\n\r\n"+
		"From: =?utf-8?B?QWxpY2UgTGlkZGVsbA==?=\r\nMessage-URL: /cgi-bin/getmsg\r\nPost-URL: https://example.com/\r\n"+
		"Subject: =?iso-8859-1?Q?Caf=E9_tonight?=\r\nDest-Folder: ACTIVE\r\nFrom-Addr: alice@example.com\r\nid: 2\r\n\r\n")
	want := "New e-mail from Alice Liddell <alice@example.com>: Café tonight"
	if m := waitFor[SystemMessage](t, s.c); m.Text != want {
		t.Errorf("mail notification = %q, want %q", m.Text, want)
	}
}

func TestClientIDInCHG(t *testing.T) {
	s := loginAs(t, 8, func(cfg *Config) { cfg.ClientID = 1073741824 })
	done := async(func(ctx context.Context) error { return s.c.SetStatus(ctx, StatusHidden) })
	s.exchange("CHG {tr} HDN 1073741824", "CHG {tr} HDN 1073741824")
	wantNil(t, done)
}

// A login server that redirects gets the Authorization header again.
func TestPassportRedirect(t *testing.T) {
	var redirected bool
	s := loginAs(t, 9, func(cfg *Config) {
		cfg.LoginURL = strings.Replace(cfg.LoginURL, "/login", "/redirect", 1)
		redirected = strings.HasSuffix(cfg.LoginURL, "/redirect")
	})
	if !redirected || !strings.Contains(s.ps.lastAuth(), "sign-in=alice%40example.com,pwd=secret123,") {
		t.Errorf("Authorization at the login URL = %q", s.ps.lastAuth())
	}
}

// A consumer that does not read events never stalls the connection: the
// reader keeps answering requests while thousands of events wait.
func TestEventsNeverBlockTheReader(t *testing.T) {
	s := loginAs(t, 12, func(cfg *Config) { cfg.EventBuffer = 1 })
	var flood strings.Builder
	for i := 0; i < 3000; i++ {
		flood.WriteString("NLN AWY bob@example.com Bob 0 %3Cmsnobj%2F%3E\r\n")
	}
	s.ns.sendRaw(flood.String())
	done := async(func(ctx context.Context) error { return s.c.SetStatus(ctx, StatusBusy) })
	s.exchange("CHG {tr} BSY 0", "CHG {tr} BSY 0")
	wantNil(t, done)
	n := 0
	for n < 3000 {
		if p, ok := nextEvent(t, s.c).(PresenceChanged); ok && p.Status == StatusAway {
			n++
		}
	}
}

// A consumer that falls too far behind makes the client end its
// connection instead of losing events silently, or of growing without
// bound: the events queued before the loss arrive in order, then
// Disconnected says why.
func TestEventBacklogOverflowEndsTheClient(t *testing.T) {
	s := loginAs(t, 12, func(cfg *Config) { cfg.EventBuffer = 1 })
	s.c.events.mu.Lock()
	s.c.events.limit = 100
	s.c.events.mu.Unlock()
	var flood strings.Builder
	for i := range 300 {
		fmt.Fprintf(&flood, "NLN AWY bob@example.com Bob%d 0\r\n", i)
	}
	s.ns.sendRaw(flood.String())
	// Nothing reads the events until the client gave up on them; a reader
	// running meanwhile could keep up with the flood, and nothing would end.
	s.ns.expectClosed()
	next := 0
	var last Event
	for ev := range s.c.Events() {
		if p, ok := ev.(PresenceChanged); ok {
			if want := fmt.Sprintf("Bob%d", next); p.FriendlyName != want {
				t.Fatalf("presence %q, want %q: an event was lost before the overflow", p.FriendlyName, want)
			}
			next++
		}
		last = ev
	}
	if next == 0 || next >= 300 {
		t.Errorf("%d presence events of 300 before the end, want some, not all", next)
	}
	d, ok := last.(Disconnected)
	if !ok || d.Reason != ReasonConnectionLost || !errors.Is(d.Err, ErrClosed) || !strings.Contains(d.Err.Error(), "not read") {
		t.Errorf("last event %#v, want Disconnected saying events were not read", last)
	}
}

// The presence of contacts already online (ILN, right after the CHG answer)
// is all queued before PresenceSynced, so a consumer can draw the contact
// list with everyone's state at once.
func TestInitialPresenceBeforePresenceSynced(t *testing.T) {
	srv := newFakeServer(t)
	res := startLogin(t, testConfig(srv.addr(), nil, "MSNP7"), "")
	p := srv.accept()
	p.greetMSNP7()
	p.expect("USR 5 MD5 S 00d16f3de2dcf7d0df8446e6fa7d51a6")
	p.send("USR 5 OK alice@example.com Alice 1")
	p.sendPayload("MSG Hotmail Hotmail", profile)
	p.expect("SYN 6 0")
	p.send("SYN 6 1", "GTC 6 1 A", "BLP 6 1 AL", "LSG 6 1 1 1 0 Other%20Contacts 0",
		"LST 6 FL 1 1 2 bob@example.com Bob 0", "LST 6 FL 1 2 2 carol@example.com Carol 0",
		"LST 6 AL 1 1 2 bob@example.com Bob", "LST 6 AL 1 2 2 carol@example.com Carol",
		"LST 6 BL 1 0 0",
		"LST 6 RL 1 1 2 bob@example.com Bob", "LST 6 RL 1 2 2 carol@example.com Carol")
	p.expect("CHG 7 NLN")
	p.send("CHG 7 NLN")
	// The ILN lines come after the client's PNG here, only before the QNG:
	// the client must wait for the QNG, not just for its PNG to go out.
	p.expect("PNG")
	p.send("ILN 7 NLN bob@example.com Bob", "ILN 7 BSY carol@example.com Carol", "QNG")
	c, err := waitLogin(t, res)
	if err != nil {
		t.Fatal(err)
	}
	initial := map[string]Status{}
	for {
		switch e := nextEvent(t, c).(type) {
		case PresenceChanged:
			if !e.Initial {
				t.Errorf("ILN reported as a change: %+v", e)
			}
			initial[e.Passport] = e.Status
			continue
		case PresenceSynced:
		default:
			continue
		}
		break
	}
	if initial["bob@example.com"] != StatusOnline || initial["carol@example.com"] != StatusBusy {
		t.Errorf("presence before PresenceSynced = %v, want bob NLN and carol BSY", initial)
	}
}
