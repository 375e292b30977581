package msntest

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/msn2irc/msn2irc/msn"
)

func TestVERNegotiation(t *testing.T) {
	s := newServer(t, Options{})
	for _, tc := range []struct{ offer, want string }{
		{"VER 1 MSNP8 MSNP12 CVR0", "VER 1 MSNP12"},
		{"VER 1 MSNP7 MSNP6 MSNP5 MSNP4 CVR0", "VER 1 MSNP7"},
		{"VER 1 MSNP21 MSNP18 MSNP11 CVR0", "VER 1 MSNP18"},
		{"VER 1 MSNP21 MSNP19 MSNP13 CVR0", "VER 1 MSNP13"},
		{"VER 1 MSNP2 CVR0", "VER 1 MSNP2"},
	} {
		c := dial(t, tc.offer, s.NSAddr())
		c.send(tc.offer)
		c.expect(tc.want)
		c.send("VER 2 MSNP8 CVR0")
		c.expect("715 2")
		c.expectClosed()
	}
	c := dial(t, "none", s.NSAddr())
	c.send("VER 1 MSNP1 MSNP19 CVR0")
	c.expect("VER 1 0")
	c.expectClosed()
}

func TestBeforeLogin(t *testing.T) {
	s := newServer(t, Options{})
	// INF closes the connection from MSNP8.
	c := dial(t, "inf8", s.NSAddr())
	c.send("VER 1 MSNP8 CVR0")
	c.expect("VER 1 MSNP8")
	c.send("INF 2")
	c.expectClosed()
	// PNG before login closes.
	c = dial(t, "png", s.NSAddr())
	c.send("VER 1 MSNP12 CVR0")
	c.expect("VER 1 MSNP12")
	c.send("PNG")
	c.expectClosed()
	// MD5 on MSNP8 closes; TWN on MSNP7 is 911.
	c = dial(t, "md5-8", s.NSAddr())
	c.send("VER 1 MSNP8 CVR0")
	c.expect("VER 1 MSNP8")
	c.send("USR 2 MD5 I alice@example.com")
	c.expectClosed()
	c = dial(t, "twn-7", s.NSAddr())
	c.send("VER 1 MSNP7 CVR0")
	c.expect("VER 1 MSNP7")
	c.send("USR 2 TWN I alice@example.com")
	c.expect("911 2")
	c.expectClosed()
	// A short CVR gets no reply (Escargot's handler fails).
	c = dial(t, "cvr", s.NSAddr())
	c.send("VER 1 MSNP8 CVR0")
	c.expect("VER 1 MSNP8")
	c.send("CVR 2 0x0409 winnt")
	c.send("CVR 3 0x0409 winnt 5.1 i386 MSNMSGR 7.0.0777 MSMSGS x@y")
	c.expect("CVR 3 7.0.0777 7.0.0777 7.0.0777 https://escargot.log1p.xyz https://escargot.log1p.xyz")
	// A stale or foreign ticket is refused.
	c.send("USR 4 TWN I alice@example.com")
	c.expect("USR 4 TWN S " + twnParams)
	_, tok := passportLogin(t, s.LoginURL(), "bob@example.com", "secret123")
	c.send("USR 5 TWN S t=" + tok + "&p=")
	c.expect("911 5")
	c.expectClosed()
}

func TestTicketForms(t *testing.T) {
	s := newServer(t, Options{})
	for _, form := range []string{"bare", "t=&p=", "expired"} {
		c := dial(t, form, s.NSAddr())
		c.send("VER 1 MSNP9 CVR0")
		c.expect("VER 1 MSNP9")
		c.send("USR 2 TWN I alice@example.com")
		c.expect("USR 2 TWN S " + twnParams)
		_, tok := passportLogin(t, s.LoginURL(), "alice@example.com", "secret123")
		arg := tok
		switch form {
		case "t=&p=":
			arg = "t=" + tok + "&p=x"
		case "expired":
			s.mu.Lock()
			s.tickets[tok].expires = s.tickets[tok].expires.Add(-ticketLifetime)
			s.mu.Unlock()
		}
		c.send("USR 3 TWN S " + arg)
		if form == "expired" {
			c.expect("911 3")
			c.expectClosed()
			continue
		}
		c.expect("USR 3 OK alice@example.com Alice 1 0")
		c.readPayload("MSG Hotmail Hotmail")
	}
}

