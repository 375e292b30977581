package ircd

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"
)

// Config configures a Server.
type Config struct {
	ServerName string   // source of server messages and numerics; "msn2irc" when empty
	Network    string   // NETWORK in ISUPPORT; "MSN" when empty
	Version    string   // shown by VERSION and 004
	MOTD       []string // lines of the message of the day; 422 when empty
	Logger     *slog.Logger

	// Limits; zero means the default.
	RegistrationTimeout time.Duration // 30s
	PingInterval        time.Duration // idle time before the server PINGs a client, 90s
	PingTimeout         time.Duration // time to answer that PING, 60s
	SendQueue           int           // lines queued per client before it is dropped, 4096 (a slice: an idle client holds none)
	SendQueueBytes      int           // bytes of those lines, 4 MiB: 1 KiB a line, which only lines with long tags reach first
	WriteTimeout        time.Duration // 10s
	MonitorLimit        int           // MONITOR entries per client, 1000
	HistoryLimit        int           // most messages (and targets) one CHATHISTORY returns, CHATHISTORY= in ISUPPORT, 100
	MaxChannels         int           // channels open in a world at once that JOIN may add to (405 past it), CHANLIMIT= in ISUPPORT, 100
	// A client's queries (commands that read rather than send: WHO,
	// WHOIS, NAMES, LIST, CHATHISTORY, MARKREAD and the like; some read
	// the Historian's store): QueryBurst at once, then one per
	// QueryInterval; a client that asks faster waits for its turn, and
	// its next lines with it.
	QueryInterval time.Duration // 50ms (20 a second)
	QueryBurst    int           // 100

	// FileHost is the URL clients upload files to (soju.im/FILEHOST in
	// ISUPPORT); empty advertises none.
	FileHost string

	// Connection limits; zero means the default. Over one, a connection
	// gets an ERROR line and is closed.
	UnregisteredPerAddress int           // connections not yet welcomed per source address, 10
	UnregisteredMax        int           // connections not yet welcomed in total, 1000
	GuestsPerAddress       int           // guests (welcomed without credentials, not logged in since) per source address, 3
	RegisteredPerAddress   int           // connections welcomed (logged in or guests) per source address, 20
	GuestTimeout           time.Duration // time from its welcome after which a guest is disconnected, 5m
	// TrustedNets are sources that carry many users (a bouncer host, a
	// proxy): the per-address limits skip them; the total still applies.
	TrustedNets []netip.Prefix
}

// Credentials are what a client presented during registration: PASS, or SASL
// PLAIN (authcid and password). They are never logged.
type Credentials struct {
	Account  string
	Password string
	SASL     bool
	// Source is the IP address the client connected from (Client.Source);
	// the zero Addr when unknown (a pipe in tests).
	Source netip.Addr
}

// LogValue keeps the password out of logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("account", c.Account), slog.Bool("sasl", c.SASL))
}

// ErrBadCredentials is what an Authenticate error wraps when the
// credentials themselves were refused (a wrong address or password). A
// PASS login then gets 464, which bouncers take as final: soju stops
// reconnecting to the network until the user changes it. Any other error
// (a limit, a server out of reach) refuses the login for now: ERROR alone,
// after which clients and bouncers reconnect as after any lost connection.
var ErrBadCredentials = errors.New("wrong address or password")

// Backend is what the server asks of the program that draws the worlds (the
// bridge). Its methods are called from client goroutines and may block until
// ctx is done.
type Backend interface {
	// Authenticate checks credentials given with PASS or SASL PLAIN, before
	// the welcome, and returns the world the client attaches to. Its error
	// text is shown to the user: 904 for SASL; for PASS, 464 and ERROR when
	// it wraps ErrBadCredentials, ERROR alone otherwise.
	Authenticate(ctx context.Context, creds Credentials) (*World, error)
	// Guest returns the world of a client that registered without credentials.
	Guest(ctx context.Context) (*World, error)
}

