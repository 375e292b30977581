package msntest

import (
	"net/http"
	"strconv"
	"testing"
)

// loginTWN13 signs user in at MSNP13 with a Passport 1.4 ticket and returns
// the connection and the next TrID.
func loginTWN13(t *testing.T, s *Server, user string) (*tconn, int) {
	t.Helper()
	c := dial(t, user, s.NSAddr())
	c.send("VER 1 MSNP13 CVR0")
	c.expect("VER 1 MSNP13")
	c.send(cvrLine + user)
	c.expect(cvrReply)
	c.send("USR 3 TWN I " + user)
	c.readPayload("GCF 0")
	c.expect("USR 3 TWN S ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1")
	code, tok := passportLogin(t, s.LoginURL(), user, "secret123")
	if code != http.StatusOK {
		t.Fatalf("passport: %d", code)
	}
	c.send("USR 4 TWN S t=" + tok + "&p=")
	c.expect("USR 4 OK " + user + " 1 0")
	c.expect("SBS 0 null")
	c.readPayload("MSG Hotmail Hotmail")
	return c, 5
}

// A hidden user gets a switchboard from MSNP13 on: Escargot refuses
// `XFR SB` while HDN only before (msnp.md, error 913).
func TestXFRWhileHiddenFromMSNP13(t *testing.T) {
	s := newServer(t, Options{})
	c, tr := loginTWN13(t, s, "alice@example.com")
	c.send("CHG " + strconv.Itoa(tr) + " HDN 1342210080")
	c.expect("CHG " + strconv.Itoa(tr) + " HDN 1342210080")
	c.readPayload("MSG Hotmail Hotmail")
	c.send("XFR " + strconv.Itoa(tr+1) + " SB")
	c.expect("XFR " + strconv.Itoa(tr+1) + " SB " + s.SBAddr() + " CKI {cookie} U messenger.msn.com")
}

// GTC is gone at MSNP13: Escargot closes the connection (msnp.md, the
// changes of MSNP13).
func TestGTCClosesFromMSNP13(t *testing.T) {
	s := newServer(t, Options{})
	c, tr := loginTWN13(t, s, "alice@example.com")
	c.send("GTC " + strconv.Itoa(tr) + " N")
	c.expectClosed()
}

// FQY came with MSNP14: at MSNP13 Escargot closes the connection, with
// no answer (escargot-transcripts-13-18.md, section 1, line 96: "At 13,
// FQY closes the connection").
func TestFQYClosesAtMSNP13(t *testing.T) {
	s := newServer(t, Options{})
	c, tr := loginTWN13(t, s, "alice@example.com")
	c.sendPayload("FQY "+strconv.Itoa(tr), `<ml><d n="example.com"><c n="bob"/></d></ml>`)
	c.expectClosed()
}
