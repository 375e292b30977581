package ircd

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gopkg.in/irc.v4"
)

const (
	saslChunk    = 400
	saslMaxBytes = 8192 // base64 bytes of one SASL response
)

// maxLabelLen is the longest label (labeled-response) echoed. Labels are
// short opaque tokens that clients make (a counter, a UUID); a longer one
// is dropped, as the reply would hold it until the client reads it.
const maxLabelLen = 64

// registration is the state of a client before its welcome. Only the
// reader goroutine touches it.
type registration struct {
	nick, user, realname string
	pass                 *Credentials
	capNegotiating       bool

	saslMech string
	saslBuf  strings.Builder
	saslDone bool   // SASL succeeded
	saslFail int    // failed SASL logins (904 after a complete response)
	world    *World // from SASL
	// saslLater is why the last SASL login was refused for now (not a
	// wrong password): registering then ends with it rather than as a
	// guest, which the client did not come for and would stay as.
	saslLater string

	away *string // AWAY before registration (draft/pre-away)
}

func (c *Client) resetSASL() {
	c.reg.saslMech = ""
	c.reg.saslBuf.Reset()
}

// handleLine runs one command from the client.
func (c *Client) handleLine(ctx context.Context, msg *irc.Message) {
	label := ""
	// A label with control characters is dropped: it would be echoed. So
	// is a long one (maxLabelLen).
	if l, ok := msg.Tags["label"]; ok && l != "" && len(l) <= maxLabelLen && validTagValue(l) && c.hasCap(capLabeledResponse) {
		label = l
	}
	c.startCapture()
	if c.registered {
		c.handleRegistered(ctx, msg)
	} else {
		c.handleUnregistered(ctx, msg)
	}
	c.endCapture(label)
}

func (c *Client) handleUnregistered(ctx context.Context, msg *irc.Message) {
	switch msg.Command {
	case "CAP":
		c.handleCap(ctx, msg)
	case "PASS":
		if len(msg.Params) < 1 || msg.Params[0] == "" {
			c.numeric(irc.ERR_NEEDMOREPARAMS, "PASS", "Not enough parameters")
			return
		}
		c.reg.pass = &Credentials{Password: msg.Params[0]}
	case "NICK":
		nick := msg.Param(0)
		if nick == "" {
			c.numeric(irc.ERR_NONICKNAMEGIVEN, "No nickname given")
			return
		}
		if !validNick(nick) {
			c.numeric(irc.ERR_ERRONEUSNICKNAME, nick, "Erroneous nickname")
			return
		}
		c.reg.nick = nick
		c.mu.Lock()
		c.nick = nick
		c.mu.Unlock()
		c.tryRegister(ctx)
	case "USER":
		if len(msg.Params) < 4 || msg.Params[0] == "" || msg.Params[3] == "" {
			c.numeric(irc.ERR_NEEDMOREPARAMS, "USER", "Not enough parameters")
			return
		}
		c.reg.user = cleanWord(strings.TrimLeft(msg.Params[0], "~"))
		c.reg.realname = truncate(cleanName(msg.Params[3]), realnameLen)
		c.tryRegister(ctx)
	case "AUTHENTICATE":
		c.handleAuthenticate(ctx, msg)
	case "AWAY":
		c.handlePreAway(msg)
	case "PING":
		c.handlePing(msg)
	case "PONG":
	case "QUIT":
		c.quit("Closing link: " + quitText(msg))
	default:
		c.numeric(irc.ERR_NOTREGISTERED, "You have not registered")
	}
}

func quitText(msg *irc.Message) string {
	if t := msg.Param(0); t != "" {
		return "Quit: " + t
	}
	return "Client Quit"
}

func (c *Client) handlePing(msg *irc.Message) {
	if len(msg.Params) == 0 {
		c.numeric(irc.ERR_NEEDMOREPARAMS, "PING", "Not enough parameters")
		return
	}
	c.reply("PONG", c.srv.cfg.ServerName, msg.Params[0])
}

