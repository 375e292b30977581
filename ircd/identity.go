package ircd

import (
	"gopkg.in/irc.v4"
)

// The user's identity as the clients see it: nick!ident@host, realname and
// account. A world's backend sets them (SetSelf, SetAccount) before its
// first client attaches, so that 900 (RPL_LOGGEDIN), 001 and every line
// after them agree. A client that learnt another identity first (a guest
// that logs in, so moves to the account's world) is told what changed:
// NICK, CHGHOST (chghost), SETNAME (setname), ACCOUNT (account-notify) and
// 900.

// identity is how a client knows the user.
type identity struct {
	nick, ident, host, realname, account string
}

// SetAccount sets the account the user is logged in to: WHOIS 330,
// extended-join, account-tag and WHOX show it, and the clients attached to
// the world take it as theirs. When it changes while clients are
// attached, those that negotiated account-notify get an ACCOUNT line.
func (w *World) SetAccount(account string) {
	account = cleanWordFast(account)
	w.mu.Lock()
	defer w.mu.Unlock()
	if account == w.account {
		return
	}
	w.account = account
	for _, c := range w.clients {
		c.mu.Lock()
		c.account = account
		c.mu.Unlock()
	}
	if w.nick == "" {
		return
	}
	msg := &irc.Message{Prefix: w.selfPrefixLocked(), Command: "ACCOUNT", Params: []string{firstNonEmpty(account, "*")}, Tags: w.selfTagsLocked()}
	w.broadcastIf(msg, func(c *Client) bool { return c.hasCap(capAccountNotify) })
}

// loginIdentity is the nick!ident@host and account that 900 tells a client
// logging in to w with the nick reqNick: what its welcome and the world's
// lines will say. ident, host and account stand for what the world has not
// set (a backend that sets no identity).
func (w *World) loginIdentity(reqNick, ident, host, account string) (mask, acct string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	nick := w.nick
	if nick == "" && validNick(reqNick) {
		nick = w.freeNickLocked(reqNick) // the nick attach gives the first client
	}
	nick = firstNonEmpty(nick, "*")
	ident = firstNonEmpty(w.ident, firstNonEmpty(ident, "*"))
	host = firstNonEmpty(w.host, host)
	return nick + "!" + ident + "@" + host, firstNonEmpty(w.account, cleanWordFast(account))
}

// sendLoggedIn sends c 900 (RPL_LOGGEDIN) for the account.
func (c *Client) sendLoggedIn(mask, account string) {
	c.numeric(irc.RPL_LOGGEDIN, mask, account, "You are now logged in as "+account)
}

// selfIdentityLocked is the user's identity in w.
func (w *World) selfIdentityLocked() identity {
	return identity{nick: w.nick, ident: w.ident, host: w.host, realname: w.realname, account: w.account}
}

// announceSelfLocked tells c, which knew the user as was, the user's
// identity in w. After a welcome (which gave the nick and user@host) that
// is the account, when the client did not learn it from SASL, and the
// realname, when the client gave another one; a client that moves in from
// another world also gets the nick and user@host.
func (w *World) announceSelfLocked(c *Client, was identity, welcome bool) {
	now := w.selfIdentityLocked()
	if !welcome {
		if was.nick != now.nick {
			c.send(&irc.Message{Prefix: &irc.Prefix{Name: was.nick, User: was.ident, Host: was.host}, Command: "NICK", Params: []string{now.nick}})
		}
		if (was.ident != now.ident || was.host != now.host) && c.hasCap(capChghost) {
			c.send(&irc.Message{Prefix: &irc.Prefix{Name: now.nick, User: was.ident, Host: was.host}, Command: "CHGHOST", Params: []string{now.ident, now.host}})
		}
	}
	if was.account != now.account && now.account != "" {
		// After a PASS login (was has no account) 900 follows the
		// welcome, which must come first.
		if !welcome && c.hasCap(capAccountNotify) {
			c.send(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "ACCOUNT", Params: []string{now.account}})
		}
		c.sendLoggedIn(now.nick+"!"+now.ident+"@"+now.host, now.account)
	}
	if was.realname != now.realname && now.realname != "" && c.hasCap(capSetname) {
		c.send(&irc.Message{Prefix: w.selfPrefixLocked(), Command: "SETNAME", Params: []string{now.realname}})
	}
}

// announceUserLocked tells the clients that share a channel with u (an
// existing user just updated) that its user@host or account changed:
// CHGHOST to those that negotiated chghost, ACCOUNT to those that
// negotiated account-notify. Others see nothing: the next line from u
// carries its new user@host.
func (w *World) announceUserLocked(u *user, oldIdent, oldHost, oldAccount string) {
	hostChanged := oldIdent != u.ident() || oldHost != u.host()
	if !hostChanged && oldAccount == u.account || !w.sharesChannelLocked(u) {
		return
	}
	if hostChanged {
		msg := &irc.Message{Prefix: &irc.Prefix{Name: u.nick, User: oldIdent, Host: oldHost}, Command: "CHGHOST", Params: []string{u.ident(), u.host()}, Tags: u.tags()}
		w.broadcastIf(msg, func(c *Client) bool { return c.hasCap(capChghost) })
	}
	if oldAccount != u.account {
		msg := &irc.Message{Prefix: u.prefix(), Command: "ACCOUNT", Params: []string{firstNonEmpty(u.account, "*")}, Tags: u.tags()}
		w.broadcastIf(msg, func(c *Client) bool { return c.hasCap(capAccountNotify) })
	}
}
