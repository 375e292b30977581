package ircd

import (
	"strings"

	"gopkg.in/irc.v4"
)

// user is a User as the world keeps it, kept small because a world holds
// one per contact: the ident and host are read from the account when it
// is ident@host, and what few users have (another ident or host, Info)
// is in more.
type user struct {
	nick     string
	account  string
	realname string
	away     string
	more     *userMore
	online   bool
	bot      bool
	ghost    bool // a channel member who is not a user of the world
}

// userMore is the part of a user that most users do without.
type userMore struct {
	ident, host string
	info        []string
}

// memberFlags are a member's modes in a channel.
type memberFlags uint8

const (
	memberOp memberFlags = 1 << iota
	memberVoice
)

func flagsOf(m Member) memberFlags {
	var f memberFlags
	if m.Op {
		f |= memberOp
	}
	if m.Voice {
		f |= memberVoice
	}
	return f
}

func (f memberFlags) op() bool    { return f&memberOp != 0 }
func (f memberFlags) voice() bool { return f&memberVoice != 0 }

// set copies a sanitized User into u, keeping u's identity.
func (u *user) set(v *User) {
	u.nick, u.account, u.realname, u.away = v.Nick, v.Account, v.Realname, v.Away
	u.online, u.bot = v.Online, v.Bot
	if accountIs(v.Account, v.Ident, v.Host) && len(v.Info) == 0 {
		u.more = nil
		return
	}
	u.more = &userMore{ident: v.Ident, host: v.Host, info: v.Info}
}

// accountIs reports whether account is ident@host, with no '@' in ident.
func accountIs(account, ident, host string) bool {
	return len(account) == len(ident)+1+len(host) && account[len(ident)] == '@' &&
		strings.HasPrefix(account, ident) && strings.HasSuffix(account, host) &&
		strings.IndexByte(ident, '@') < 0
}

func (u *user) ident() string {
	if u.more != nil {
		return u.more.ident
	}
	return u.account[:strings.IndexByte(u.account, '@')]
}

func (u *user) host() string {
	if u.more != nil {
		return u.more.host
	}
	return u.account[strings.IndexByte(u.account, '@')+1:]
}

// infoLines returns the user's extra WHOIS lines.
func (u *user) infoLines() []string {
	if u.more == nil {
		return nil
	}
	return u.more.info
}

// hasInfo reports whether the user has Info.
func (u *user) hasInfo() bool {
	return u.more != nil && len(u.more.info) > 0
}

// export returns u as a User.
func (u *user) export() User {
	v := User{Nick: u.nick, Ident: u.ident(), Host: u.host(), Realname: u.realname, Account: u.account,
		Away: u.away, Online: u.online, Bot: u.bot}
	if u.more != nil {
		v.Info = u.more.info
	}
	return v
}

// prefix is nick!ident@host of the user.
func (u *user) prefix() *irc.Prefix {
	return &irc.Prefix{Name: u.nick, User: u.ident(), Host: u.host()}
}