// handleAuthenticate runs SASL PLAIN (the only mechanism).
func (c *Client) handleAuthenticate(ctx context.Context, msg *irc.Message) {
	if !c.hasCap(capSASL) {
		c.numeric(irc.ERR_SASLFAIL, "SASL authentication failed: the sasl capability is not enabled")
		return
	}
	if c.registered || c.reg.saslDone {
		c.numeric(irc.ERR_SASLALREADY, "You have already authenticated using SASL")
		return
	}
	if len(msg.Params) < 1 || msg.Params[0] == "" {
		c.numeric(irc.ERR_NEEDMOREPARAMS, "AUTHENTICATE", "Not enough parameters")
		return
	}
	arg := msg.Params[0]
	if arg == "*" {
		if c.reg.saslMech == "" {
			c.numeric(irc.ERR_SASLFAIL, "SASL authentication failed")
			return
		}
		c.resetSASL()
		c.numeric(irc.ERR_SASLABORTED, "SASL authentication aborted")
		return
	}
	if c.reg.saslMech == "" {
		if strings.ToUpper(arg) != "PLAIN" {
			c.numeric(irc.RPL_SASLMECHS, "PLAIN", "are available SASL mechanisms")
			c.numeric(irc.ERR_SASLFAIL, "SASL authentication failed")
			return
		}
		c.reg.saslMech = "PLAIN"
		c.reply("AUTHENTICATE", "+")
		return
	}
	if len(arg) > saslChunk {
		c.resetSASL()
		c.numeric(irc.ERR_SASLTOOLONG, "SASL message too long")
		return
	}
	if arg != "+" {
		c.reg.saslBuf.WriteString(arg)
	}
	if c.reg.saslBuf.Len() > saslMaxBytes {
		c.resetSASL()
		c.numeric(irc.ERR_SASLTOOLONG, "SASL message too long")
		return
	}
	if len(arg) == saslChunk {
		return // more to come
	}
	payload := c.reg.saslBuf.String()
	c.resetSASL()
	creds, err := decodePlain(payload)
	creds.Source = c.Source()
	if err != nil {
		c.saslFailed("SASL authentication failed: " + err.Error())
		return
	}
	actx, cancel := context.WithTimeout(ctx, authTimeout)
	w, err := c.srv.backend.Authenticate(actx, creds)
	cancel()
	if err != nil || w == nil {
		text := "SASL authentication failed"
		if err != nil {
			text += ": " + err.Error()
		}
		c.logAt(slog.LevelInfo, "SASL login failed", slog.Any("creds", creds), slog.Any("err", err))
		c.reg.saslLater = ""
		if err != nil && !errors.Is(err, ErrBadCredentials) {
			c.reg.saslLater = err.Error()
		}
		c.saslFailed(text)
		return
	}
	c.reg.saslDone = true
	c.reg.world = w
	mask, account := w.loginIdentity(firstNonEmpty(c.reg.nick, c.Nick()), identFrom(c.reg.user), c.host, creds.Account)
	c.mu.Lock()
	c.account = account
	c.mu.Unlock()
	c.sendLoggedIn(mask, account)
	c.numeric(irc.RPL_SASLSUCCESS, "SASL authentication successful")
}

// maxSASLFailures is how many failed SASL logins a connection may make
// before it is disconnected: guessing passwords takes a new connection
// every few tries.
const maxSASLFailures = 3

// saslFailed answers a failed SASL login with 904 text, and disconnects
// the client at its last try.
func (c *Client) saslFailed(text string) {
	c.numeric(irc.ERR_SASLFAIL, text)
	c.reg.saslFail++
	if c.reg.saslFail >= maxSASLFailures {
		c.quit("Too many failed logins")
	}
}

