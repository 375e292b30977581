package ircd

import (
	"context"
	"slices"
	"strings"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// IRCv3 metadata (draft/metadata-2): the world's program sets keys on
// users (World.SetUserMetadata, e.g. a contact's avatar URL); clients read
// them with METADATA GET and LIST and subscribe to changes with SUB.
// Clients set nothing: every key is the program's, so SET and CLEAR are
// refused with KEY_NO_PERMISSION.

// Limits of metadata.
const (
	// MetadataMaxSubs is how many keys one client may subscribe to
	// (max-subs in the capability's value).
	MetadataMaxSubs = 20
	// MetadataMaxKeys is how many keys one user of a world holds; a
	// further key is dropped.
	MetadataMaxKeys = 8
	// MetadataMaxValue is the longest value in bytes; a longer one is
	// dropped (it would not fit a line next to its target and key).
	MetadataMaxValue = 300
	// metadataMaxKeyLen is the longest key name.
	metadataMaxKeyLen = 64
)

// Metadata numerics.
const (
	rplKeyValue        = "761"
	rplMetadataEnd     = "762"
	rplKeyNotSet       = "766"
	rplMetadataSubOK   = "770"
	rplMetadataUnsubOK = "771"
	rplMetadataSubs    = "772"
)

// metadataKey returns the key as the server keeps it (lower case) and
// whether it is a valid key name: a-z, 0-9 and _.:/- (case-insensitive),
// not starting with a colon, at most metadataMaxKeyLen bytes.
func metadataKey(k string) (string, bool) {
	if k == "" || len(k) > metadataMaxKeyLen || k[0] == ':' {
		return "", false
	}
	for i := 0; i < len(k); i++ {
		b := k[i]
		switch {
		case b >= 'a' && b <= 'z', b >= '0' && b <= '9', b >= 'A' && b <= 'Z':
		case b == '_', b == '.', b == ':', b == '/', b == '-':
		default:
			return "", false
		}
	}
	return strings.ToLower(k), true
}

// metadataRequest is a METADATA command as parsed: the target, the
// subcommand (upper case) and the keys named after it.
type metadataRequest struct {
	target string
	sub    string
	keys   []string
}

// parseMetadata reads METADATA <target> <subcommand> [<key>...]; ok is
// false when the target or the subcommand is missing.
func parseMetadata(params []string) (r metadataRequest, ok bool) {
	if len(params) < 2 || params[0] == "" || params[1] == "" {
		return r, false
	}
	r.target, r.sub = params[0], strings.ToUpper(params[1])
	r.keys = params[2:]
	return r, true
}

// handleMetadata runs METADATA GET, LIST, SUB, UNSUB, SUBS and SYNC on the
// users of the world; SET and CLEAR are refused.
func handleMetadata(_ context.Context, c *Client, w *World, msg *irc.Message) {
	r, ok := parseMetadata(msg.Params)
	if !ok {
		c.numeric(irc.ERR_NEEDMOREPARAMS, "METADATA", "Not enough parameters")
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch r.sub {
	case "GET":
		if len(r.keys) == 0 {
			c.numeric(irc.ERR_NEEDMOREPARAMS, "METADATA", "Not enough parameters")
			return
		}
		meta, name, ok := w.metadataTargetLocked(c, r.target)
		if !ok {
			return
		}
		for _, k := range r.keys {
			key, valid := metadataKey(k)
			if !valid {
				w.failLocked(c, "", "METADATA", "KEY_INVALID", "Invalid key", cleanWord(k))
				continue
			}
			if v, set := meta[key]; set {
				c.numeric(rplKeyValue, name, key, "*", v)
			} else {
				c.numeric(rplKeyNotSet, name, key, "key not set")
			}
		}
	case "LIST":
		meta, name, ok := w.metadataTargetLocked(c, r.target)
		if !ok {
			return
		}
		keys := make([]string, 0, len(meta))
		for k := range meta {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			c.numeric(rplKeyValue, name, k, "*", meta[k])
		}
		c.numeric(rplMetadataEnd, "end of metadata")
	case "SET", "CLEAR":
		_, name, ok := w.metadataTargetLocked(c, r.target)
		if !ok {
			return
		}
		key := "*"
		if r.sub == "SET" && len(r.keys) > 0 {
			key = cleanWord(r.keys[0])
		}
		w.failLocked(c, "", "METADATA", "KEY_NO_PERMISSION", "Metadata is read-only here: it comes from MSN", name, key)
	case "SUB":
		if len(r.keys) == 0 {
			c.numeric(irc.ERR_NEEDMOREPARAMS, "METADATA", "Not enough parameters")
			return
		}
		w.metadataSubLocked(c, r.keys)
	case "UNSUB":
		if len(r.keys) == 0 {
			c.numeric(irc.ERR_NEEDMOREPARAMS, "METADATA", "Not enough parameters")
			return
		}
		var gone []string
		c.mu.Lock()
		for _, k := range r.keys {
			key, valid := metadataKey(k)
			if !valid {
				continue
			}
			c.metaSubs = slices.DeleteFunc(c.metaSubs, func(s string) bool { return s == key })
			if !slices.Contains(gone, key) {
				gone = append(gone, key)
			}
		}
		if len(c.metaSubs) == 0 {
			c.metaSubs = nil
		}
		c.mu.Unlock()
		for _, k := range r.keys {
			if _, valid := metadataKey(k); !valid {
				w.failLocked(c, "", "METADATA", "KEY_INVALID", "Invalid key", cleanWord(k))
			}
		}
		sendKeyLists(c, rplMetadataUnsubOK, gone)
		c.numeric(rplMetadataEnd, "end of metadata")
	case "SUBS":
		c.mu.Lock()
		subs := slices.Clone(c.metaSubs)
		c.mu.Unlock()
		sendKeyLists(c, rplMetadataSubs, subs)
		c.numeric(rplMetadataEnd, "end of metadata")
	case "SYNC":
		if _, _, ok := w.metadataTargetLocked(c, r.target); !ok {
			return
		}
		w.metadataSyncLocked(c, r.target)
	default:
		w.failLocked(c, "", "METADATA", "SUBCOMMAND_INVALID", "Invalid subcommand", cleanWord(r.sub))
	}
}

// metadataSubLocked subscribes c to keys, in order, up to MetadataMaxSubs,
// then sends the current values of the newly subscribed keys.
func (w *World) metadataSubLocked(c *Client, keys []string) {
	var ok, added []string
	var invalid []string
	full := ""
	c.mu.Lock()
	for _, k := range keys {
		key, valid := metadataKey(k)
		if !valid {
			invalid = append(invalid, cleanWord(k))
			continue
		}
		if !slices.Contains(c.metaSubs, key) {
			if len(c.metaSubs) >= MetadataMaxSubs {
				full = key
				break
			}
			c.metaSubs = append(c.metaSubs, key)
			added = append(added, key)
		}
		if !slices.Contains(ok, key) {
			ok = append(ok, key)
		}
	}
	c.mu.Unlock()
	for _, k := range invalid {
		w.failLocked(c, "", "METADATA", "KEY_INVALID", "Invalid key", k)
	}
	if full != "" {
		w.failLocked(c, "", "METADATA", "TOO_MANY_SUBS", "Too many subscriptions", full)
	}
	sendKeyLists(c, rplMetadataSubOK, ok)
	// The current values of what was just subscribed to.
	for _, u := range w.metaUsersLocked() {
		for _, k := range added {
			if v, set := u.meta()[k]; set {
				c.reply("METADATA", u.nick, k, "*", v)
			}
		}
	}
	for _, k := range added {
		if v, set := w.selfMeta[k]; set {
			c.reply("METADATA", w.nick, k, "*", v)
		}
	}
	c.numeric(rplMetadataEnd, "end of metadata")
}

// metadataSyncLocked sends c the subscribed keys of target as METADATA
// messages.
func (w *World) metadataSyncLocked(c *Client, target string) {
	meta, name := w.selfMeta, w.nick
	if target != "*" && !ircname.Equal(target, w.nick) {
		u, ok := w.userLocked(target)
		if !ok {
			return
		}
		meta, name = u.meta(), u.nick
	}
	c.mu.Lock()
	subs := slices.Clone(c.metaSubs)
	c.mu.Unlock()
	for _, k := range subs {
		if v, set := meta[k]; set {
			c.reply("METADATA", name, k, "*", v)
		}
	}
}

// metadataTargetLocked resolves a METADATA target: "*" or the user's nick
// (the user), a user of the world, or a channel of the world (which has
// no keys). An unknown target gets FAIL INVALID_TARGET and ok false.
func (w *World) metadataTargetLocked(c *Client, target string) (meta map[string]string, name string, ok bool) {
	switch {
	case target == "*" || ircname.Equal(target, w.nick):
		return w.selfMeta, w.nick, true
	case isChannel(target):
		if ch, found := w.channels[ircname.Casefold(target)]; found {
			return nil, ch.name, true
		}
	default:
		if u, found := w.userLocked(target); found {
			return u.meta(), u.nick, true
		}
	}
	w.failLocked(c, "", "METADATA", "INVALID_TARGET", "Invalid target", cleanWord(target))
	return nil, "", false
}

// metaUsersLocked returns the users of the world that have metadata,
// sorted by nick.
func (w *World) metaUsersLocked() []*user {
	var out []*user
	for _, u := range w.users {
		if len(u.meta()) > 0 {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b *user) int { return strings.Compare(ircname.Casefold(a.nick), ircname.Casefold(b.nick)) })
	return out
}

// sendKeyLists sends keys in as few numerics code as fit a line.
func sendKeyLists(c *Client, code string, keys []string) {
	for _, l := range packTokens(keys, maxCapLine) {
		c.numeric(code, l)
	}
}

// SetUserMetadata sets the metadata key of the user nick (the user
// itself when nick is the user's nick) to value; "" removes it. Clients
// subscribed to key that negotiated draft/metadata-2 get a METADATA
// message when the value changes. An invalid key, a value longer than
// MetadataMaxValue and a key beyond MetadataMaxKeys of a user are
// dropped; it reports whether the value was kept.
func (w *World) SetUserMetadata(nick, key, value string) bool {
	key, valid := metadataKey(key)
	if !valid {
		return false
	}
	value = cleanText(value)
	if len(value) > MetadataMaxValue {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var meta *map[string]string
	name := w.nick
	var u *user // the user whose metadata changes, nil for the world's own
	if ircname.Equal(nick, w.nick) {
		meta = &w.selfMeta
	} else {
		var ok bool
		if u, ok = w.userLocked(nick); !ok {
			return false
		}
		if value == "" && u.meta() == nil {
			return true // nothing to remove
		}
		meta, name = u.metaRef(), u.nick
	}
	old, had := (*meta)[key]
	switch {
	case value == "" && !had, value != "" && had && old == value:
		return true
	case value == "":
		delete(*meta, key)
		if len(*meta) == 0 {
			*meta = nil
			if u != nil && u.away() == "" {
				u.ext = nil
			}
		}
	default:
		if !had && len(*meta) >= MetadataMaxKeys {
			return false
		}
		if *meta == nil {
			*meta = make(map[string]string)
		}
		(*meta)[key] = value
	}
	params := []string{name, key, "*"}
	if value != "" {
		params = append(params, value)
	}
	for _, c := range w.clients {
		c.mu.Lock()
		sub := c.caps.has(capMetadata) && slices.Contains(c.metaSubs, key)
		c.mu.Unlock()
		if sub {
			c.reply("METADATA", params...)
		}
	}
	return true
}

// UserMetadata returns the value of the metadata key of the user nick
// (the user itself when nick is the user's nick), "" when not set.
func (w *World) UserMetadata(nick, key string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ircname.Equal(nick, w.nick) {
		return w.selfMeta[key]
	}
	if u, ok := w.userLocked(nick); ok {
		return u.meta()[key]
	}
	return ""
}
