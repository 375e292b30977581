package bridge

import (
	"context"
	"fmt"
	"strings"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/irctext"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// helpLines is the answer to help.
var helpLines = []string{
	"Commands (in /msg msn or in &msn):",
	"status <online|busy|away|brb|phone|lunch|idle|hidden> - name <friendly name> - psm <personal message>",
	"add <address> [nick] - remove <nick|address> - block <nick|address> - allow <nick|address> - rename <nick> <newnick>",
	"contacts - pending - accept <address|number> - deny <address|number> - outbox [clear [nick]] - endpoints [signout <number>]",
	"set [key [value]] (nick_source, show_offline, keep_online, formatting, presence_modes, detached_status, answer_chats, history_days, dcc_files) - login [<address> <password>] - logout - version",
	"search <text> [nick] - history clear <nick|all> - forget (deletes everything msn2irc stores for you)",
	"picture [clear] (your display picture: its URL, or clear it; upload one with POST /picture on the HTTP side)",
	"files [delete <n>] - accept-file <n> - decline-file <n>",
}

// answer replies to a command where it was given: the msn query
// (ServiceNick), &msn, or as a notice in &msn ("").
func (s *session) answer(replyTo, text string) {
	switch replyTo {
	case mapping.ServiceNick:
		s.deliver(ircd.Message{Command: "PRIVMSG", From: mapping.ServiceNick, Text: text})
	case ContactsChannel:
		s.deliver(ircd.Message{Command: "PRIVMSG", From: mapping.ServiceNick, Target: ContactsChannel, Text: text})
	default:
		s.notice(text)
	}
}

// commandText returns the command m gives the service user: the text of a
// message to ServiceNick, or of one said in ContactsChannel without its
// "msn: " address; ok is false for a message to anyone else.
func commandText(m ircd.Message) (text string, ok bool) {
	switch mapping.Casefold(m.Target) {
	case mapping.Casefold(mapping.ServiceNick):
		return m.Text, true
	case mapping.Casefold(ContactsChannel):
		text := m.Text
		for _, p := range []string{mapping.ServiceNick + ": ", mapping.ServiceNick + ", ", mapping.ServiceNick + ":"} {
			if len(text) >= len(p) && strings.EqualFold(text[:len(p)], p) {
				return text[len(p):], true
			}
		}
		return text, true
	}
	return "", false
}

// commandFields cleans a command line and splits it into its words.
func commandFields(line string) (clean string, fields []string) {
	clean = mapping.CleanLine(line, false) // formatting stripped, trimmed
	return clean, strings.Fields(clean)
}

// secretCommand reports whether m is a command to the service user that
// carries a password (login, as PRIVMSG or NOTICE): ircd then neither
// echoes nor logs it (ircd.SecretChecker).
func secretCommand(m ircd.Message) bool {
	if m.Command != "PRIVMSG" && m.Command != "NOTICE" {
		return false
	}
	text, ok := commandText(m)
	if !ok {
		return false
	}
	_, fields := commandFields(text)
	return len(fields) > 0 && strings.ToLower(fields[0]) == "login"
}

// command runs one command given to the service user.
func (s *session) command(line, replyTo string) {
	line, fields := commandFields(line)
	if len(fields) == 0 {
		return
	}
	name := strings.ToLower(fields[0])
	args := fields[1:]
	rest := strings.TrimSpace(strings.TrimPrefix(line, fields[0]))
	say := func(text string) { s.answer(replyTo, text) }
	usage := func(u string) { say("Usage: " + u) }
	switch name {
	case "help":
		for _, l := range helpLines {
			say(l)
		}
	case "version":
		if s.signedOut() {
			say(fmt.Sprintf("msn2irc %s; %s as %s on %s.", s.b.cfg.Version, s.signedOutLine(), s.account, s.b.cfg.MSN.Server))
			return
		}
		say(fmt.Sprintf("msn2irc %s; signed in to %s as %s with MSNP%d.", s.b.cfg.Version, s.b.cfg.MSN.Server, s.account, s.clientVersion()))
	case "login":
		s.cmdLogin(args, say)
	case "logout":
		say("Signing out of MSN.")
		s.ending = "logged out"
	case "status":
		if len(args) == 0 && s.signedOut() {
			say(s.signedOutLine())
			return
		}
		if len(args) == 0 {
			say(s.statusReport() + " Usage: status <online|busy|away|brb|phone|lunch|idle|hidden>")
			return
		}
		st, ok := mapping.ParseStatusWord(args[0])
		if !ok || len(args) > 1 {
			say("Unknown status \"" + shorten(rest, 40) + "\". Use one of: online busy away brb phone lunch idle hidden")
			return
		}
		s.chooseStatus(st, replyTo)
	case "name":
		if rest == "" {
			usage("name <friendly name>")
			return
		}
		s.setFriendlyName(rest, replyTo)
	case "psm":
		s.setPersonalMessage(rest, replyTo)
	case "add":
		s.cmdAdd(args, replyTo, say)
	case "remove", "block", "allow":
		if len(args) != 1 {
			usage(name + " <nick|address>")
			return
		}
		s.cmdList(name, args[0], replyTo, say)
	case "rename":
		if len(args) != 2 {
			usage("rename <nick> <newnick>")
			return
		}
		s.cmdRename(args[0], args[1], say)
	case "pending":
		s.cmdPending(say)
	case "accept", "deny":
		if len(args) != 1 {
			usage(name + " <address|number>")
			return
		}
		s.cmdAnswerAuth(name, args[0], say)
	case "contacts":
		s.cmdContacts(say)
	case "outbox":
		s.cmdOutbox(args, say)
	case "set":
		s.cmdSet(args, say)
	case "endpoints":
		s.cmdEndpoints(args, say)
	case "history":
		s.cmdHistory(args, say)
	case "forget":
		s.cmdForget(args, say)
	case "accept-file", "decline-file":
		s.cmdAcceptFile(name, args, say)
	case "files":
		s.cmdFiles(args, say)
	case "search":
		s.cmdSearch(rest, args, say)
	case "picture":
		s.cmdPicture(args, say)
	default:
		say("Unknown command \"" + shorten(name, 30) + "\". Say \"help\" for the list.")
	}
}

func (s *session) cmdLogin(args []string, say func(string)) {
	if len(args) == 0 {
		s.cmdLoginAgain(say)
		return
	}
	if len(args) != 2 {
		say("Usage: login <address> <password>")
		return
	}
	account, ok := normalizeAccount(args[0])
	if !ok || account != s.account {
		say("You are signed in as " + s.account + ". Use \"logout\" first to use another account.")
		return
	}
	if !s.passwordMatches(args[1]) {
		say(errWrongPassword.Error())
		return
	}
	if s.client != nil {
		say("Already signed in to MSN as " + s.account + ".")
		return
	}
	say("Signing in to MSN again.")
	s.outElsewhere = false
	s.stopped = false
	s.reconnects = 0
	s.reconnect()
}

// validAddress checks an MSN address given to a command.
func validAddress(a string) (string, bool) {
	return normalizeAccount(a)
}

func (s *session) cmdAdd(args []string, replyTo string, say func(string)) {
	if len(args) < 1 || len(args) > 2 {
		say("Usage: add <address> [nick]")
		return
	}
	p, ok := validAddress(args[0])
	if !ok {
		say("\"" + shorten(args[0], 60) + "\" is not an MSN address (name@domain).")
		return
	}
	if p == s.account {
		say("You cannot add yourself.")
		return
	}
	nick := ""
	if len(args) == 2 {
		nick = args[1]
		if mapping.SanitizeNick(nick, NickLen) != nick {
			say("\"" + shorten(nick, 40) + "\" is not a valid nick.")
			return
		}
		if s.nickTaken(nick, p) {
			say("The nick " + nick + " is taken.")
			return
		}
	}
	if c, ok := s.contacts[p]; ok && c.lists()&msn.ForwardList != 0 {
		say(p + " is already a contact (" + c.nick + ").")
		return
	}
	if nick != "" {
		// Name them first, so that they appear with that nick.
		if c := s.contacts[p]; c != nil {
			if err := s.setNick(c, nick); err != nil {
				say("Could not name " + p + " " + nick + ": " + err.Error())
				return
			}
		} else {
			c := newContact(p, nick, "")
			s.contacts[p] = c
			s.nicks[mapping.Casefold(nick)] = c
			s.saveContact(c)
		}
	}
	s.userRequest(func(ctx context.Context, c *msn.Client) error { return c.AddContact(ctx, p) }, func(err error) {
		if err != nil {
			say("Could not add " + p + ": " + sendErrorText(err, s.clientVersion()))
			return
		}
		c := s.ensureContact(p, "")
		c.setLists(c.lists() | msn.ForwardList | msn.AllowList)
		s.refresh(c)
		say("Added " + p + " as " + c.nick + ".")
	})
}

func (s *session) cmdList(op, arg, replyTo string, say func(string)) {
	c, ok := s.lookupContact(arg)
	p := ""
	if ok {
		p = c.passport
	} else if addr, valid := validAddress(arg); valid && op != "remove" {
		p = addr
	} else {
		say("No contact " + shorten(arg, 60) + ".")
		return
	}
	if op == "remove" && c.lists()&msn.ForwardList == 0 {
		say(c.nick + " is not on your contact list.")
		return
	}
	var fn func(ctx context.Context, cl *msn.Client) error
	var done string
	switch op {
	case "remove":
		fn = func(ctx context.Context, cl *msn.Client) error { return cl.RemoveContact(ctx, p) }
		done = "Removed %s from your contacts."
	case "block":
		fn = func(ctx context.Context, cl *msn.Client) error { return cl.Block(ctx, p) }
		done = "Blocked %s."
	case "allow":
		fn = func(ctx context.Context, cl *msn.Client) error { return cl.Allow(ctx, p) }
		done = "Allowed %s."
	}
	s.userRequest(fn, func(err error) {
		if err != nil {
			say(fmt.Sprintf("Could not %s %s: %s", op, p, sendErrorText(err, s.clientVersion())))
			return
		}
		c := s.ensureContact(p, "")
		switch op {
		case "remove":
			c.setLists(c.lists() &^ msn.ForwardList)
			c.setStatus(msn.StatusOffline) // no presence comes for them now
		case "block":
			c.setLists(c.lists()&^msn.AllowList | msn.BlockList)
		case "allow":
			c.setLists(c.lists()&^msn.BlockList | msn.AllowList)
		}
		s.refresh(c)
		say(fmt.Sprintf(done, c.nick+" ("+p+")"))
	})
}

func (s *session) cmdRename(from, to string, say func(string)) {
	c, ok := s.lookupContact(from)
	if !ok {
		say("No contact " + shorten(from, 60) + ".")
		return
	}
	if mapping.SanitizeNick(to, NickLen) != to || to == "" {
		say("\"" + shorten(to, 40) + "\" is not a valid nick.")
		return
	}
	old := c.nick
	if to == old {
		say(old + " is already called " + to + ".")
		return
	}
	if mapping.Casefold(to) != mapping.Casefold(old) && s.nickTaken(to, c.passport) {
		say("Could not rename " + old + ": the nick " + to + " is taken.")
		return
	}
	// Stored first, as set does: a nick that would not survive a restart
	// is not given.
	dc := s.dbContact(c)
	dc.Nick = to
	if err := s.store.PutContact(s.ctx, dc); err != nil {
		s.log.Warn("storing a renamed contact", "passport", c.passport, "err", err)
		say("Could not rename " + old + ": could not save to the database (" + db.Reason(err) + ").")
		return
	}
	s.stored(nil, "", "")
	if err := s.renameContact(c, to); err != nil {
		s.saveContact(c) // the nick it keeps
		say("Could not rename " + old + ": " + err.Error() + ".")
		return
	}
	say("Renamed " + old + " to " + to + ".")
}

func (s *session) cmdContacts(say func(string)) {
	var lines []string
	online := 0
	for _, c := range s.sortedContacts() {
		if c.lists()&msn.ForwardList == 0 {
			continue
		}
		st := s.contactStatus(c)
		if c.online() {
			online++
		}
		line := c.nick + " (" + c.passport + ") " + st
		if c.lists()&msn.BlockList != 0 {
			line += ", blocked"
		}
		lines = append(lines, line+s.contactsSuffix(c))
	}
	if s.signedOut() {
		say(fmt.Sprintf("%d contacts. %s", len(lines), s.signedOutLine()))
	} else {
		say(fmt.Sprintf("%d contacts, %d online.", len(lines), online))
	}
	for _, l := range lines {
		say(l)
	}
}

func (s *session) cmdOutbox(args []string, say func(string)) {
	if len(args) > 0 {
		if strings.ToLower(args[0]) != "clear" || len(args) > 2 {
			say("Usage: outbox [clear [nick]]")
			return
		}
		p := ""
		if len(args) == 2 {
			c, ok := s.lookupContact(args[1])
			if !ok {
				say("No contact " + shorten(args[1], 60) + ".")
				return
			}
			p = c.passport
		}
		n, err := s.store.ClearOutbox(s.ctx, s.account, p)
		if err != nil {
			say("Could not clear the outbox: " + err.Error())
			return
		}
		for _, cv := range s.convs.queries {
			if p != "" && cv.peer != p {
				continue
			}
			var keep []*outgoing
			for _, o := range cv.queue {
				if o.outboxID == 0 || o.written > 0 {
					keep = append(keep, o)
				}
			}
			cv.queue = keep
		}
		say(fmt.Sprintf("Cleared %d queued message(s).", n))
		return
	}
	msgs, err := s.store.Outbox(s.ctx, s.account, "")
	if err != nil {
		say("Could not read the outbox: " + err.Error())
		return
	}
	if len(msgs) == 0 {
		say("The outbox is empty.")
		return
	}
	say(fmt.Sprintf("%d queued message(s):", len(msgs)))
	for _, m := range msgs {
		nick := m.Passport
		if c := s.contacts[m.Passport]; c != nil {
			nick = c.nick
		}
		text := shorten(irctext.StripFormatting(m.Text), 80)
		if m.Kind == "nudge" {
			text = "(a nudge)"
		}
		say(fmt.Sprintf("to %s, queued %s: %s", nick, m.Queued.UTC().Format("2006-01-02 15:04")+" UTC", text))
	}
}