// Handler receives what the user does in one world. Methods are called from
// the goroutine of the client that did it, after ircd checked the command
// (the target exists, the parameters are there). A returned *Reply is sent to
// that client; any other error is sent as a FAIL (standard-replies) or NOTICE.
// Each call gets a context.WithTimeout of 30 seconds under the connection's
// context, cancelled when the call returns: work that goes on after the
// call must not use it. Message, called for every line a user types, gets
// the connection's context itself, without a timeout: a Message that waits
// bounds its wait itself. Meanwhile the lines the client gets as a
// recipient (messages, the world's announcements) are held for it within the bounds of its send queue
// (Config.SendQueue, SendQueueBytes); past them it is dropped.
type Handler interface {
	// Attached: a client finished its burst. Detached: it left the world.
	Attached(ctx context.Context, c *Client)
	Detached(ctx context.Context, c *Client)
	// Message is a PRIVMSG, NOTICE or TAGMSG to a user of the world (other than
	// the user) or to one of its channels. Echoes (echo-message, and copies to
	// the user's other clients) are already sent.
	Message(ctx context.Context, c *Client, m Message) error
	// Join is /JOIN of a channel the user is not in.
	Join(ctx context.Context, c *Client, channel string) error
	// Part is /PART of a channel the user is in.
	Part(ctx context.Context, c *Client, channel, reason string) error
	// Invite is /INVITE nick channel.
	Invite(ctx context.Context, c *Client, nick, channel string) error
	// Kick is /KICK channel nick.
	Kick(ctx context.Context, c *Client, channel, nick, reason string) error
	// Topic is /TOPIC channel text.
	Topic(ctx context.Context, c *Client, channel, topic string) error
	// Away is /AWAY: text "" means back. ircd already answered 305/306.
	Away(ctx context.Context, c *Client, text string) error
	// Realname is SETNAME. ircd already updated the user's realname.
	Realname(ctx context.Context, c *Client, name string) error
	// NickChanged reports the user's new nick (already applied and announced).
	NickChanged(ctx context.Context, c *Client, oldNick, newNick string)
}

// WhoisInfoer is a Handler that gives the extra WHOIS lines (320) of its
// users: they are asked for when a client sends WHOIS rather than kept
// with every user, so that an idle world holds none. WhoisInfo is called
// from the goroutine of the client that sent WHOIS, without the world
// locked; nick is the user's nick. It may block until ctx is done; the
// lines it returns (none for nil) are cleaned for one IRC line each and
// split to fit.
type WhoisInfoer interface {
	WhoisInfo(ctx context.Context, c *Client, nick string) []string
}

// SecretChecker is a Handler that knows which of the user's messages carry a
// secret, such as a login command with a password: such a message is not
// echoed (echo-message, copies to the user's other clients) and its text is
// not logged. Secret is called from any goroutine, with only Command,
// Target (as the client wrote it) and Text set; it must not block or use the
// world.
type SecretChecker interface {
	Secret(m Message) bool
}

// Reply is an error a Handler returns to answer with a numeric, e.g.
// &Reply{Code: irc.ERR_NOSUCHNICK, Params: []string{"bob"}, Text: "No such nick"}.
// The client's nick is put first by ircd.
type Reply struct {
	Code   string
	Params []string
	Text   string
}

func (r *Reply) Error() string { return r.Code + " " + r.Text }

// User is someone the world shows besides the user: a contact, the service user.
type User struct {
	Nick     string
	Ident    string
	Host     string
	Realname string
	Account  string // WHOIS 330, extended-join, account-tag
	Away     string // away reason; "" when here
	Online   bool   // MONITOR 730/731, ISON, WHOIS
	Bot      bool   // the service user
}

// ChannelUser is a user for World.SetUsers and, when In is set, the
// user's place in the channel SetUsers is given.
type ChannelUser struct {
	User
	In        bool // a member of the channel
	Op, Voice bool // the member's modes, when In
}

// Member is a user's place in a channel.
type Member struct {
	Nick  string
	Op    bool
	Voice bool
}

// Message is a PRIVMSG, NOTICE or TAGMSG, either from the user (to Handler)
// or to the user's clients (World.Deliver).
type Message struct {
	Command string // PRIVMSG, NOTICE or TAGMSG
	From    string // nick of the sender; "" means the server
	Target  string // a channel, or a user's nick; "" means the user
	// TargetAccount is, in a message from the user, the account
	// (User.Account) of the user Target named when ircd resolved it, so
	// that the handler need not look the nick up again (it may have
	// changed since); "" for a channel or a user without an account.
	TargetAccount string
	Text          string
	Tags          map[string]string // client-only tags, such as "+typing"
	Time          time.Time         // server-time; now when zero
	// MsgID is the message's msgid tag, the same each time the message
	// is sent (live, replayed, in a CHATHISTORY batch). ircd gives the
	// user's messages one before Handler.Message sees them; a message
	// delivered without one gets a fresh one (NewMsgID).
	MsgID string
	// Self marks the user's own message, sent from elsewhere (another
	// MSN endpoint): it comes from the user (From is ignored), goes to a
	// Target that is not the user, and reaches only the clients that
	// negotiated echo-message or znc.in/self-message.
	Self bool
}
