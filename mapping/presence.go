package mapping

import (
	"strings"
	"unicode"

	"github.com/msn2irc/msn2irc/internal/irctext"
	"github.com/msn2irc/msn2irc/msn"
)

// awayReasons are the IRC away reasons of the MSN away-like states.
var awayReasons = map[msn.Status]string{
	msn.StatusBusy:  "Busy",
	msn.StatusIdle:  "Idle",
	msn.StatusBRB:   "Be right back",
	msn.StatusAway:  "Away",
	msn.StatusPhone: "On the phone",
	msn.StatusLunch: "Out to lunch",
}

// AwayText maps a contact's MSN status and personal message to IRC.
// online is false for FLN, HDN and the empty (unknown) status. away is ""
// when the contact is online and not away (NLN) or offline; otherwise it is
// the state's name ("Busy", "Idle", "Be right back", "Away", "On the phone",
// "Out to lunch"), plus " — <psm>" when the personal message is not empty.
// Control characters, IRC formatting included, are removed from the personal
// message. An unknown online state reads "Away".
func AwayText(status msn.Status, psm string) (away string, online bool) {
	switch status {
	case msn.StatusOffline, msn.StatusHidden, "":
		return "", false
	case msn.StatusOnline:
		return "", true
	}
	reason, ok := awayReasons[status]
	if !ok {
		reason = "Away"
	}
	if psm = CleanLine(psm, false); psm != "" {
		reason += " — " + psm
	}
	return reason, true
}

// NowPlaying is the "now playing" text of a contact's current media (the
// raw CurrentMedia of MSNP11+): "Artist - Title", or "" when nothing
// plays. Control characters, IRC formatting included, are removed.
func NowPlaying(raw string) string {
	m, ok := msn.ParseMedia(raw)
	if !ok {
		return ""
	}
	var parts []string
	for _, f := range []string{m.Artist, m.Title} {
		if f = strings.TrimSpace(CleanLine(f, false)); f != "" {
			parts = append(parts, f)
		}
	}
	return strings.Join(parts, " - ")
}

// WithNowPlaying joins a personal message and a "now playing" text as
// the away reason and WHOIS show them: "psm ♫ media".
func WithNowPlaying(psm, playing string) string {
	switch {
	case playing == "":
		return psm
	case psm == "":
		return "♫ " + playing
	}
	return psm + " ♫ " + playing
}

// awayKeywords map the first word of an /AWAY text to a status.
var awayKeywords = map[string]msn.Status{
	"busy":      msn.StatusBusy,
	"brb":       msn.StatusBRB,
	"phone":     msn.StatusPhone,
	"lunch":     msn.StatusLunch,
	"idle":      msn.StatusIdle,
	"invisible": msn.StatusHidden,
	"hidden":    msn.StatusHidden,
}

// StatusForAway maps the user's /AWAY text to an MSN status: "" (or only
// white space) -> NLN; a text whose first word is a keyword
// (case-insensitive, whole word, IRC formatting ignored) picks the state:
// busy -> BSY, brb -> BRB, phone -> PHN, lunch -> LUN, idle -> IDL,
// invisible or hidden -> HDN; anything else -> AWY.
func StatusForAway(text string) msn.Status {
	text = strings.TrimSpace(irctext.StripFormatting(text))
	if text == "" {
		return msn.StatusOnline
	}
	end := strings.IndexFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if end < 0 {
		end = len(text)
	}
	if st, ok := awayKeywords[strings.ToLower(text[:end])]; ok {
		return st
	}
	return msn.StatusAway
}

// statusWords are the words of the `msn status` command.
var statusWords = map[string]msn.Status{
	"online": msn.StatusOnline,
	"busy":   msn.StatusBusy,
	"away":   msn.StatusAway,
	"brb":    msn.StatusBRB,
	"phone":  msn.StatusPhone,
	"lunch":  msn.StatusLunch,
	"idle":   msn.StatusIdle,
	"hidden": msn.StatusHidden,
}

// StatusWords lists the words ParseStatusWord accepts, in the order help
// texts show them.
var StatusWords = []string{"online", "busy", "away", "brb", "phone", "lunch", "idle", "hidden"}

// ParseStatusWord maps the `msn status` command's word (online, busy, away,
// brb, phone, lunch, idle, hidden; case-insensitive) to a status; ok is
// false for anything else.
func ParseStatusWord(word string) (msn.Status, bool) {
	st, ok := statusWords[strings.ToLower(word)]
	return st, ok
}

// statusNames are the human names of the states.
var statusNames = map[msn.Status]string{
	msn.StatusOnline:  "Online",
	msn.StatusBusy:    "Busy",
	msn.StatusIdle:    "Idle",
	msn.StatusBRB:     "Be right back",
	msn.StatusAway:    "Away",
	msn.StatusPhone:   "On the phone",
	msn.StatusLunch:   "Out to lunch",
	msn.StatusHidden:  "Hidden",
	msn.StatusOffline: "Offline",
}

// StatusName is the human name of a status ("Online", "Busy", "Idle",
// "Be right back", "Away", "On the phone", "Out to lunch", "Hidden",
// "Offline"). An unknown status is shown as "Unknown (<code>)".
func StatusName(s msn.Status) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	code := CleanLine(string(s), false)
	if code == "" {
		code = "?"
	}
	return "Unknown (" + code + ")"
}
