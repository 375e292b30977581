package ircd

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"
)

var errNotImplemented = errors.New("ircd: not implemented yet")

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
	SendQueue           int           // messages queued per client before it is dropped, 512
	WriteTimeout        time.Duration // 10s
}

// Credentials are what a client presented during registration: PASS, or SASL
// PLAIN (authcid and password). They are never logged.
type Credentials struct {
	Account  string
	Password string
	SASL     bool
}

// LogValue keeps the password out of logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("account", c.Account), slog.Bool("sasl", c.SASL))
}

// Backend is what the server asks of the program that draws the worlds (the
// bridge). Its methods are called from client goroutines and may block until
// ctx is done.
type Backend interface {
	// Authenticate checks credentials given with PASS or SASL PLAIN, before
	// the welcome, and returns the world the client attaches to. Its error
	// text is shown to the user (904 for SASL; 464 and ERROR for PASS).
	Authenticate(ctx context.Context, creds Credentials) (*World, error)
	// Guest returns the world of a client that registered without credentials.
	Guest(ctx context.Context) (*World, error)
}

// Handler receives what the user does in one world. Methods are called from
// the goroutine of the client that did it, after ircd checked the command
// (the target exists, the parameters are there). A returned *Reply is sent to
// that client; any other error is sent as a FAIL (standard-replies) or NOTICE.
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

// Reply is an error a Handler returns to answer with a numeric, e.g.
// &Reply{Code: irc.ERR_NOSUCHNICK, Params: []string{"bob"}, Text: "No such nick"}.
// The client's nick is put first by ircd.
type Reply struct {
	Code   string
	Params []string
	Text   string
}

func (r *Reply) Error() string { return r.Code + " " + r.Text }

// Server is the IRC server. Its methods are safe to call from any goroutine.
type Server struct{}

// NewServer returns a server that asks backend for the worlds.
func NewServer(cfg Config, backend Backend) *Server { return &Server{} }

// Serve accepts clients on ln until ctx is done or Shutdown is called.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error { return errNotImplemented }

// ServeConn serves one client connection and returns when it ends.
func (s *Server) ServeConn(ctx context.Context, conn net.Conn) {}

// Shutdown stops accepting, sends ERROR with reason to every client, flushes
// and closes their connections, and waits for their goroutines until ctx is done.
func (s *Server) Shutdown(ctx context.Context, reason string) error { return errNotImplemented }

// NewWorld creates an empty world whose user actions go to h.
func (s *Server) NewWorld(h Handler) *World { return &World{} }

// Client is one connection attached to a world.
type Client struct{}

// ID is unique per server for the life of the process.
func (c *Client) ID() uint64 { return 0 }

// Nick is the client's current nick.
func (c *Client) Nick() string { return "" }

// HasCap reports whether the client enabled an IRCv3 capability.
func (c *Client) HasCap(name string) bool { return false }

// RemoteAddr is the client's address.
func (c *Client) RemoteAddr() string { return "" }

// User is someone the world shows besides the user: a contact, the service user.
type User struct {
	Nick     string
	Ident    string
	Host     string
	Realname string
	Account  string   // WHOIS 330, extended-join, account-tag
	Away     string   // away reason; "" when here
	Online   bool     // MONITOR 730/731, ISON, WHOIS
	Info     []string // extra WHOIS lines (320)
	Bot      bool     // the service user
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
	Text    string
	Tags    map[string]string // client-only tags, such as "+typing"
	Time    time.Time         // server-time; now when zero
}

// World is the IRC state one login sees: the user, other users, channels,
// and the clients attached to it. Its methods are safe to call from any
// goroutine and never block on clients: they update the state and queue
// lines to every attached client (and remember the state for clients that
// attach later).
type World struct{}

// Nick returns the user's nick ("" until the first client attached).
func (w *World) Nick() string { return "" }

// SetNick changes the user's nick (NICK to every client).
func (w *World) SetNick(nick string) error { return errNotImplemented }

// SetSelf sets the user's ident, host and realname.
func (w *World) SetSelf(ident, host, realname string) {}

// ClientCount returns how many clients are attached.
func (w *World) ClientCount() int { return 0 }

// SetUser adds a user or updates one with the same nick. Changes are announced:
// away (away-notify), realname (SETNAME), online (MONITOR 730/731).
func (w *World) SetUser(u User) {}

// RenameUser changes a user's nick (NICK). It fails when newNick is taken.
func (w *World) RenameUser(oldNick, newNick string) error { return errNotImplemented }

// RemoveUser removes a user (QUIT to clients sharing a channel with them).
func (w *World) RemoveUser(nick, reason string) {}

// LookupUser returns a user by nick (ascii casemapping).
func (w *World) LookupUser(nick string) (User, bool) { return User{}, false }

// OpenChannel puts the user in a channel with a topic and members (JOIN,
// topic, NAMES to every client). Opening an open channel updates it.
func (w *World) OpenChannel(name, topic string, selfOp bool, members []Member) {}

// CloseChannel takes the user out of a channel (PART with reason).
func (w *World) CloseChannel(name, reason string) {}

// Join adds a member to an open channel (JOIN, then MODE for op/voice).
func (w *World) Join(channel string, m Member) {}

// Part removes a member from a channel (PART).
func (w *World) Part(channel, nick, reason string) {}

// SetMember changes a member's op and voice (MODE from the server).
func (w *World) SetMember(channel string, m Member) {}

// SetTopic changes a channel's topic (TOPIC from setter, or the server when "").
func (w *World) SetTopic(channel, topic, setter string) {}

// Deliver sends a message to every attached client and returns how many got it.
func (w *World) Deliver(m Message) int { return 0 }

// Fail reports a failed command to every client: a FAIL standard reply to
// clients that negotiated standard replies, otherwise a NOTICE from `from`
// (a nick, or the server when "") with the description.
func (w *World) Fail(from, command, code, description string, context ...string) {}

// Transfer moves a client into another world (after `login` from a guest
// world): it leaves this world's channels and gets the other world's burst.
func (w *World) Transfer(c *Client, to *World) error { return errNotImplemented }

// Close detaches every client with ERROR reason and closes their connections.
func (w *World) Close(reason string) {}