func TestMD5UnknownAccount(t *testing.T) {
	s := newServer(t, Options{})
	c := dial(t, "nobody", s.NSAddr())
	c.send("VER 1 MSNP7 CVR0")
	c.expect("VER 1 MSNP7")
	c.send("USR 2 MD5 I nobody@example.com")
	salt := c.expect("USR 2 MD5 S {any}")[0]
	if !regexp.MustCompile(`^\d{10}\.\d{7}$`).MatchString(salt) {
		t.Errorf("unknown account salt %q, want a time.time() value", salt)
	}
	c.send("USR 3 MD5 S 00000000000000000000000000000000")
	c.expect("911 3")
	c.expectClosed()

	// A known account always gets its own fixed salt.
	var salts []string
	for i := 0; i < 2; i++ {
		c := dial(t, "alice", s.NSAddr())
		c.send("VER 1 MSNP5 CVR0")
		c.expect("VER 1 MSNP5")
		c.send("USR 2 MD5 I alice@example.com")
		salts = append(salts, c.expect("USR 2 MD5 S {salt}")[0])
	}
	if salts[0] != salts[1] {
		t.Errorf("salts %q differ between logins", salts)
	}
}

// TestMSNP7EdgeCases follows the "MSNP7: XFR before CHG, XFR NS, REA, HDN,
// ADD/REM, BSY" and "MSNP7 SB" transcripts.
func TestMSNP7EdgeCases(t *testing.T) {
	s := newServer(t, Options{})
	if err := s.AddAccount("dave@example.com", "secret123", "dave@example.com"); err != nil {
		t.Fatal(err)
	}
	bob, _ := login(t, s, "bob/NS", 7, "bob@example.com", "secret123", "Bob")
	bob.chg(7, 6, "BSY")
	dave, _ := online(t, s, "dave/NS", 10, "dave@example.com", "dave@example.com")

	alice, _ := login(t, s, "alice/NS", 7, "alice@example.com", "secret123", "Alice")
	alice.send("SYN 6 0")
	aliceSyn := synLines(7, "6", "alice@example.com", "Alice", [][2]string{{"bob@example.com", "Bob"}, {"carol@example.com", "Carol"}})
	for _, l := range aliceSyn {
		alice.expect(l)
	}
	alice.send("XFR 7 SB")
	alice.expect("913 7")
	alice.chg(7, 8, "NLN")
	alice.expect("ILN 8 BSY bob@example.com Bob")
	bob.expect("NLN NLN alice@example.com Alice")
	alice.send("XFR 9 NS")
	alice.expect("201 9")

	alice.send("REA 10 alice@example.com Alice%20%C3%A9%20Liddell")
	alice.expect("REA 10 2 alice@example.com Alice%20é%20Liddell")
	bob.expect("NLN NLN alice@example.com Alice%20é%20Liddell")

	alice.send("ADD 11 FL dave@example.com dave@example.com 0")
	alice.expect("ADD 11 FL 3 dave@example.com dave@example.com 0")
	dave.expect("ADC 0 RL N=alice@example.com F=Alice%20é%20Liddell")
	alice.expect("ILN 11 NLN dave@example.com dave@example.com")
	alice.send("ADD 12 AL dave@example.com dave@example.com")
	alice.expect("ADD 12 AL 4 dave@example.com dave@example.com")
	alice.send("ADD 12 AL dave@example.com dave@example.com")
	alice.expect("215 12")
	alice.send("ADD 12 FL nobody@example.com nobody@example.com 0")
	alice.expect("205 12")
	alice.send("REM 13 FL dave@example.com")
	alice.expect("205 13")
	dave.expect("REM 0 RL alice@example.com")
	alice.send("REM 14 AL dave@example.com")
	alice.expect("REM 14 AL 5 dave@example.com")
	alice.send("REM 14 AL dave@example.com")
	alice.expect("216 14")
	if l := s.Lists("alice@example.com", "dave@example.com"); l != 0 {
		t.Errorf("alice's lists for dave = %d after REM, want 0", l)
	}
	if l := s.Lists("dave@example.com", "alice@example.com"); l != 0 {
		t.Errorf("dave's lists for alice = %d after REM FL, want 0", l)
	}
	alice.send("SYN 15 0")
	for _, l := range aliceSyn {
		alice.expect(stringsReplaceTrid(l, "6", "15"))
	}
	alice.send("REA 16 alice@example.com Alice")
	alice.expect("REA 16 2 alice@example.com Alice")
	bob.expect("NLN NLN alice@example.com Alice")

	bob.send("CHG 8 HDN")
	bob.expect("CHG 8 HDN")
	alice.expect("FLN bob@example.com")
	bob.send("XFR 9 SB")
	bob.expect("913 9")
	if st := s.Status("bob@example.com"); st != msn.StatusHidden {
		t.Errorf("Status(bob) = %s, want HDN", st)
	}

	// Switchboard: CAL to a hidden contact, MSG alone, PNG, oversize MSG.
	sb, ck := openSB(t, s, alice, 17, "alice/SB", "alice@example.com", "Alice")
	sb.send("CAL 2 bob@example.com")
	sb.expect("217 2")
	sb.sendPayload("MSG 3 A", "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nalone")
	sb.expect("ACK 3")
	sb.send("PNG")
	sb.sendPayload("MSG 4 N", "MIME-Version: 1.0\r\n\r\n"+string(make([]byte, 1700)))
	sb.expectClosed()

	// The cookie was single-use.
	sb = dial(t, "alice/SB-reuse", s.SBAddr())
	sb.send("USR 1 alice@example.com " + ck)
	sb.expect("911 1")
	sb.expectClosed()

	sb, _ = openSB(t, s, alice, 18, "alice/SB2", "alice@example.com", "Alice")
	sb.sendPayload("MSG 2 X", "MIME-Version: 1.0\r\n\r\n")
	sb.expectClosed()

	sb = dial(t, "alice/SB3", s.SBAddr())
	sb.send("USR 1 alice@example.com not-a-cookie")
	sb.expect("911 1")
	sb.expectClosed()
	alice.send("OUT")
	alice.expectClosed()
	bob.expect("FLN alice@example.com")
	bob.send("OUT")
	bob.expectClosed()
}