// decodePlain decodes a SASL PLAIN response: authzid NUL authcid NUL password.
func decodePlain(payload string) (Credentials, error) {
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return Credentials{}, errors.New("invalid base64")
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 {
		return Credentials{}, errors.New("invalid PLAIN response")
	}
	authz, authc, pass := parts[0], parts[1], parts[2]
	if authc == "" {
		return Credentials{}, errors.New("empty authentication identity")
	}
	if authz != "" && authz != authc {
		return Credentials{}, errors.New("authorization identity must match")
	}
	return Credentials{Account: authc, Password: pass, SASL: true}, nil
}

// splitPass reads PASS as address:password. A password alone is paired with
// the USER name when that is an address; otherwise it has no account: what
// comes before a ':' in it is not an address, and may be a part of the
// password, which the log must not show as the account.
func splitPass(pass, user string) Credentials {
	if i := strings.IndexByte(pass, ':'); i > 0 && strings.Contains(pass[:i], "@") {
		return Credentials{Account: pass[:i], Password: pass[i+1:]}
	}
	if strings.Contains(user, "@") {
		return Credentials{Account: user, Password: pass}
	}
	return Credentials{Password: pass}
}

// tryRegister completes registration once NICK and USER are in and CAP
// negotiation is over: it logs in (PASS) or asks for a guest world, then
// sends the welcome and attaches the client.
func (c *Client) tryRegister(ctx context.Context) {
	if c.registered || c.reg.capNegotiating || c.reg.nick == "" || c.reg.user == "" {
		return
	}
	// Counted before the PASS login, which a refused client is not worth.
	if !c.srv.limits.joinRegistered(c) {
		c.logAt(slog.LevelInfo, "too many registered connections from the address")
		c.quit(tooManyRegistered)
		return
	}
	w := c.reg.world
	// The account a client learnt before its welcome: SASL's 900. After a
	// PASS login, 900 follows the welcome (see announceSelfLocked).
	knownAccount := c.Account()
	if w == nil && c.reg.pass != nil {
		creds := splitPass(c.reg.pass.Password, c.reg.user)
		creds.Source = c.Source()
		c.reg.pass = nil
		actx, cancel := context.WithTimeout(ctx, authTimeout)
		var err error
		w, err = c.srv.backend.Authenticate(actx, creds)
		cancel()
		if err != nil || w == nil {
			text := "Password incorrect"
			if err != nil {
				text = err.Error()
			}
			c.logAt(slog.LevelInfo, "PASS login failed", slog.Any("creds", creds), slog.Any("err", err))
			if err != nil && !errors.Is(err, ErrBadCredentials) {
				c.quit("Login refused for now: " + text)
				return
			}
			c.numeric(irc.ERR_PASSWDMISMATCH, text)
			c.quit("Bad password: " + text)
			return
		}
		c.mu.Lock()
		c.account = cleanWordFast(creds.Account)
		c.mu.Unlock()
	}
	if w == nil && c.reg.saslLater != "" {
		c.quit("Login refused for now: " + c.reg.saslLater)
		return
	}
	if w == nil {
		// Counted before the welcome, so that a refused guest gets no world.
		if !c.srv.limits.joinGuest(c) {
			c.logAt(slog.LevelInfo, "too many guests from the address")
			c.quit(tooManyGuests)
			return
		}
		actx, cancel := context.WithTimeout(ctx, authTimeout)
		var err error
		w, err = c.srv.backend.Guest(actx)
		cancel()
		if err != nil || w == nil {
			c.logAt(slog.LevelWarn, "no guest world", slog.Any("err", err))
			text := "Service unavailable"
			if err != nil {
				text += ": " + err.Error()
			}
			c.quit(text)
			return
		}
	}
	c.reg.world = nil
	if c.hasCap(capReadMarker) {
		w.prefetchMarkers(ctx, c, w.channelNames())
	}
	was := identity{nick: c.reg.nick, ident: identFrom(c.reg.user), host: c.host, realname: c.reg.realname, account: knownAccount}
	if err := w.attach(c, was, true); err != nil {
		c.quit(err.Error())
		return
	}
	c.registered = true
	c.srv.limits.leaveUnregistered(c.src)
	if c.srv.limits.isGuest(c) {
		c.guestUntil = time.Now().Add(c.srv.cfg.GuestTimeout)
	}
	away := c.reg.away
	c.reg = nil // nothing of it is needed any more
	c.logAt(slog.LevelInfo, "registered", slog.String("nick", c.Nick()), slog.String("account", c.Account()))
	hctx, cancel := context.WithTimeout(ctx, handleTimeout)
	defer cancel()
	w.h.Attached(hctx, c)
	c.applyPreAway(ctx, w, away)
}

