package ircd

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/irc.v4"
)

// capabilities lists the IRCv3 capabilities the server offers, with their
// CAP LS 302 values.
var capabilities = map[string]string{
	"account-notify": "",
	"account-tag":    "",
	"away-notify":    "",
	"batch":          "",
	"cap-notify":     "",
	"chghost":        "",
	// draft/chathistory and draft/read-marker are offered by every
	// server: the cap list is the same for all connections and is sent
	// before a client has a world. A world whose Handler keeps no
	// history (not a Historian) answers CHATHISTORY and MARKREAD with
	// a FAIL.
	"draft/chathistory": "",
	// draft/metadata-2: users' keys (a contact's avatar) to read and
	// subscribe to; metadata.go.
	"draft/metadata-2":  "max-subs=" + strconv.Itoa(MetadataMaxSubs),
	"draft/pre-away":    "",
	"draft/read-marker": "",
	"echo-message":      "",
	"extended-join":     "",
	"extended-monitor":  "",
	"invite-notify":     "",
	"labeled-response":  "",
	"message-tags":      "",
	"multi-prefix":      "",
	"sasl":              "PLAIN",
	"server-time":       "",
	"setname":           "",
	"standard-replies":  "",
	"userhost-in-names": "",
	// znc.in/self-message: the user's own messages sent from elsewhere
	// (another MSN endpoint) are shown, as echo-message shows them.
	"znc.in/self-message": "",
}

var capNames = func() []string {
	names := make([]string, 0, len(capabilities))
	for n := range capabilities {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}()

// capBitSet is a set of IRCv3 capabilities, one bit each.
type capBitSet uint32

// The capabilities the server offers, in the order of capNames.
const (
	capAccountNotify capBitSet = 1 << iota
	capAccountTag
	capAwayNotify
	capBatch
	capCapNotify
	capChghost
	capChathistory
	capMetadata
	capPreAway
	capReadMarker
	capEchoMessage
	capExtendedJoin
	capExtendedMonitor
	capInviteNotify
	capLabeledResponse
	capMessageTags
	capMultiPrefix
	capSASL
	capServerTime
	capSetname
	capStandardReplies
	capUserhostInNames
	capSelfMessage
)

func (s capBitSet) has(c capBitSet) bool { return s&c != 0 }

// capBits maps a capability's name to its bit.
var capBits = func() map[string]capBitSet {
	m := make(map[string]capBitSet, len(capNames))
	for i, n := range capNames {
		m[n] = 1 << i
	}
	return m
}()

// maxCapLine is the budget for the caps of one CAP LS line, leaving room for
// the source, command and other parameters within 512 bytes.
var maxCapLine = 400

func (c *Client) handleCap(ctx context.Context, msg *irc.Message) {
	nick := c.Nick()
	sub := strings.ToUpper(msg.Param(0))
	switch sub {
	case "LS":
		v := 0
		if p := msg.Param(1); p != "" {
			v, _ = strconv.Atoi(p)
		}
		c.mu.Lock()
		if v > int(c.capVersion) {
			c.capVersion = int32(min(v, 1<<30))
		}
		if c.capVersion >= 302 {
			c.caps |= capCapNotify
		}
		version := c.capVersion
		c.mu.Unlock()
		if !c.registered {
			c.reg.capNegotiating = true
		}
		var tokens []string
		for _, n := range capNames {
			if val := capabilities[n]; val != "" && version >= 302 {
				tokens = append(tokens, n+"="+val)
			} else {
				tokens = append(tokens, n)
			}
		}
		lines := packTokens(tokens, maxCapLine)
		if version < 302 {
			c.reply("CAP", nick, "LS", strings.Join(tokens, " "))
			return
		}
		for i, l := range lines {
			if i < len(lines)-1 {
				c.reply("CAP", nick, "LS", "*", l)
			} else {
				c.reply("CAP", nick, "LS", l)
			}
		}
		if len(lines) == 0 {
			c.reply("CAP", nick, "LS", "")
		}
	case "LIST":
		c.mu.Lock()
		var on []string
		for _, n := range capNames {
			if c.caps.has(capBits[n]) {
				on = append(on, n)
			}
		}
		c.mu.Unlock()
		c.reply("CAP", nick, "LIST", strings.Join(on, " "))
	case "REQ":
		if len(msg.Params) < 2 {
			c.numeric(irc.ERR_NEEDMOREPARAMS, "CAP", "Not enough parameters")
			return
		}
		if !c.registered {
			c.reg.capNegotiating = true
		}
		req := msg.Params[1]
		changes := map[string]bool{}
		ok := true
		for _, tok := range strings.Fields(req) {
			on := true
			if strings.HasPrefix(tok, "-") {
				on = false
				tok = tok[1:]
			}
			if _, known := capabilities[tok]; !known {
				ok = false
				break
			}
			changes[tok] = on
		}
		if !ok || len(changes) == 0 {
			c.reply("CAP", nick, "NAK", req)
			return
		}
		c.mu.Lock()
		if c.capVersion >= 302 && !changes["cap-notify"] {
			if _, off := changes["cap-notify"]; off {
				// cap-notify cannot be disabled after CAP LS 302.
				c.mu.Unlock()
				c.reply("CAP", nick, "NAK", req)
				return
			}
		}
		for n, on := range changes {
			if on {
				c.caps |= capBits[n]
			} else {
				c.caps &^= capBits[n]
			}
		}
		c.mu.Unlock()
		c.reply("CAP", nick, "ACK", req)
	case "END":
		if c.registered {
			return
		}
		c.reg.capNegotiating = false
		if c.reg.saslMech != "" {
			c.resetSASL()
			c.numeric(irc.ERR_SASLABORTED, "SASL authentication aborted")
		}
		c.tryRegister(ctx)
	case "ACK", "NAK", "NEW", "DEL":
		// Nothing to do: clients do not send these.
	default:
		if sub == "" {
			sub = "*"
		}
		c.numeric(irc.ERR_INVALIDCAPCMD, sub, "Invalid CAP command")
	}
}

// packTokens joins tokens with spaces into lines of at most max bytes.
func packTokens(tokens []string, max int) []string {
	var lines []string
	var b strings.Builder
	for _, t := range tokens {
		if b.Len() > 0 && b.Len()+1+len(t) > max {
			lines = append(lines, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	if b.Len() > 0 {
		lines = append(lines, b.String())
	}
	return lines
}
