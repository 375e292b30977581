package msntest

import (
	"strconv"
	"strings"

	"github.com/msn2irc/msn2irc/msn"
)

// The functions in this file run with s.mu held.

func (a *account) lists(contact string) msn.Lists {
	if e := a.contacts[key(contact)]; e != nil {
		return e.lists
	}
	return 0
}

// setLists adds and removes list bits of contact on a, creating or deleting
// the entry as needed. It reports the bits that really changed.
func (a *account) setLists(contact string, add, remove msn.Lists) (added, removed msn.Lists) {
	k := key(contact)
	e := a.contacts[k]
	if e == nil {
		if add == 0 {
			return 0, 0
		}
		e = &entry{passport: contact}
		a.contacts[k] = e
		a.order = append(a.order, k)
	}
	old := e.lists
	e.lists = (e.lists | add) &^ remove
	if e.lists == 0 {
		delete(a.contacts, k)
		for i, o := range a.order {
			if o == k {
				a.order = append(a.order[:i], a.order[i+1:]...)
				break
			}
		}
	}
	return e.lists &^ old, old &^ e.lists
}

// blocks reports whether a keeps its presence from passport: passport is on
// a's block list, or a allows only its allow list and passport is not on it.
func (a *account) blocks(passport string) bool {
	l := a.lists(passport)
	return l&msn.BlockList != 0 || (a.blp == "BL" && l&msn.AllowList == 0)
}

// present reports whether a is online and not hidden.
func (a *account) present() bool {
	return a.ns != nil && a.ns.chg && a.ns.status != msn.StatusHidden
}

// watching reports whether w gets presence notifications now: signed in and
// past its first CHG.
func (w *account) watching() bool { return len(w.live()) > 0 }

// visible reports whether w sees a online.
func visible(a, w *account) bool {
	return a.present() && !a.blocks(w.passport)
}

// watchers returns the accounts that have a on their forward list.
func (s *Server) watchers(a *account) []*account {
	var out []*account
	for _, k := range a.order {
		e := a.contacts[k]
		if e.lists&msn.ReverseList == 0 {
			continue
		}
		if w := s.accounts[k]; w != nil && w.lists(a.passport)&msn.ForwardList != 0 {
			out = append(out, w)
		}
	}
	return out
}

// seenBy returns the watchers of a that see it online now.
func (s *Server) seenBy(a *account) map[*account]bool {
	m := make(map[*account]bool)
	for _, w := range s.watchers(a) {
		if w.watching() && visible(a, w) {
			m[w] = true
		}
	}
	return m
}

// notifyPresence tells a's watchers what changed since before (from
// seenBy): NLN to those who see a now (all of them when changed is true,
// for a new status or name), FLN to those who no longer do.
func (s *Server) notifyPresence(a *account, before map[*account]bool, changed bool) {
	for _, w := range s.watchers(a) {
		if !w.watching() {
			continue
		}
		now := visible(a, w)
		for _, e := range w.live() {
			switch {
			case now && (changed || !before[w]):
				e.w.sendLine(presenceLine("NLN", e.ver, a))
			case !now && before[w]:
				e.w.sendLine(offlineLine(e.ver, a.passport))
			}
		}
	}
}

// announce sends a's current presence to the watchers who see it.
func (s *Server) announce(a *account) {
	s.notifyPresence(a, nil, true)
}

// handle writes a contact's address for a recipient speaking version rv:
// with its network id after it from MSNP14, before it at MSNP18.
func handle(rv int, passport string) string {
	switch {
	case rv >= 18:
		return "1:" + passport
	case rv >= 14:
		return passport + " 1"
	}
	return passport
}

// offlineLine formats FLN for a recipient speaking version rv.
func offlineLine(rv int, passport string) string {
	switch {
	case rv >= 18:
		return "FLN 1:" + passport + " 0:0"
	case rv >= 16:
		return "FLN " + passport + " 1 0:0"
	case rv >= 14:
		return "FLN " + passport + " 1 0"
	}
	return "FLN " + passport
}

// ubxCommand is the UBX line (without the length) about passport for a
// recipient speaking version rv.
func ubxCommand(rv int, passport string) string {
	return "UBX " + handle(rv, passport)
}

// capsFor writes a client id for a recipient speaking version rv: with
// the extended capabilities from MSNP16 on, without them before.
func capsFor(rv int, id string) string {
	caps, ex, found := strings.Cut(id, ":")
	if rv < 16 {
		return caps
	}
	if !found {
		ex = "0"
	}
	return caps + ":" + ex
}