func stringsReplaceTrid(line, from, to string) string {
	re := regexp.MustCompile(`^(\w{3}) ` + from + ` `)
	return re.ReplaceAllString(line, "$1 "+to+" ")
}

func TestMSNP8CHGNeedsClientID(t *testing.T) {
	s := newServer(t, Options{})
	c, tr := login(t, s, "alice", 8, "alice@example.com", "secret123", "Alice")
	c.send("CHG " + strconv.Itoa(tr) + " NLN")
	c.ping(8)
	if st := s.Status("alice@example.com"); st != msn.StatusOffline {
		t.Errorf("Status after CHG without client id = %s, want FLN", st)
	}
	c.send("CHG 7 NLN 0")
	c.expect("CHG 7 NLN 0")
	if st := s.Status("alice@example.com"); st != msn.StatusOnline {
		t.Errorf("Status = %s, want NLN", st)
	}
	c.send("CHG 8 FLN 0")
	c.expect("201 8")
	c.send("CHG 9 XYZ 0")
	c.expectClosed()
}

func TestMSNP11RenameAndPSM(t *testing.T) {
	s := newServer(t, Options{})
	bob, _ := online(t, s, "bob", 11, "bob@example.com", "Bob")
	alice, tr := login(t, s, "alice", 11, "alice@example.com", "secret123", "Alice")
	alice.chg(11, tr, "NLN")
	alice.expect("ILN " + strconv.Itoa(tr) + " NLN bob@example.com Bob 1342177280 %3Cmsnobj%2F%3E")
	alice.expectPayload("UBX bob@example.com", noPSM)
	alice.expectPayload("MSG Hotmail Hotmail", initialMail)
	bob.expect("NLN NLN alice@example.com Alice 1342177280 %3Cmsnobj%2F%3E")

	alice.send("PRP 7 MFN Alice%20Two")
	alice.expect("PRP 7 MFN Alice%20Two")
	bob.expect("NLN NLN alice@example.com Alice%20Two 1342177280 %3Cmsnobj%2F%3E")
	alice.send("REA 9 alice@example.com x")
	alice.expect("502 9")
	alice.send("ADD 10 FL dave@example.com dave@example.com 0")
	alice.expect("502 10")

	// A later CHG brings no second ILN.
	alice.send("CHG 11 AWY 1342177280")
	alice.expect("CHG 11 AWY 1342177280")
	alice.ping(11)
	bob.expect("NLN AWY alice@example.com Alice%20Two 1342177280 %3Cmsnobj%2F%3E")

	// The personal message reaches bob now and at his next login.
	alice.sendPayload("UUX 12", psm)
	alice.expect("UUX 12 0")
	bob.expectPayload("UBX alice@example.com", psm)
	bob.send("OUT")
	bob.expectClosed()
	alice.expect("FLN bob@example.com")
	bob, tr = login(t, s, "bob2", 12, "bob@example.com", "secret123", "Bob")
	bob.chg(12, tr, "NLN")
	bob.expect("ILN " + strconv.Itoa(tr) + " AWY alice@example.com Alice%20Two 1342177280 %3Cmsnobj%2F%3E")
	bob.expectPayload("UBX alice@example.com", psm)
	alice.expect("NLN NLN bob@example.com Bob 1342177280 %3Cmsnobj%2F%3E")
}

