package bridge

// The `set` command: the account's settings as the user sees and changes them.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/mapping"
)

// maxHistoryDays bounds history_days (a hundred years).
const maxHistoryDays = 36500

// settingNames lists the per-account settings.
var settingNames = []string{"nick_source", "show_offline", "keep_online", "formatting", "presence_modes", "detached_status", "answer_chats", "history_days", "dcc_files"}

func settingValue(st db.Settings, key string) string {
	switch key {
	case "nick_source":
		return st.NickSource
	case "show_offline":
		return fmt.Sprint(st.ShowOffline)
	case "keep_online":
		return fmt.Sprint(st.KeepOnline)
	case "formatting":
		return fmt.Sprint(st.Formatting)
	case "presence_modes":
		return fmt.Sprint(st.PresenceModes)
	case "detached_status":
		return detachedStatusWord(st.DetachedStatus)
	case "answer_chats":
		if st.AnswerChats == "" {
			return db.AnswerWhenAttached
		}
		return st.AnswerChats
	case "history_days":
		if !st.HistoryDaysSet {
			return "forever"
		}
		return fmt.Sprint(st.HistoryDays)
	case "dcc_files":
		return fmt.Sprint(st.DCCFiles)
	}
	return ""
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "on", "yes", "1":
		return true, true
	case "false", "off", "no", "0":
		return false, true
	}
	return false, false
}

func (s *session) cmdSet(args []string, say func(string)) {
	if len(args) == 0 {
		var parts []string
		for _, k := range settingNames {
			parts = append(parts, k+"="+settingValue(s.settings, k))
		}
		say("Settings: " + strings.Join(parts, " "))
		return
	}
	key := strings.ToLower(args[0])
	known := false
	for _, k := range settingNames {
		known = known || k == key
	}
	if !known {
		say("Unknown setting \"" + shorten(args[0], 30) + "\". Settings: " + strings.Join(settingNames, ", "))
		return
	}
	if len(args) == 1 {
		say(key + "=" + settingValue(s.settings, key))
		return
	}
	if len(args) > 2 {
		say("Usage: set " + key + " <value>")
		return
	}
	v := args[1]
	st := s.settings
	if key == "detached_status" {
		w := strings.ToLower(v)
		code, ok := mapping.ParseStatusWord(w)
		switch {
		case w == db.DetachedKeep:
			st.DetachedStatus = db.DetachedKeep
		case ok:
			st.DetachedStatus = string(code)
		default:
			say("detached_status is keep or a status: " + strings.Join(mapping.StatusWords, ", ") + ".")
			return
		}
	} else if key == "answer_chats" {
		w := strings.ToLower(v)
		if w != db.AnswerAlways && w != db.AnswerWhenAttached && w != db.AnswerNever {
			say("answer_chats is always, when_attached or never.")
			return
		}
		st.AnswerChats = w
	} else if key == "history_days" {
		switch n, err := strconv.Atoi(v); {
		case strings.ToLower(v) == "forever":
			st.HistoryDays, st.HistoryDaysSet = 0, false
		case err != nil || n < 0 || n > maxHistoryDays:
			say(fmt.Sprintf("history_days is a number of days (0 keeps no history, at most %d) or forever.", maxHistoryDays))
			return
		default:
			st.HistoryDays, st.HistoryDaysSet = n, true
		}
	} else if key == "nick_source" {
		v = strings.ToLower(v)
		if v != "passport" && v != "name" {
			say("nick_source is passport or name.")
			return
		}
		st.NickSource = v
	} else {
		b, ok := parseBool(v)
		if !ok {
			say(key + " is true or false.")
			return
		}
		switch key {
		case "show_offline":
			st.ShowOffline = b
		case "keep_online":
			st.KeepOnline = b
		case "formatting":
			st.Formatting = b
		case "presence_modes":
			st.PresenceModes = b
		case "dcc_files":
			st.DCCFiles = b
		}
	}
	if err := s.store.SaveSettings(s.ctx, s.account, st); err != nil {
		say("Could not save the setting: " + err.Error())
		return
	}
	s.stored(nil, "", "")
	old := s.settings
	s.settings = st
	switch {
	case old.ShowOffline != st.ShowOffline || old.PresenceModes != st.PresenceModes:
		for _, c := range s.sortedContacts() {
			s.refresh(c)
		}
	case key == "nick_source" && old.NickSource != st.NickSource:
		s.renameAll()
	case key == "history_days":
		// The answer comes once what the new retention drops is deleted.
		text := key + "=" + settingValue(st, key)
		if days, on := s.historyKeep(); on && days > 0 && (!st.HistoryDaysSet || days < st.HistoryDays) {
			text = fmt.Sprintf("history_days=%s; this server keeps at most %d days.", settingValue(st, key), days)
		}
		s.purgeHistory(func() { say(text) })
		return
	}
	say(key + "=" + settingValue(st, key))
}

// renameAll gives every contact the nick its nick source asks for. The
// nicks are chosen afresh, in passport order, as if no contact had one
// yet, so that switching the source back gives every contact its nick of
// before; a contact whose new nick another still holds is renamed once
// that one moved (through a free nick when two want each other's).
func (s *session) renameAll() {
	cs := s.sortedContacts()
	self := mapping.Casefold(s.world.Nick())
	given := make(map[string]bool, len(cs))
	wants := make([]string, len(cs))
	stepped := make([]bool, len(cs))
	for i, c := range cs {
		want := mapping.NickForContact(c.passport, c.name, s.settings.NickSource, NickLen, func(n string) bool {
			cf := mapping.Casefold(n)
			return cf == self || given[cf]
		})
		if want == "" {
			want = c.nick
		}
		given[mapping.Casefold(want)] = true
		wants[i] = want
	}
	for left := len(cs); left > 0; {
		moved := false
		for i, c := range cs {
			if wants[i] == "" || s.nickTaken(wants[i], c.passport) {
				continue
			}
			if err := s.setNick(c, wants[i]); err != nil {
				s.log.Info("renaming a contact", "passport", c.passport, "err", err)
			}
			wants[i], left, moved = "", left-1, true
		}
		if moved || left == 0 {
			continue
		}
		// Contacts that each want the nick of the next: one steps aside,
		// each at most once, so that a nick no rename frees ends the loop.
		i := slices.IndexFunc(wants, func(w string) bool { return w != "" })
		aside := mapping.NickForContact(cs[i].passport, wants[i], "name", NickLen, func(n string) bool {
			return given[mapping.Casefold(n)] || s.nickTaken(n, cs[i].passport)
		})
		if aside == "" || stepped[i] {
			wants[i], left = "", left-1 // keeps the nick it has
			continue
		}
		stepped[i] = true
		if err := s.setNick(cs[i], aside); err != nil {
			s.log.Info("renaming a contact", "passport", cs[i].passport, "err", err)
			wants[i], left = "", left-1
		}
	}
}
