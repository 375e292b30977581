package bridge

import (
	"context"
	"strings"
	"sync"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
)

// guest is the world of a client that registered without credentials: only
// the service user, who explains how to log in.
type guest struct {
	b *Bridge
	w *ircd.World

	mu       sync.Mutex
	failures map[*ircd.Client]int // refused login commands per connection
}

// maxGuestFailures is how many refused login commands a connection may
// send before it is disconnected.
const maxGuestFailures = 3

// failed counts a refused login of c and reports whether c had its last try.
func (g *guest) failed(c *ircd.Client) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failures == nil {
		g.failures = map[*ircd.Client]int{}
	}
	g.failures[c]++
	return g.failures[c] >= maxGuestFailures
}

var (
	_ ircd.Handler       = (*guest)(nil)
	_ ircd.SecretChecker = (*guest)(nil)
	_ ircd.WhoisInfoer   = (*guest)(nil)
)

func newGuest(b *Bridge) *ircd.World {
	g := &guest{b: b}
	g.w = b.srv.NewWorld(g)
	g.w.SetUser(serviceUser(b.cfg.ServerName))
	return g.w
}

func (g *guest) say(text string) {
	g.w.Deliver(ircd.Message{Command: "PRIVMSG", From: mapping.ServiceNick, Text: text})
}

func (g *guest) Attached(ctx context.Context, c *ircd.Client) {
	g.say("You are not signed in to MSN. Sign in with: /msg msn login <address> <password>")
	g.say("Or reconnect with the server password address:password, or SASL PLAIN.")
}

func (g *guest) Detached(ctx context.Context, c *ircd.Client) {
	g.mu.Lock()
	delete(g.failures, c)
	g.mu.Unlock()
	if g.w.ClientCount() == 0 {
		g.w.Close("")
	}
}

// WhoisInfo gives the service user's WHOIS line.
func (g *guest) WhoisInfo(ctx context.Context, c *ircd.Client, nick string) []string {
	if mapping.Casefold(nick) == mapping.ServiceNick {
		return serviceWhois
	}
	return nil
}

// Secret keeps login commands (with their password) from being echoed or
// logged.
func (g *guest) Secret(m ircd.Message) bool { return secretCommand(m) }

func (g *guest) Message(ctx context.Context, c *ircd.Client, m ircd.Message) error {
	if mapping.Casefold(m.Target) != mapping.Casefold(mapping.ServiceNick) {
		return &ircd.Reply{Code: irc.ERR_NOSUCHNICK, Params: []string{m.Target}, Text: "No such nick"}
	}
	if m.Command != "PRIVMSG" {
		return nil
	}
	_, fields := commandFields(m.Text)
	if len(fields) == 0 {
		return nil
	}
	switch strings.ToLower(fields[0]) {
	case "login":
		if len(fields) != 3 {
			g.say("Usage: login <address> <password>")
			return nil
		}
		g.say("Signing in to MSN as " + shorten(fields[1], 80) + "...")
		// ircd gives Message no deadline: the login's own, and the time
		// its first sync may take, as a PASS login has.
		ctx, cancel := context.WithTimeout(ctx, g.b.cfg.LoginTimeout+messageTimeout)
		defer cancel()
		w, err := g.b.Authenticate(ctx, ircd.Credentials{Account: fields[1], Password: fields[2], Source: c.Source()})
		if err != nil {
			g.say(err.Error())
			if g.failed(c) {
				c.Disconnect("Too many failed logins")
			}
			return nil
		}
		if err := g.w.Transfer(c, w); err != nil {
			g.say("Could not move to the MSN world: " + err.Error())
		}
		return nil
	case "help":
		g.say("Sign in with: /msg msn login <address> <password>. Once signed in, \"help\" lists every command.")
	default:
		g.say("You are not signed in to MSN. Sign in with: /msg msn login <address> <password>")
	}
	return nil
}

func (g *guest) Join(ctx context.Context, c *ircd.Client, channel string) error {
	return &ircd.Reply{Code: irc.ERR_NOSUCHCHANNEL, Params: []string{channel}, Text: "Sign in to MSN first: /msg msn login <address> <password>"}
}

func (g *guest) Part(ctx context.Context, c *ircd.Client, channel, reason string) error {
	return &ircd.Reply{Code: irc.ERR_NOTONCHANNEL, Params: []string{channel}, Text: "You're not on that channel"}
}

func (g *guest) Invite(ctx context.Context, c *ircd.Client, nick, channel string) error {
	return &ircd.Reply{Code: irc.ERR_NOSUCHNICK, Params: []string{nick}, Text: "No such nick"}
}

func (g *guest) Kick(ctx context.Context, c *ircd.Client, channel, nick, reason string) error {
	return &ircd.Reply{Code: irc.ERR_NOTONCHANNEL, Params: []string{channel}, Text: "You're not on that channel"}
}

func (g *guest) Topic(ctx context.Context, c *ircd.Client, channel, topic string) error {
	return &ircd.Reply{Code: irc.ERR_NOTONCHANNEL, Params: []string{channel}, Text: "You're not on that channel"}
}

func (g *guest) Away(ctx context.Context, c *ircd.Client, text string) error { return nil }

func (g *guest) Realname(ctx context.Context, c *ircd.Client, name string) error { return nil }

func (g *guest) NickChanged(ctx context.Context, c *ircd.Client, oldNick, newNick string) {}
