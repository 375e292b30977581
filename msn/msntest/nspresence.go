package msntest

import (
	"fmt"

	"github.com/msn2irc/msn2irc/msn"
)

// The notification server's presence and profile commands: CHG, XFR, REA, PRP, UUX.

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
	switch {
	case n.burst.on:
		s.holdBurst(n)
		n.burst.chg++
	case n.mpop():
		// Every CHG of an MSNP16+ endpoint starts a burst: Messenger
		// follows it with its UUX, and Escargot sends the news after
		// them (modern-mpop18, "endpoint B changes status and PSM").
		s.startBurst(n, before)
		n.burst.chg++
	default:
		s.notifyPresence(a, before, true)
		// Contacts at MSNP16+ get the UBX with the endpoints after the
		// NLN, as in modern-login18.
		s.ubxToWatchers(a, 16)
		if n.mpop() {
			// Every endpoint of the user sees the new status (mpop.go).
			s.tellOwnEndpoints(a)
		}
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
	// Before the first CHG, and while hidden before MSNP13, there is no
	// switchboard; from MSNP13 on a hidden user gets one.
	if !n.chg || n.status == msn.StatusHidden && n.ver < 13 {
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
	if name == n.acct.name {
		// Escargot tells contacts of a new name only: the MSNP14-18
		// recordings rename to the same name and no NLN follows.
		return true
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
	data := n.ver < 16 || n.takeUUX(cmd.Payload)
	if data {
		a.psm = append([]byte(nil), cmd.Payload...)
		if len(a.psm) == 0 {
			a.psm = defaultPSM
		}
	}
	n.reply("UUX " + cmd.Param(0) + " 0")
	if n.burst.on {
		n.burst.uux++
		if data {
			s.endBurst(n) // <Data> is the last of the login burst
		} else {
			s.holdBurst(n)
		}
		return
	}
	s.ubxToWatchers(a, 11)
	s.tellOwnEndpoints(a)
}