// presenceLine formats ILN/NLN for a recipient speaking version rv. At
// MSNP18, which has no ILN, the initial presence is "NLN" too.
func presenceLine(prefix string, rv int, a *account) string {
	n := a.ns
	if rv >= 18 && strings.HasPrefix(prefix, "ILN") {
		prefix = "NLN"
	}
	line := prefix + " " + string(n.status) + " " + handle(rv, a.passport) + " " + msn.QuoteName(a.name)
	if rv >= 8 {
		line += " " + capsFor(rv, n.clientID)
	}
	if rv >= 9 {
		line += " " + n.msnobj
	}
	return line
}

// byAddressBook, as the trid of changeLists, marks a forward-list add
// made with ABContactAdd: the owner hears of the contact's presence only
// at its ADL of the contact, as modern-contacts13 shows.
const byAddressBook = "\x00ab"

// changeLists applies a list change of owner about contact and tells
// everyone concerned: the contact gets ADD/ADC 0 RL or REM 0 RL (MSNP13+:
// "ADL 0" or "RML 0" with l="8", and NOT), and sees owner appear or
// disappear when blocking changed (at MSNP13+ also at each allow or block
// add and each unblock). When owner just put an online contact on its
// forward list, owner gets ILN (with trid) or, for a change not made by
// owner's client (trid ""), NLN.
func (s *Server) changeLists(owner *account, contact string, add, remove msn.Lists, trid ...string) (added, removed msn.Lists) {
	t := s.accounts[key(contact)]
	var before bool
	if t != nil {
		contact = t.passport // as the account spells it
		before = t.watching() && t.lists(owner.passport)&msn.ForwardList != 0 && visible(owner, t)
	}
	added, removed = owner.setLists(contact, add, remove)
	if t == nil {
		return added, removed
	}
	if added&msn.ForwardList != 0 {
		t.setLists(owner.passport, msn.ReverseList, 0)
		for _, e := range t.eps {
			switch {
			case e.ver >= 13:
				s.sendListNotice(e, owner, true)
			case e.ver < 10:
				e.ser++
				e.w.sendLine("ADD 0 RL " + strconv.Itoa(e.ser) + " " + owner.passport + " " + msn.QuoteName(owner.name))
			default:
				e.w.sendLine("ADC 0 RL N=" + owner.passport + " F=" + msn.QuoteName(owner.name))
			}
		}
		if visible(t, owner) && !(len(trid) > 0 && trid[0] == byAddressBook) {
			for _, e := range owner.live() {
				if len(trid) > 0 && trid[0] != "" {
					e.w.sendLine(presenceLine("ILN "+trid[0], e.ver, t))
				} else {
					e.w.sendLine(presenceLine("NLN", e.ver, t))
				}
				if e.ver >= 13 { // the UBX follows, as modern-contacts13 shows
					e.w.sendPayload(ubxCommand(e.ver, t.passport), ubxPayload(e.ver, t, false))
				}
			}
		}
	}
	if removed&msn.ForwardList != 0 {
		t.setLists(owner.passport, 0, msn.ReverseList)
		for _, e := range t.eps {
			switch {
			case e.ver >= 13:
				s.sendListNotice(e, owner, false)
			case e.ver < 10:
				e.ser++
				e.w.sendLine("REM 0 RL " + strconv.Itoa(e.ser) + " " + owner.passport)
			default:
				e.w.sendLine("REM 0 RL " + owner.passport)
			}
		}
	}
	if t.watching() && t.lists(owner.passport)&msn.ForwardList != 0 {
		now := visible(owner, t)
		// At MSNP13+ every add to the allow or block list (even of a
		// contact already on it) and every real unblock tells the
		// contact owner's presence again, changed or not, as
		// modern-contacts13 shows.
		retell := (add&(msn.AllowList|msn.BlockList) != 0 || removed&msn.BlockList != 0) && owner.present()
		for _, e := range t.live() {
			switch {
			case now && (!before || retell && e.ver >= 13):
				e.w.sendLine(presenceLine("NLN", e.ver, owner))
				if e.ver >= 13 {
					e.w.sendPayload(ubxCommand(e.ver, owner.passport), ubxPayload(e.ver, owner, false))
				}
			case !now && (before || retell && e.ver >= 13):
				e.w.sendLine(offlineLine(e.ver, owner.passport))
			}
		}
	}
	return added, removed
}

// displayName is the friendly name shown for a contact: the account's
// name, or the address when there is no such account.
func (s *Server) displayName(passport string) string {
	if a := s.accounts[key(passport)]; a != nil {
		return a.name
	}
	return passport
}
