package ircd

import (
	"gopkg.in/irc.v4"
)

// userModesLocked is the user's modes as 221 shows them, e.g. "+iB".
func (w *World) userModesLocked() string {
	m := "+"
	if !w.visible.Load() {
		m += "i"
	}
	if w.bot {
		m += "B"
	}
	return m
}

// setUserModesLocked is MODE <user> <modes> from c. The user can set and
// unset i (invisible, the default) and B (bot: 335 in WHOIS, the bot tag
// on the user's messages to their other clients). Every other letter gets
// 501, once per letter, and the letters around it still apply. What
// changed goes to every client of the world as a MODE from the user.
func (w *World) setUserModesLocked(c *Client, modes string) {
	add := true
	var plus, minus []byte
	var unknown []byte
	change := func(letter byte, on bool) {
		if on {
			plus = append(plus, letter)
		} else {
			minus = append(minus, letter)
		}
	}
	for i := 0; i < len(modes); i++ {
		switch letter := modes[i]; letter {
		case '+':
			add = true
		case '-':
			add = false
		case 'i':
			if w.visible.Load() == add { // +i when visible, -i when invisible
				w.visible.Store(!add)
				change(letter, add)
			}
		case 'B':
			if w.bot != add {
				w.bot = add
				change(letter, add)
			}
		default:
			seen := false
			for _, u := range unknown {
				seen = seen || u == letter
			}
			if !seen {
				unknown = append(unknown, letter)
				text := "Unknown MODE flag"
				if letter >= 'a' && letter <= 'z' || letter >= 'A' && letter <= 'Z' {
					text += " " + string(rune(letter))
				}
				c.reply(irc.ERR_UMODEUNKNOWNFLAG, w.nick, text)
			}
		}
	}
	if len(plus) == 0 && len(minus) == 0 {
		return
	}
	var changed string
	if len(plus) > 0 {
		changed += "+" + string(plus)
	}
	if len(minus) > 0 {
		changed += "-" + string(minus)
	}
	w.broadcastLocked(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "MODE", Params: []string{w.nick, changed}, Tags: w.selfTagsLocked()})
}