func TestUnknownCommandsGetNoReply(t *testing.T) {
	s := newServer(t, Options{})
	c, _ := online(t, s, "alice", 12, "alice@example.com", "Alice")
	c.send("FOO 20 bar")
	c.send("")
	c.send("url 21")
	c.send("QRY 22 PROD0090YUAUV{2B 32")
	c.raw("00000000000000000000000000000000")
	c.ping(12)
	c.send("USR 23 TWN I alice@example.com")
	c.expect("207 23")
}

func TestListsMSNP12(t *testing.T) {
	s := newServer(t, Options{})
	if err := s.AddAccount("dave@example.com", "secret123", "Dave D"); err != nil {
		t.Fatal(err)
	}
	dave, _ := online(t, s, "dave", 9, "dave@example.com", "Dave%20D")
	alice, _ := online(t, s, "alice", 12, "alice@example.com", "Alice")

	alice.send("ADC 20 FL N=dave@example.com F=Dave")
	guid := alice.expect("ADC 20 FL N=dave@example.com F=Dave C={guid}")[0]
	dave.expect("ADD 0 RL 1 alice@example.com Alice")
	alice.expect("ILN 20 NLN dave@example.com Dave%20D 268435456 %3Cmsnobj%2F%3E")
	alice.send("ADC 21 FL N=dave@example.com F=Dave")
	alice.expect("215 21")
	alice.send("ADC 22 FL N=nobody@example.com F=x")
	alice.expect("208 22")
	alice.send("ADC 23 AL N=dave@example.com")
	alice.expect("ADC 23 AL N=dave@example.com")
	alice.send("ADC 24 BL N=dave@example.com")
	alice.expect("219 24")

	// dave sees alice (pending) in his list after she added him.
	dave.send("SYN 30 0")
	dave.expect("SYN 30 1 1 1")
	dave.expect("GTC A")
	dave.expect("BLP AL")
	dave.expect("LSG 0 Other%20Contacts 0")
	dave.expect("LST alice@example.com Alice 8")

	alice.send("REM 25 FL " + guid)
	alice.expect("REM 25 FL " + guid)
	dave.expect("REM 0 RL 2 alice@example.com")
	alice.send("REM 26 FL " + guid)
	alice.expect("216 26")
	alice.send("REM 27 FL not-a-guid")
	alice.expect("403 27")
	alice.send("REM 28 AL dave@example.com")
	alice.expect("REM 28 AL dave@example.com")

	// Blocking bob hides alice from him and stops his calls.
	bob, _ := online(t, s, "bob", 12, "bob@example.com", "Bob")
	alice.skipTo("NLN NLN bob@example.com Bob 1342177280 %3Cmsnobj%2F%3E")
	alice.send("REM 29 AL bob@example.com")
	alice.expect("REM 29 AL bob@example.com")
	alice.send("ADC 30 BL N=bob@example.com")
	alice.expect("ADC 30 BL N=bob@example.com")
	bob.skipTo("FLN alice@example.com")
	sb, _ := openSB(t, s, bob, 40, "bob/SB", "bob@example.com", "Bob")
	sb.send("CAL 2 alice@example.com")
	sb.expect("217 2")

	// BLP BL with carol on the allow list: carol still sees alice.
	alice.send("BLP 31 BL")
	alice.expect("BLP 31 BL")
	alice.send("BLP 32 BL")
	alice.expect("218 32")
	alice.send("GTC 33 N")
	alice.expect("GTC 33 N")
	alice.send("REM 34 BL bob@example.com")
	alice.expect("REM 34 BL bob@example.com")
	alice.ping(12)
	bob.ping(12) // still hidden from bob: BLP BL and bob not on AL
	alice.send("BLP 35 AL")
	alice.expect("BLP 35 AL")
	bob.expect("NLN NLN alice@example.com Alice 1342177280 %3Cmsnobj%2F%3E")
	if l := s.Lists("alice@example.com", "bob@example.com"); l != msn.ForwardList|msn.ReverseList {
		t.Errorf("Lists(alice, bob) = %d, want FL|RL", l)
	}
}

func TestEmptyListsMSNP5(t *testing.T) {
	s := newServer(t, Options{})
	if err := s.AddAccount("new@example.com", "pw", "New User"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddContact("carol@example.com", "new@example.com", msn.ForwardList); err != nil {
		t.Fatal(err)
	}
	c, _ := login(t, s, "new", 5, "new@example.com", "pw", "New%20User")
	c.send("SYN 6 41")
	c.expect("SYN 6 42")
	c.expect("GTC 6 42 A")
	c.expect("BLP 6 42 AL")
	c.expect("LST 6 FL 42 0 0")
	c.expect("LST 6 AL 42 0 0")
	c.expect("LST 6 BL 42 0 0")
	c.expect("LST 6 RL 42 1 1 carol@example.com Carol")
	c.ping(5)
}
