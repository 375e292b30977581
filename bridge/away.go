package bridge

import (
	"context"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// The user's own status, which MSN and IRC show alike.
//
// The user chooses a status with `msn status` or with a /AWAY whose text
// starts with a status keyword (busy, brb, ...; see StatusForAway). Any
// other /AWAY text, such as a bouncer's "Auto away" when its last client
// detached, is an away laid over that choice: MSN shows Away, and the
// /AWAY that clears it brings the chosen status back, so that a detach
// does not turn Busy into Online. AWAY * (draft/pre-away: no client of the
// bouncer is attached) is such an away too, with the status of the
// detached_status setting, or the chosen one (keep, the default). A /AWAY
// that clears when nothing is laid over the choice makes the user Online.
//
// Every change reaches every attached client (305/306, and an AWAY line
// of the user with away-notify: World.SetAway) and MSN, one CHG at a time.

// awayState is the user's status choice and what MSN was told of it.
type awayState struct {
	chosen     msn.Status // the status the user chose
	chosenText string     // its IRC away text: "" for Online
	over       bool       // an away is laid over the chosen status
	overStatus msn.Status // the MSN status of that away
	sent       msn.Status // the status MSN last accepted (at login or with CHG)
	sending    bool       // a CHG is on its way; its end sends the next one
	reply      string     // where to tell the outcome of `msn status` ("" for nowhere)
}

// preAway is the /AWAY text of draft/pre-away's "no client attached".
const preAway = "*"

// msnStatus is the status MSN should show.
func (a *awayState) msnStatus() msn.Status {
	if a.over {
		return a.overStatus
	}
	return a.chosen
}

// awayTextFor is the IRC away text of a status chosen with `msn status`.
func awayTextFor(st msn.Status) string {
	if st == msn.StatusOnline {
		return ""
	}
	return statusLabel(st)
}

// chooseStatus is `msn status <word>`: the user's choice, on both sides.
// Any away laid over the previous choice is gone.
func (s *session) chooseStatus(st msn.Status, replyTo string) {
	s.away.chosen, s.away.chosenText, s.away.over = st, awayTextFor(st), false
	s.world.SetAway(s.away.chosenText)
	s.pushStatus(replyTo)
}

// onAway is /AWAY from one of the user's clients; ircd already set the
// IRC side to text and told the clients.
func (s *session) onAway(text string) {
	a := &s.away
	switch {
	case text == preAway:
		a.over, a.overStatus = true, a.chosen
		if st, ok := detachedStatus(s.settings.DetachedStatus); ok {
			a.overStatus = st
		}
	case text == "":
		if a.over {
			a.over = false
			s.world.SetAway(a.chosenText) // the chosen status is back on IRC too
		} else {
			a.chosen, a.chosenText = msn.StatusOnline, ""
		}
	default:
		if st := mapping.StatusForAway(text); st != msn.StatusAway {
			a.chosen, a.chosenText, a.over = st, text, false
		} else {
			a.over, a.overStatus = true, msn.StatusAway
		}
	}
	s.pushStatus("")
}

// pushStatus asks MSN for the status the user's choices make, one CHG at
// a time: a change made while one is on its way is sent after it.
// replyTo, when not "", is told the outcome; a failure is told in &msn
// otherwise. Without an MSN connection the next login signs in with it.
func (s *session) pushStatus(replyTo string) {
	a := &s.away
	if replyTo != "" {
		a.reply = replyTo
	}
	if a.sending {
		return
	}
	want := a.msnStatus()
	if s.client == nil {
		if r := a.reply; r != "" {
			a.reply = ""
			s.answer(r, "Status set to "+statusLabel(want)+"; MSN shows it once reconnected.")
		}
		return
	}
	if want == a.sent {
		if r := a.reply; r != "" {
			a.reply = ""
			s.answer(r, "Status set to "+statusLabel(want)+".")
		}
		return
	}
	a.sending = true
	client := s.client
	s.request(func(ctx context.Context, c *msn.Client) error { return c.SetStatus(ctx, want) }, func(err error) {
		if s.client != client && s.client != nil {
			return // a reconnect signed in since, with the status chosen last
		}
		a.sending = false
		if err != nil && (s.client == nil || !s.client.Connected()) {
			// The connection dropped meanwhile: the next login signs
			// in with the status chosen last.
			if r := a.reply; r != "" {
				a.reply = ""
				s.answer(r, "Status set to "+statusLabel(a.msnStatus())+"; MSN shows it once reconnected.")
			}
			return
		}
		if err != nil {
			r := a.reply
			a.reply = ""
			s.answer(r, "Could not change your status: "+sendErrorText(err, s.clientVersion()))
			if a.msnStatus() != want {
				s.pushStatus("") // a change made meanwhile
			}
			return
		}
		a.sent, s.status = want, want
		s.pushStatus("")
	})
}

// detachedStatus is the status the detached_status setting asks for; ok
// is false for keep.
func detachedStatus(v string) (msn.Status, bool) {
	if v == "" || v == db.DetachedKeep {
		return "", false
	}
	return msn.Status(v), true
}

// detachedStatusWord shows the detached_status setting as `set` takes it:
// keep or a status word.
func detachedStatusWord(v string) string {
	st, ok := detachedStatus(v)
	if !ok {
		return db.DetachedKeep
	}
	for _, w := range mapping.StatusWords {
		if ws, _ := mapping.ParseStatusWord(w); ws == st {
			return w
		}
	}
	return db.DetachedKeep
}

// statusReport answers `msn status` without a word.
func (s *session) statusReport() string {
	text := "Your status is " + statusLabel(s.away.msnStatus())
	if s.away.over && s.away.overStatus != s.away.chosen {
		text += " (your choice, " + statusLabel(s.away.chosen) + ", comes back when you are back)"
	}
	return text + "."
}
