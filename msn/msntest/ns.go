package msntest

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

const (
	minVersion = 2
	maxVersion = 18
	// twnParams is what Escargot sends in "USR t TWN S".
	twnParams = "ct=1,rver=1,wp=FS_40SEC_0_COMPACT,lc=1,id=1"
	// defaultMsnObj is the msnobj Escargot shows for users without one.
	defaultMsnObj = "%3Cmsnobj%2F%3E"
	// cookieLifetime is how long XFR and RNG cookies stay valid.
	cookieLifetime = 120 * time.Second
	// ticketLifetime is how long a Passport ticket stays valid.
	ticketLifetime = 30 * time.Second
	// cvrURL is the download and info URL in CVR replies.
	cvrURL = "https://escargot.log1p.xyz"
)

// nsConn is one connection to the notification (or dispatch) server.
// Its fields are guarded by Server.mu once the user is signed in.
type nsConn struct {
	s        *Server
	w        *wire
	remote   net.Addr
	dispatch bool

	ver      int
	user     string // from USR I
	method   string // MD5 or TWN, from USR I
	salt     string
	acct     *account // set when signed in
	ser      int      // list serial, MSNP2-9
	chg      bool     // first CHG done
	status   msn.Status
	clientID string
	msnobj   string
	chl      string   // outstanding challenge
	nonce    string   // of "USR t SSO S MBI_KEY_OLD", MSNP15+
	guid     string   // machine GUID of USR SSO S, MSNP16+, lower case
	ticket   string   // the ticket token USR TWN or SSO signed in with
	ep       endpoint // what UUX said of this endpoint, MSNP16+ (ubx.go)
	burst    burst    // news held during the login burst, MSNP16+ (burst.go)
}

func (s *Server) serveNS(w *wire, c net.Conn) {
	n := &nsConn{s: s, w: w, remote: c.RemoteAddr()}
	defer s.nsGone(n)
	s.readLoop(w, c, n.handle)
}

func (s *Server) serveDS(w *wire, c net.Conn) {
	n := &nsConn{s: s, w: w, remote: c.RemoteAddr(), dispatch: true}
	s.readLoop(w, c, n.handle)
}

// nsGone cleans up after a notification server connection ended.
func (s *Server) nsGone(n *nsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signOff(n)
}

// signOff takes n out of its user's sessions; the user goes offline
// when it was the last one (mpop.go). s.mu held.
func (s *Server) signOff(n *nsConn) {
	a := n.acct
	n.dropBurst()
	if a == nil || !a.has(n) {
		return
	}
	before := s.seenBy(a)
	a.detach(n)
	if len(a.eps) > 0 {
		s.endpointLeft(a, n)
	}
	s.notifyPresence(a, before, false)
}

// reply sends a line; err sends "NNN trid".
func (n *nsConn) reply(line string) { n.w.sendLine(line) }

func (n *nsConn) err(code int, trid string) {
	n.w.sendLine(strconv.Itoa(code) + " " + trid)
}

// fail sends an error and closes the connection.
func (n *nsConn) fail(code int, trid string) bool {
	n.err(code, trid)
	return false
}

// handle runs one command; false closes the connection, once the user is
// signed off, so that whoever sees the close also sees them offline.
func (n *nsConn) handle(cmd *msn.Command) bool {
	s := n.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !n.dispatchCmd(cmd) {
		s.signOff(n)
		return false
	}
	return true
}

