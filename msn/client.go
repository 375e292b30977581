package msn

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

var errNotImplemented = errors.New("msn: not implemented yet")

// DefaultVersions is the VER list offered when Config.Versions is empty, best first.
var DefaultVersions = []string{"MSNP12", "MSNP11", "MSNP10", "MSNP9", "MSNP8", "MSNP7"}

// Config says where and how to sign in.
type Config struct {
	Server   string   // notification or dispatch server, host:port
	Versions []string // offered in VER, best first; DefaultVersions when empty
	NexusURL string   // Passport 1.4 nexus (TWN, MSNP8+)
	LoginURL string   // overrides the DALogin URL the nexus gives, when set
	Passport string
	Password string // never logged

	HTTPClient     *http.Client  // for Passport; http.DefaultClient-like with timeouts when nil
	DialTimeout    time.Duration // default 10s
	LoginTimeout   time.Duration // whole login, default 30s
	RequestTimeout time.Duration // each request, default 15s
	Logger         *slog.Logger  // debug logs every protocol line with secrets redacted; discard when nil
	EventBuffer    int           // capacity of the Events channel, default 256
}

// Client is a signed-in MSN session on a notification server. Its methods
// are safe to call from any goroutine.
type Client struct{}

// Login connects, negotiates the version, authenticates (MD5 or TWN), syncs
// the contact list and goes online with the given initial status (NLN when
// empty). It returns once the ContactListSynced event has been queued.
// Wrong credentials give an error matching ErrAuthFailed.
func Login(ctx context.Context, cfg Config, initial Status) (*Client, error) {
	return nil, errNotImplemented
}

// Events delivers what the server says, in order. It is closed after the
// Disconnected event.
func (c *Client) Events() <-chan Event { return nil }

// Version returns the negotiated protocol version number (2..12).
func (c *Client) Version() int { return 0 }

// Passport returns the signed-in address.
func (c *Client) Passport() string { return "" }

// FriendlyName returns the user's own friendly name as the server last said it.
func (c *Client) FriendlyName() string { return "" }

// SetStatus changes the user's presence (CHG).
func (c *Client) SetStatus(ctx context.Context, s Status) error { return errNotImplemented }

// SetFriendlyName changes the user's friendly name (REA before MSNP10, PRP MFN from MSNP10).
func (c *Client) SetFriendlyName(ctx context.Context, name string) error { return errNotImplemented }

// SetPersonalMessage sets the personal message (UUX, MSNP11+; ErrUnsupported before).
func (c *Client) SetPersonalMessage(ctx context.Context, text string) error {
	return errNotImplemented
}

// AddContact puts passport on the forward list (and the allow list), with an optional name.
func (c *Client) AddContact(ctx context.Context, passport string) error { return errNotImplemented }

// RemoveContact takes passport off the forward list.
func (c *Client) RemoveContact(ctx context.Context, passport string) error { return errNotImplemented }

// Block moves passport from the allow list to the block list.
func (c *Client) Block(ctx context.Context, passport string) error { return errNotImplemented }

// Allow moves passport from the block list to the allow list.
func (c *Client) Allow(ctx context.Context, passport string) error { return errNotImplemented }

// AcceptAuthorization answers someone who added the user: allow list and forward list.
func (c *Client) AcceptAuthorization(ctx context.Context, passport string) error {
	return errNotImplemented
}

// DenyAuthorization answers someone who added the user: block list.
func (c *Client) DenyAuthorization(ctx context.Context, passport string) error {
	return errNotImplemented
}

// Contact returns what the client knows of one contact.
func (c *Client) Contact(passport string) (Contact, bool) { return Contact{}, false }

// Contacts returns a snapshot of every contact on any list.
func (c *Client) Contacts() []Contact { return nil }

// OpenSwitchboard starts a chat with passport: XFR SB, USR, CAL, and waits
// until they JOI. A contact who is offline gives an error matching ErrContactOffline.
func (c *Client) OpenSwitchboard(ctx context.Context, passport string) (*Switchboard, error) {
	return nil, errNotImplemented
}

// Accept answers an invitation (ANS) and returns the joined switchboard.
func (c *Client) Accept(ctx context.Context, inv Invitation) (*Switchboard, error) {
	return nil, errNotImplemented
}

// Close signs out (OUT), closes every switchboard and waits for the client's
// goroutines to end. The last event is Disconnected{Reason: ReasonClosed}.
func (c *Client) Close() error { return nil }

// AckMode is how a message asks to be acknowledged.
type AckMode string

// Ack modes of MSG.
const (
	AckNone   AckMode = "U" // no reply
	AckNAK    AckMode = "N" // NAK on failure only
	AckAlways AckMode = "A" // ACK or NAK
	AckData   AckMode = "D" // ACK or NAK, for data (P2P)
)

// Switchboard is one chat session. Its methods are safe from any goroutine.
type Switchboard struct{}

// ID returns the session id (opaque; hex on Escargot) or, for one we opened before CAL answered, a local id.
func (s *Switchboard) ID() string { return "" }

// Participants returns the other participants currently in the session.
func (s *Switchboard) Participants() []string { return nil }

// Invite calls another contact into the session (CAL) and waits for JOI.
func (s *Switchboard) Invite(ctx context.Context, passport string) error { return errNotImplemented }

// SendText sends a text/plain message and waits for its outcome: nil when
// ACKed, ErrNAK, ErrTimeout, or ErrClosed when the connection ended before an
// ACK (the message may or may not have arrived). Text longer than one payload
// is an error; callers split it (see SplitText).
func (s *Switchboard) SendText(ctx context.Context, text string, f Format) error {
	return errNotImplemented
}

// SendTyping sends a typing notification (ack U).
func (s *Switchboard) SendTyping(ctx context.Context) error { return errNotImplemented }

// SendNudge sends a nudge (datacast ID 1); ErrUnsupported before MSNP7's era clients.
func (s *Switchboard) SendNudge(ctx context.Context) error { return errNotImplemented }

// Close leaves the session (OUT) and closes the connection.
func (s *Switchboard) Close() error { return nil }

// SplitText splits text into pieces that each fit one MSG payload with format f,
// at UTF-8 boundaries (preferring line and word breaks).
func SplitText(text string, f Format) []string { return []string{text} }

// ErrorText returns the meaning of a numeric MSN error code.
func ErrorText(code int) string { return "unknown error" }
