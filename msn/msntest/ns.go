package msntest

import (
	"crypto/md5"
	"encoding/hex"
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
	ep       endpoint // what UUX said of this endpoint, MSNP16+ (ubx.go)
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

func listName(l msn.Lists) string {
	switch l {
	case msn.ForwardList:
		return "FL"
	case msn.AllowList:
		return "AL"
	case msn.BlockList:
		return "BL"
	case msn.ReverseList:
		return "RL"
	}
	return ""
}

func parseList(s string) msn.Lists {
	switch s {
	case "FL":
		return msn.ForwardList
	case "AL":
		return msn.AllowList
	case "BL":
		return msn.BlockList
	case "RL":
		return msn.ReverseList
	}
	return 0
}

// contactGUID is the C= id of a contact: its account's id, or one derived
// from the address for a contact without an account.
func (s *Server) contactGUID(passport string) string {
	if a := s.accounts[key(passport)]; a != nil {
		return a.guid
	}
	h := md5.Sum([]byte(key(passport)))
	x := hex.EncodeToString(h[:])
	return x[0:8] + "-" + x[8:12] + "-4" + x[13:16] + "-" + x[16:20] + "-" + x[20:32]
}

func (n *nsConn) syn(cmd *msn.Command) {
	s, a := n.s, n.acct
	trid := cmd.Param(0)
	var b []byte
	line := func(parts ...string) {
		b = append(b, strings.Join(parts, " ")...)
		b = append(b, '\r', '\n')
	}
	nc := strconv.Itoa(len(a.order))
	switch {
	case n.ver <= 7:
		cur, _ := strconv.Atoi(cmd.Param(1))
		n.ser = cur + 1
		ser := strconv.Itoa(n.ser)
		line("SYN", trid, ser)
		line("GTC", trid, ser, a.gtc)
		line("BLP", trid, ser, a.blp)
		if n.ver >= 7 {
			line("LSG", trid, ser, "1", "1", "0", "Other%20Contacts", "0")
		}
		for _, l := range []msn.Lists{msn.ForwardList, msn.AllowList, msn.BlockList, msn.ReverseList} {
			var keys []string
			for _, k := range a.order {
				if a.contacts[k].lists&l != 0 {
					keys = append(keys, k)
				}
			}
			if len(keys) == 0 {
				line("LST", trid, listName(l), ser, "0", "0")
				continue
			}
			total := strconv.Itoa(len(keys))
			for i, k := range keys {
				e := a.contacts[k]
				parts := []string{"LST", trid, listName(l), ser, strconv.Itoa(i + 1), total, e.passport, msn.QuoteName(s.displayName(e.passport))}
				if l == msn.ForwardList && n.ver >= 7 {
					parts = append(parts, "0")
				}
				line(parts...)
			}
		}
	case n.ver <= 9:
		cur, _ := strconv.Atoi(cmd.Param(1))
		line("SYN", trid, strconv.Itoa(cur+1), nc, "1")
		line("GTC", a.gtc)
		line("BLP", a.blp)
		line("LSG", "0", "Other%20Contacts", "0")
		for _, k := range a.order {
			e := a.contacts[k]
			parts := []string{"LST", e.passport, msn.QuoteName(s.displayName(e.passport)), strconv.Itoa(int(e.lists))}
			if e.lists&msn.ForwardList != 0 {
				parts = append(parts, "0")
			}
			line(parts...)
		}
	default:
		const ts = "2000-01-01T00:00:00.0-00:00"
		line("SYN", trid, ts, ts, nc, "0")
		line("GTC", a.gtc)
		line("BLP", a.blp)
		line("PRP", "MFN", msn.QuoteName(a.name))
		for _, k := range a.order {
			e := a.contacts[k]
			lists := e.lists
			if lists&msn.ReverseList != 0 && lists&(msn.AllowList|msn.BlockList) == 0 {
				lists = lists&^msn.ReverseList | msn.PendingList
			}
			l := "LST N=" + e.passport + " F=" + msn.QuoteName(s.displayName(e.passport))
			if e.lists&msn.ForwardList != 0 {
				l += " C=" + s.contactGUID(e.passport)
			}
			l += " " + strconv.Itoa(int(lists))
			if n.ver >= 12 {
				l += " 1"
			}
			l += " " // the (empty) group list
			line(l)
		}
	}
	n.w.send(b)
}

var validStatus = map[msn.Status]bool{
	msn.StatusOnline: true, msn.StatusBusy: true, msn.StatusIdle: true, msn.StatusBRB: true,
	msn.StatusAway: true, msn.StatusPhone: true, msn.StatusLunch: true, msn.StatusHidden: true,
}

func (n *nsConn) chgCmd(cmd *msn.Command) bool {
	s, a := n.s, n.acct
	trid := cmd.Param(0)
	st := msn.Status(cmd.Param(1))
	if st == "" || n.ver >= 8 && len(cmd.Params) < 3 {
		return true // Escargot ignores a CHG without client id from MSNP8
	}
	if st == msn.StatusOffline {
		n.err(201, trid)
		return true
	}
	if !validStatus[st] {
		return false
	}
	before := s.seenBy(a)
	first := !n.chg
	n.chg = true
	n.status = st
	a.ns = n // the endpoint that last set the status gives the account's presence
	echo := "CHG " + trid + " " + string(st)
	if n.ver >= 8 {
		n.clientID = cmd.Params[2]
		echo += " " + n.clientID
		if n.ver >= 9 && len(cmd.Params) > 3 {
			n.msnobj = cmd.Params[3]
			echo += " " + n.msnobj
		}
	}
	n.reply(echo)
	if first {
		var b []byte
		for _, k := range a.order {
			if a.contacts[k].lists&msn.ForwardList == 0 {
				continue
			}
			c := s.accounts[k]
			if c == nil || !visible(c, a) {
				continue
			}
			b = append(b, presenceLine("ILN "+trid, n.ver, c)...)
			b = append(b, '\r', '\n')
			if n.ver >= 11 {
				b = appendPayload(b, ubxCommand(n.ver, c.passport), ubxPayload(n.ver, c, false))
			}
		}
		if n.ver >= 11 {
			md := []byte(initialMailData)
			if n.ver >= 13 {
				md = mailDataMessage("text/x-msmsgsinitialmdatanotification", mailData(a.oims, true))
			}
			b = appendPayload(b, "MSG Hotmail Hotmail", md)
		}
		if len(b) > 0 {
			n.w.send(b)
		}
		if s.opts.Challenges && n.ver >= 6 {
			n.chl = randDigits(20)
			n.reply("CHL 0 " + n.chl)
		}
	}
	s.notifyPresence(a, before, true)
	if n.mpop() {
		// Every endpoint of the user sees the new status (mpop.go).
		s.tellOwnEndpoints(a)
	}
	return true
}

func (n *nsConn) xfr(cmd *msn.Command) {
	s := n.s
	trid := cmd.Param(0)
	if cmd.Param(1) != "SB" {
		n.err(201, trid)
		return
	}
	if !n.chg || n.status == msn.StatusHidden {
		n.err(913, trid)
		return
	}
	ck := s.newCookie(n.acct.passport, "")
	n.reply("XFR " + trid + " SB " + s.SBAddr() + " CKI " + ck + serverSuffix(n.ver, "messenger.msn.com"))
}

func (n *nsConn) rename(name string) bool {
	if len(msn.QuoteName(name)) > 387 {
		return false
	}
	n.acct.name = name
	n.s.announce(n.acct)
	return true
}

// legacyCommand returns the transaction id of REA or ADD, which MSNP10
// replaced, and whether to carry it out: not from MSNP10 on (error 502),
// nor with fewer than three parameters (ignored, as Escargot does).
func (n *nsConn) legacyCommand(cmd *msn.Command) (trid string, ok bool) {
	trid = cmd.Param(0)
	if n.ver >= 10 {
		n.err(502, trid)
		return trid, false
	}
	return trid, len(cmd.Params) >= 3
}

func (n *nsConn) rea(cmd *msn.Command) {
	trid, ok := n.legacyCommand(cmd)
	if !ok {
		return
	}
	who, name := msn.UnquoteName(cmd.Params[1]), msn.UnquoteName(cmd.Params[2])
	if key(who) != key(n.acct.passport) {
		n.err(201, trid)
		return
	}
	if !n.rename(name) {
		n.err(209, trid)
		return
	}
	n.ser++
	n.reply(fmt.Sprintf("REA %s %d %s %s", trid, n.ser, n.acct.passport, msn.QuoteName(name)))
}

func (n *nsConn) prp(cmd *msn.Command) {
	trid := cmd.Param(0)
	if len(cmd.Params) < 3 {
		return
	}
	prop, val := cmd.Params[1], msn.UnquoteName(cmd.Params[2])
	if prop == "MFN" {
		if n.ver < 10 {
			n.err(715, trid)
			return
		}
		if !n.rename(val) {
			n.err(209, trid)
			return
		}
		n.reply("PRP " + trid + " MFN " + msn.QuoteName(val))
		return
	}
	if n.ver < 5 {
		return
	}
	if n.ver < 10 {
		n.ser++
		n.reply(fmt.Sprintf("PRP %s %d %s %s", trid, n.ser, prop, msn.QuoteName(val)))
		return
	}
	n.reply("PRP " + trid + " " + prop + " " + msn.QuoteName(val))
}

func (n *nsConn) uux(cmd *msn.Command) {
	s, a := n.s, n.acct
	if n.ver < 11 || cmd.Payload == nil {
		return
	}
	if n.ver < 16 || n.takeUUX(cmd.Payload) {
		a.psm = append([]byte(nil), cmd.Payload...)
		if len(a.psm) == 0 {
			a.psm = defaultPSM
		}
	}
	n.reply("UUX " + cmd.Param(0) + " 0")
	for _, w := range s.watchers(a) {
		if !visible(a, w) {
			continue
		}
		for _, e := range w.live() {
			if e.ver >= 11 {
				e.w.sendPayload(ubxCommand(e.ver, a.passport), ubxPayload(e.ver, a, false))
			}
		}
	}
	s.tellOwnEndpoints(a)
}

// checkAdd validates adding contact to list l; 0 means it may proceed.
func (n *nsConn) checkAdd(l msn.Lists, contact string, unknownCode int) int {
	if l == 0 || l == msn.ReverseList || !validPassport(contact) {
		return 201
	}
	if n.s.accounts[key(contact)] == nil {
		return unknownCode
	}
	have := n.acct.lists(contact)
	if have&l != 0 {
		return 215
	}
	if l == msn.AllowList && have&msn.BlockList != 0 || l == msn.BlockList && have&msn.AllowList != 0 {
		return 219
	}
	return 0
}

func (n *nsConn) add(cmd *msn.Command) {
	trid, ok := n.legacyCommand(cmd)
	if !ok {
		return
	}
	l, contact := parseList(cmd.Params[1]), msn.UnquoteName(cmd.Params[2])
	name := contact
	if len(cmd.Params) > 3 {
		name = msn.UnquoteName(cmd.Params[3])
	}
	if code := n.checkAdd(l, contact, 205); code != 0 {
		n.err(code, trid)
		return
	}
	n.ser++
	line := fmt.Sprintf("ADD %s %s %d %s %s", trid, listName(l), n.ser, contact, msn.QuoteName(name))
	if l == msn.ForwardList && n.ver >= 7 {
		gid := "0"
		if len(cmd.Params) > 4 {
			gid = cmd.Params[4]
		}
		line += " " + gid
	}
	n.reply(line)
	n.s.changeLists(n.acct, contact, l, 0, trid)
}

func (n *nsConn) adc(cmd *msn.Command) {
	trid := cmd.Param(0)
	if n.ver < 10 {
		return
	}
	if len(cmd.Params) < 3 {
		return
	}
	l := parseList(cmd.Params[1])
	if strings.HasPrefix(cmd.Params[2], "C=") {
		n.err(224, trid) // there are no groups to add a contact to
		return
	}
	contact, ok := strings.CutPrefix(msn.UnquoteName(cmd.Params[2]), "N=")
	if !ok {
		n.err(201, trid)
		return
	}
	name := contact
	if len(cmd.Params) > 3 {
		if f, ok := strings.CutPrefix(msn.UnquoteName(cmd.Params[3]), "F="); ok {
			name = f
		}
	}
	if code := n.checkAdd(l, contact, 208); code != 0 {
		n.err(code, trid)
		return
	}
	if l == msn.ForwardList {
		n.reply(fmt.Sprintf("ADC %s FL N=%s F=%s C=%s", trid, contact, msn.QuoteName(name), n.s.contactGUID(contact)))
	} else {
		n.reply(fmt.Sprintf("ADC %s %s N=%s", trid, listName(l), contact))
	}
	n.s.changeLists(n.acct, contact, l, 0, trid)
}

func (n *nsConn) rem(cmd *msn.Command) {
	s, a := n.s, n.acct
	trid := cmd.Param(0)
	if len(cmd.Params) < 3 {
		return
	}
	l, id := parseList(cmd.Params[1]), msn.UnquoteName(cmd.Params[2])
	if l == 0 || l == msn.ReverseList {
		n.err(201, trid)
		return
	}
	contact := id
	if n.ver >= 10 && l == msn.ForwardList {
		if !isGUID(id) {
			n.err(403, trid)
			return
		}
		if len(cmd.Params) > 3 {
			n.err(224, trid)
			return
		}
		contact = ""
		for _, k := range a.order {
			e := a.contacts[k]
			if e.lists&msn.ForwardList != 0 && s.contactGUID(e.passport) == id {
				contact = e.passport
				break
			}
		}
	}
	if contact == "" || a.lists(contact)&l == 0 {
		n.err(216, trid)
		return
	}
	switch {
	case n.ver == 7 && l == msn.ForwardList:
		// Escargot removes the contact but fails while cleaning up the
		// reverse list, and answers 205.
		n.err(205, trid)
	case n.ver >= 10:
		n.reply("REM " + trid + " " + listName(l) + " " + id)
	default:
		n.ser++
		n.reply(fmt.Sprintf("REM %s %s %d %s", trid, listName(l), n.ser, contact))
	}
	s.changeLists(a, contact, 0, l)
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

func (n *nsConn) blp(cmd *msn.Command) {
	s, a := n.s, n.acct
	trid, v := cmd.Param(0), cmd.Param(1)
	if v != "AL" && v != "BL" {
		n.err(201, trid)
		return
	}
	if v == a.blp && n.ver < 13 {
		n.err(218, trid)
		return
	}
	before := s.seenBy(a)
	a.blp = v
	if n.ver < 10 {
		n.ser++
		n.reply(fmt.Sprintf("BLP %s %d %s", trid, n.ser, v))
	} else {
		n.reply("BLP " + trid + " " + v)
	}
	s.notifyPresence(a, before, false)
}

func (n *nsConn) gtc(cmd *msn.Command) {
	a := n.acct
	trid, v := cmd.Param(0), cmd.Param(1)
	if v != "A" && v != "N" {
		n.err(201, trid)
		return
	}
	if v == a.gtc {
		n.err(218, trid)
		return
	}
	a.gtc = v
	if n.ver < 10 {
		n.ser++
		n.reply(fmt.Sprintf("GTC %s %d %s", trid, n.ser, v))
	} else {
		n.reply("GTC " + trid + " " + v)
	}
}

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
