package msntest

import (
	"encoding/xml"

	"github.com/msn2irc/msn2irc/msn"
)

// FQY (MSNP14+; at MSNP13 it closes the connection): the client asks
// which network addresses belong to. The answer echoes the addresses with
// t="1" (Messenger), as Escargot does; an address without an account is
// 208.

// fqy handles FQY; false closes the connection. s.mu held.
func (n *nsConn) fqy(cmd *msn.Command) bool {
	trid := cmd.Param(0)
	var ml mlPayload
	if err := xml.Unmarshal(cmd.Payload, &ml); err != nil {
		return n.fail(241, trid)
	}
	out := "<ml>"
	for _, d := range ml.Domains {
		if d.Name == "" {
			return n.fail(240, trid)
		}
		out += `<d n="` + xmlText(d.Name) + `">`
		for _, c := range d.Contacts {
			if n.s.accounts[key(c.Name+"@"+d.Name)] == nil {
				n.err(208, trid)
				return true
			}
			out += `<c n="` + xmlText(c.Name) + `" t="1" />`
		}
		out += "</d>"
	}
	n.w.sendPayload("FQY "+trid, []byte(out+"</ml>"))
	return true
}