// dispatchCmd runs one command; false ends the connection. s.mu held.
func (n *nsConn) dispatchCmd(cmd *msn.Command) bool {
	if n.acct == nil {
		return n.handleLogin(cmd)
	}
	if !n.acct.has(n) {
		return false // replaced by another login
	}
	trid := cmd.Param(0)
	if trid == "" && cmd.Name != "PNG" && cmd.Name != "OUT" {
		return true
	}
	if n.burst.on && cmd.Name != "CHG" && cmd.Name != "UUX" {
		n.s.endBurst(n) // the client's login burst is over
	}
	switch cmd.Name {
	case "VER":
		return n.fail(715, trid)
	case "CVR":
		n.cvr(cmd)
	case "INF":
		if n.ver >= 8 {
			return false
		}
		n.reply("INF " + trid + " MD5")
	case "USR":
		n.err(207, trid)
	case "SYN":
		if n.ver >= 13 {
			n.err(502, trid)
			return true
		}
		n.syn(cmd)
	case "ADL", "RML":
		return n.adl(cmd)
	case "FQY":
		if n.ver < 13 {
			return true
		}
		if n.ver == 13 {
			return false // FQY came with MSNP14: Escargot closes the connection
		}
		return n.fqy(cmd)
	case "CHG":
		return n.chgCmd(cmd)
	case "PNG":
		if n.ver >= 9 {
			n.reply("QNG 60")
		} else {
			n.reply("QNG")
		}
	case "XFR":
		n.xfr(cmd)
	case "REA":
		n.rea(cmd)
	case "PRP":
		n.prp(cmd)
	case "UUX":
		n.uux(cmd)
	case "ADD", "ADC", "REM":
		if n.ver >= 13 {
			// The lists live in the address book from MSNP13: changes
			// go through its web services and ADL/RML, as SYN does
			// not exist any more (502).
			n.err(502, trid)
			return true
		}
		switch cmd.Name {
		case "ADD":
			n.add(cmd)
		case "ADC":
			n.adc(cmd)
		default:
			n.rem(cmd)
		}
	case "BLP":
		n.blp(cmd)
	case "GTC":
		if n.ver >= 13 {
			return false // removed at MSNP13: Escargot closes the connection
		}
		n.gtc(cmd)
	case "QRY":
		return n.qry(cmd)
	case "UUN":
		n.uun(cmd)
	case "OUT":
		return false
	}
	return true
}

// handleLogin runs the commands before USR OK. s.mu is held.
func (n *nsConn) handleLogin(cmd *msn.Command) bool {
	trid := cmd.Param(0)
	if cmd.Name != "VER" && n.ver == 0 {
		return false
	}
	switch cmd.Name {
	case "VER":
		if n.ver != 0 {
			return n.fail(715, trid)
		}
		if trid == "" {
			return false
		}
		best := 0
		for _, p := range cmd.Params[1:] {
			if v, ok := strings.CutPrefix(p, "MSNP"); ok {
				if i, err := strconv.Atoi(v); err == nil && i >= minVersion && i <= maxVersion && i > best {
					best = i
				}
			}
		}
		if best == 0 {
			n.reply("VER " + trid + " 0")
			return false
		}
		n.ver = best
		n.reply("VER " + trid + " MSNP" + strconv.Itoa(best))
		return true
	case "CVR":
		n.cvr(cmd)
		return true
	case "INF":
		if n.ver >= 8 {
			return false
		}
		n.reply("INF " + trid + " MD5")
		return true
	case "USR":
		return n.usr(cmd)
	}
	return false
}

func (n *nsConn) cvr(cmd *msn.Command) {
	if len(cmd.Params) < 7 {
		return // Escargot's handler fails without a reply
	}
	v := cmd.Params[6]
	n.reply(fmt.Sprintf("CVR %s %s %s %s %s %s", cmd.Params[0], v, v, v, cvrURL, cvrURL))
}

const initialMailData = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialmdatanotification; charset=UTF-8\r\n\r\n" +
	"Mail-Data: <MD><E><I>0</I><IU>0</IU><O>0</O><OU>0</OU></E><Q><QTM>409600</QTM><QNM>204800</QNM></Q></MD>\r\n"

func (n *nsConn) qry(cmd *msn.Command) bool {
	if !n.s.opts.Challenges || n.chl == "" {
		return true // Escargot accepts any QRY silently
	}
	trid := cmd.Param(0)
	want, ok := expectedQRY(n.ver, cmd.Param(1), n.chl)
	if !ok || string(cmd.Payload) != want {
		return n.fail(540, trid)
	}
	n.chl = ""
	n.reply("QRY " + trid)
	return true
}
