package ircd

import (
	"context"
	"sort"
	"strings"
	"time"

	"gopkg.in/irc.v4"
)

func handleVersion(_ context.Context, c *Client, _ *World, _ *irc.Message) {
	nick := c.Nick()
	cfg := &c.srv.cfg
	c.reply(irc.RPL_VERSION, nick, cfg.Version, cfg.ServerName, "IRC gateway for "+cfg.Network)
	c.sendISupport(nick)
}

func handleTime(_ context.Context, c *Client, _ *World, _ *irc.Message) {
	c.numeric(irc.RPL_TIME, c.srv.cfg.ServerName, time.Now().Format(time.RFC1123))
}

func handleInfo(_ context.Context, c *Client, _ *World, _ *irc.Message) {
	cfg := &c.srv.cfg
	for _, l := range []string{
		cfg.ServerName + " " + cfg.Version,
		"An IRC server that shows one " + cfg.Network + " account per login.",
		"Started " + c.srv.created.UTC().Format(time.RFC1123),
	} {
		c.numeric(rplInfo, l)
	}
	c.numeric(rplEndOfInfo, "End of /INFO list")
}

// helpTopics is the text of HELP, by topic.
var helpTopics = map[string][]string{
	"*": {
		"Commands: " + strings.Join(commandNames(), " "),
		"Use HELP <command> for more about one command.",
	},
	"AWAY":     {"AWAY [:text]  Mark yourself away with text, or back without."},
	"INVITE":   {"INVITE <nick> <channel>  Invite a user to a channel."},
	"JOIN":     {"JOIN <channel>  Join or start a channel."},
	"KICK":     {"KICK <channel> <nick> [:reason]  Remove a user from a channel."},
	"MONITOR":  {"MONITOR +|- <nicks>, MONITOR C|L|S  Follow whether users are online."},
	"NICK":     {"NICK <nick>  Change your nick."},
	"PART":     {"PART <channel> [:reason]  Leave a channel."},
	"PRIVMSG":  {"PRIVMSG <target> :<text>  Send a message to a user or channel."},
	"SETNAME":  {"SETNAME :<realname>  Change your real name."},
	"TOPIC":    {"TOPIC <channel> [:text]  Show or set a channel topic."},
	"WHOIS":    {"WHOIS <nick>  Show information about a user."},
	"WHO":      {"WHO <channel|mask> [%fields[,token]]  List users (WHOX with %)."},
	"LIST":     {"LIST [channels|masks|!masks|>n|<n]  List your channels."},
	"MODE":     {"MODE <nick> [+|-iB], MODE <channel>  Show or set modes (B: you are a bot)."},
	"NOTICE":   {"NOTICE <target> :<text>  Send a notice."},
	"ISON":     {"ISON <nicks>  Show which nicks are online."},
	"USERHOST": {"USERHOST <nicks>  Show user@host of nicks."},
}

func commandNames() []string {
	names := []string{"ADMIN", "AWAY", "CAP", "HELP", "INFO", "INVITE", "ISON", "JOIN", "KICK", "LINKS",
		"LIST", "LUSERS", "MODE", "MONITOR", "MOTD", "NAMES", "NICK", "NOTICE", "OPER", "PART", "PING",
		"PRIVMSG", "QUIT", "SETNAME", "STATS", "TAGMSG", "TIME", "TOPIC", "USERHOST", "USERS", "VERSION",
		"WHO", "WHOIS", "WHOWAS"}
	sort.Strings(names)
	return names
}

func handleHelp(_ context.Context, c *Client, _ *World, msg *irc.Message) {
	topic := strings.ToUpper(msg.Param(0))
	key := topic
	if key == "" {
		key, topic = "*", "*"
	}
	lines, ok := helpTopics[key]
	if !ok {
		c.numeric(errHelpNotFound, cleanWord(topic), "No help available on this topic")
		return
	}
	c.numeric(rplHelpStart, topic, lines[0])
	for _, l := range lines[1:] {
		c.numeric(rplHelpTxt, topic, l)
	}
	c.numeric(rplEndOfHelp, topic, "End of /HELP")
}
