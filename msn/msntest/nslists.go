package msntest

import (
	"cmp"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/msn2irc/msn2irc/msn"
)

// The notification server's contact list commands: SYN, ADD/ADC/REM, BLP, GTC.

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

// listedName is the name SYN gives a contact: a Yahoo contact's own
// name, the account's name otherwise. s.mu held.
func (s *Server) listedName(e *entry) string {
	if e.network != 0 && e.name != "" {
		return e.name
	}
	return s.displayName(e.passport)
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
	var order []string // the contacts of other networks are in the address book only
	for _, k := range a.order {
		if a.contacts[k].network == 0 {
			order = append(order, k)
		}
	}
	nc := strconv.Itoa(len(order))
	switch {
	case n.ver <= 7:
		cur, _ := strconv.Atoi(cmd.Param(1))
		n.ser = cur + 1
		ser := strconv.Itoa(n.ser)
		line("SYN", trid, ser)
		line("GTC", trid, ser, a.gtc)
		line("BLP", trid, ser, a.blp)
		// MSNP7 lists the groups by small numeric ids after "Other
		// Contacts" (0), as MSNP8 and MSNP9 do.
		numeric := make(map[string]string, len(a.groups))
		if n.ver >= 7 {
			total := strconv.Itoa(len(a.groups) + 1)
			line("LSG", trid, ser, "1", total, "0", "Other%20Contacts", "0")
			for i, g := range a.groups {
				numeric[g.id] = strconv.Itoa(i + 1)
				line("LSG", trid, ser, strconv.Itoa(i+2), total, numeric[g.id], msn.QuoteName(g.name), "0")
			}
		}
		for _, l := range []msn.Lists{msn.ForwardList, msn.AllowList, msn.BlockList, msn.ReverseList} {
			var keys []string
			for _, k := range order {
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
					ids := make([]string, 0, len(e.groups))
					for _, id := range e.groups {
						ids = append(ids, numeric[id])
					}
					parts = append(parts, cmp.Or(strings.Join(ids, ","), "0"))
				}
				line(parts...)
			}
		}
	case n.ver <= 9:
		// Escargot lists every contact here, a Yahoo one too, and the
		// groups by small numeric ids after "Other Contacts" (0).
		cur, _ := strconv.Atoi(cmd.Param(1))
		line("SYN", trid, strconv.Itoa(cur+1), strconv.Itoa(len(a.order)), strconv.Itoa(len(a.groups)+1))
		line("GTC", a.gtc)
		line("BLP", a.blp)
		line("LSG", "0", "Other%20Contacts", "0")
		numeric := make(map[string]string, len(a.groups))
		for i, g := range a.groups {
			numeric[g.id] = strconv.Itoa(i + 1)
			line("LSG", numeric[g.id], msn.QuoteName(g.name), "0")
		}
		for _, k := range a.order {
			e := a.contacts[k]
			parts := []string{"LST", e.passport, msn.QuoteName(s.listedName(e)), strconv.Itoa(int(e.lists))}
			if e.lists&msn.ForwardList != 0 {
				ids := make([]string, 0, len(e.groups))
				for _, id := range e.groups {
					ids = append(ids, numeric[id])
				}
				parts = append(parts, cmp.Or(strings.Join(ids, ","), "0"))
			}
			line(parts...)
		}
	default:
		const ts = "2000-01-01T00:00:00.0-00:00"
		line("SYN", trid, ts, ts, nc, strconv.Itoa(len(a.groups)))
		line("GTC", a.gtc)
		line("BLP", a.blp)
		line("PRP", "MFN", msn.QuoteName(a.name))
		for _, g := range a.groups {
			line("LSG", msn.QuoteName(g.name), g.id)
		}
		for _, k := range order {
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
			l += " " // then the group list, empty when in none
			if e.lists&msn.ForwardList != 0 {
				l += strings.Join(e.groups, ",")
			}
			line(l)
		}
	}
	n.w.send(b)
}

var validStatus = map[msn.Status]bool{
	msn.StatusOnline: true, msn.StatusBusy: true, msn.StatusIdle: true, msn.StatusBRB: true,
	msn.StatusAway: true, msn.StatusPhone: true, msn.StatusLunch: true, msn.StatusHidden: true,
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