// sendWelcome sends 001-005, LUSERS and the MOTD, with nick as <client>.
// n holds the world's counts for LUSERS.
func (c *Client) sendWelcome(nick, userhost string, n lusers) {
	s := c.srv
	cfg := &s.cfg
	c.reply(irc.RPL_WELCOME, nick, "Welcome to the "+cfg.Network+" Network, "+nick+"!"+userhost)
	c.reply(irc.RPL_YOURHOST, nick, "Your host is "+cfg.ServerName+", running version "+cfg.Version)
	c.reply(irc.RPL_CREATED, nick, "This server was created "+s.created.UTC().Format("Mon Jan 2 2006 at 15:04:05 UTC"))
	c.reply(irc.RPL_MYINFO, nick, cfg.ServerName, cfg.Version, "iB", "bnotv", "bov")
	c.sendISupport(nick)
	c.sendLusers(nick, n)
	c.sendMOTD(nick)
}

func (c *Client) sendISupport(nick string) {
	for _, line := range c.srv.support {
		params := append([]string{nick}, line...)
		params = append(params, "are supported by this server")
		c.reply(irc.RPL_ISUPPORT, params...)
	}
}

// sendLusers sends the LUSERS numerics: counts of the server's IRC
// connections (never who they are: a login learns nothing of another) and
// the channels of the client's world.
func (c *Client) sendLusers(nick string, n lusers) {
	total := strconv.Itoa(n.visible + n.invisible)
	peak := strconv.Itoa(n.peak)
	c.reply(irc.RPL_LUSERCLIENT, nick, "There are "+strconv.Itoa(n.visible)+" users and "+strconv.Itoa(n.invisible)+" invisible on 1 servers")
	c.reply(irc.RPL_LUSEROP, nick, "0", "operator(s) online")
	c.reply(irc.RPL_LUSERUNKNOWN, nick, strconv.Itoa(n.unregistered), "unknown connection(s)")
	c.reply(irc.RPL_LUSERCHANNELS, nick, strconv.Itoa(n.channels), "channels formed")
	c.reply(irc.RPL_LUSERME, nick, "I have "+total+" clients and 0 servers")
	c.reply(rplLocalUsers, nick, total, peak, "Current local users "+total+", max "+peak)
	c.reply(rplGlobalUsers, nick, total, peak, "Current global users "+total+", max "+peak)
}

func (c *Client) sendMOTD(nick string) {
	cfg := &c.srv.cfg
	if len(cfg.MOTD) == 0 {
		c.reply(irc.ERR_NOMOTD, nick, "MOTD File is missing")
		return
	}
	c.reply(irc.RPL_MOTDSTART, nick, "- "+cfg.ServerName+" Message of the day - ")
	for _, l := range cfg.MOTD {
		c.reply(irc.RPL_MOTD, nick, "- "+l)
	}
	c.reply(irc.RPL_ENDOFMOTD, nick, "End of /MOTD command.")
}

// identFrom makes a USER name usable as the ident of nick!ident@host: the
// part before any '@' (USER may carry the MSN address), at most userLen bytes.
func identFrom(user string) string {
	if i := strings.IndexByte(user, '@'); i > 0 {
		user = user[:i]
	}
	return truncate(strings.ReplaceAll(user, "!", "_"), userLen)
}
