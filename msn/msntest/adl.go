package msntest

import (
	"encoding/xml"
	"strconv"

	"github.com/msn2irc/msn2irc/msn"
)

// ADL and RML (MSNP13+): the client announces its list (<ml l="1">, whose
// content Escargot ignores: the list is the server's) or adds contacts to
// and removes them from its forward, allow and block lists.

type mlPayload struct {
	Initial string `xml:"l,attr"`
	Domains []struct {
		Name     string `xml:"n,attr"`
		Contacts []struct {
			Name  string `xml:"n,attr"`
			Lists string `xml:"l,attr"`
		} `xml:"c"`
	} `xml:"d"`
}

// adl handles ADL and RML; false closes the connection. s.mu held.
func (n *nsConn) adl(cmd *msn.Command) bool {
	s, a := n.s, n.acct
	trid := cmd.Param(0)
	var ml mlPayload
	if err := xml.Unmarshal(cmd.Payload, &ml); err != nil {
		return n.fail(241, trid)
	}
	if ml.Initial == "1" && cmd.Name == "ADL" {
		n.reply("ADL " + trid + " OK")
		return true
	}
	for _, d := range ml.Domains {
		if d.Name == "" {
			return n.fail(240, trid)
		}
		for _, c := range d.Contacts {
			bits, err := strconv.Atoi(c.Lists)
			if err != nil || bits&int(msn.ReverseList|msn.PendingList) != 0 || bits == 0 {
				return n.fail(241, trid)
			}
			passport := c.Name + "@" + d.Name
			if s.accounts[key(passport)] == nil {
				n.err(208, trid)
				return true
			}
			if cmd.Name == "ADL" {
				had := a.lists(passport)
				s.changeLists(a, passport, msn.Lists(bits), 0, trid)
				// A forward-list ADL of a contact ABContactAdd already
				// added still gets the contact's presence, with its trid.
				if t := s.accounts[key(passport)]; bits&int(msn.ForwardList) != 0 && had&msn.ForwardList != 0 && visible(t, a) {
					n.reply(presenceLine("ILN "+trid, n.ver, t))
					n.w.sendPayload(ubxCommand(n.ver, t.passport), ubxPayload(n.ver, t, false))
				}
			} else {
				s.changeLists(a, passport, 0, msn.Lists(bits))
			}
		}
	}
	n.reply(cmd.Name + " " + trid + " OK")
	return true
}
