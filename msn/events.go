package msn

import "time"

// Event is something the server told the client. Events arrive in order on
// Client.Events.
type Event interface{ event() }

// ContactListSynced is sent once per login, after the contact list was fetched.
type ContactListSynced struct {
	// Contacts is the whole list, sorted by lower-cased passport; nil when
	// Streamed.
	Contacts []Contact
	// Streamed reports that the ContactsListed events before this one
	// (Config.ListProgress) held the whole list: every contact on it, the
	// last ContactsListed entry of each passport as it now stands, all of
	// them offline. Client.Contacts gives their full records (groups,
	// ids).
	Streamed bool
	Groups   []Group
	// Privacy settings: BLP (true = allow everyone not blocked) and GTC
	// (true = prompt when someone adds you). Empty before they are known.
	AllowByDefault bool
	PromptOnAdd    bool
}

// PresenceSynced follows the initial presence (ILN) of the contacts who were
// online at login: once it arrives, every contact not reported online is
// offline. It is sent once per login, after ContactListSynced.
type PresenceSynced struct{}

// PresenceChanged reports a contact's status or friendly name (ILN, NLN, FLN).
type PresenceChanged struct {
	Passport     string
	FriendlyName string // empty on FLN
	Status       Status
	ClientID     uint32
	Initial      bool // from ILN: the state at login, not a change
	// Picture is the contact's display picture (MSNP9+; zero when none):
	// fetch it with Client.FetchObject, once per Picture.SHA1D.
	Picture MSNObject
}

// PersonalMessageChanged reports a contact's personal message (UBX, MSNP11+).
type PersonalMessageChanged struct {
	Passport string
	Message  string
	Media    string // CurrentMedia, raw
	// Endpoints are where the contact is signed in, MSNP16+; nil when the
	// UBX lists none.
	Endpoints []Endpoint
}

// ContactListChanged reports a change to the user's own lists, made by this
// client, another client of the same account, or the server.
type ContactListChanged struct {
	Contact Contact // Lists is the contact's new full bitmask
	Added   Lists   // lists the contact was just added to
	Removed Lists   // lists the contact was just removed from
}

// AuthorizationRequested reports that someone added the user to their
// contact list (ADD/ADC RL, or found on RL but not AL/BL at sync).
type AuthorizationRequested struct {
	Passport     string
	FriendlyName string
}

// OwnProfileChanged reports the user's own friendly name or status as the server confirmed it.
type OwnProfileChanged struct {
	FriendlyName string
	Status       Status
}

// Invitation reports an incoming chat (RNG). Accept it with Client.Accept.
type Invitation struct {
	SessionID    string
	Address      string // switchboard host:port
	Cookie       string
	From         string
	FriendlyName string
}

// MessageReceived is a text/plain message in a switchboard.
type MessageReceived struct {
	Switchboard  *Switchboard
	From         string
	FriendlyName string // the sender's friendly name, from the MSG line
	// DisplayName is the name the sender shows on this message only (the
	// P4-Context header, as bots and some clients send); "" when none. It
	// is not the sender's friendly name.
	DisplayName string
	Text        string // UTF-8, lines separated by "\n"
	Format      Format
	Time        time.Time // when the client received it
}

// TypingReceived is a typing notification (text/x-msmsgscontrol).
type TypingReceived struct {
	Switchboard *Switchboard
	From        string
}

// NudgeReceived is a nudge (datacast ID 1).
type NudgeReceived struct {
	Switchboard *Switchboard
	From        string
}

// UnsupportedContent is a switchboard message of a type the client does not
// handle (file transfer invitations, ink, winks, voice clips, P2P, ...).
type UnsupportedContent struct {
	Switchboard *Switchboard
	From        string
	ContentType string
	Description string // short human text, e.g. "a file transfer (photo.jpg)"
}

// ParticipantJoined reports a participant in a switchboard: JOI, or IRO when
// answering an invitation (Initial true).
type ParticipantJoined struct {
	Switchboard  *Switchboard
	Passport     string
	FriendlyName string
	Initial      bool
	// Endpoint is the GUID of the endpoint that joined (MSNP16+), lower
	// case in braces; "" when the server did not say.
	Endpoint string
	// OwnEndpoint reports another endpoint of the user's own account
	// (MSNP16+): it is not a participant (see Switchboard.Participants).
	OwnEndpoint bool
}

// ParticipantLeft reports BYE.
type ParticipantLeft struct {
	Switchboard *Switchboard
	Passport    string
	Idle        bool   // "BYE x 1": the session timed out
	Endpoint    string // as in ParticipantJoined
	OwnEndpoint bool   // as in ParticipantJoined
}

// SwitchboardClosed reports that a switchboard connection ended. Messages
// still unacknowledged were reported failed before this event.
type SwitchboardClosed struct {
	Switchboard *Switchboard
	// Err is nil when the client closed the session (Switchboard.Close, or
	// the last other participant left), ErrIdle when it was idle for
	// Config.SwitchboardIdleTimeout, and wraps ErrClosed when the
	// connection was lost.
	Err error
}

// DisconnectReason says why the notification server connection ended.
type DisconnectReason int

// Disconnect reasons.
const (
	ReasonConnectionLost DisconnectReason = iota // network error, EOF, keepalive timeout
	ReasonOtherLogin                             // OUT OTH: signed in elsewhere
	ReasonServerShutdown                         // OUT SSD
	ReasonClosed                                 // Close was called
	// ReasonEndpointSignOut: another endpoint of the account asked this
	// one to sign out (MSNP16+, UBN); Disconnected.Err names it.
	ReasonEndpointSignOut
)

func (r DisconnectReason) String() string {
	switch r {
	case ReasonOtherLogin:
		return "signed in from another location"
	case ReasonServerShutdown:
		return "server is shutting down"
	case ReasonClosed:
		return "closed"
	case ReasonEndpointSignOut:
		return "signed out from another endpoint"
	default:
		return "connection lost"
	}
}

// Disconnected is the last event: the notification server connection ended.
// Events is closed after it.
type Disconnected struct {
	Reason DisconnectReason
	Err    error
}

// SystemMessage is a notice from the server (maintenance announcements, mail
// notifications) worth showing to the user.
type SystemMessage struct {
	Text string
	// NewMail marks the notice of a new e-mail: the server sends one for
	// every e-mail, however many arrive.
	NewMail bool
}

func (ContactListSynced) event()      {}
func (PresenceSynced) event()         {}
func (PresenceChanged) event()        {}
func (PersonalMessageChanged) event() {}
func (ContactListChanged) event()     {}
func (AuthorizationRequested) event() {}
func (OwnProfileChanged) event()      {}
func (Invitation) event()             {}
func (MessageReceived) event()        {}
func (TypingReceived) event()         {}
func (NudgeReceived) event()          {}
func (UnsupportedContent) event()     {}
func (ParticipantJoined) event()      {}
func (ParticipantLeft) event()        {}
func (SwitchboardClosed) event()      {}
func (Disconnected) event()           {}
func (SystemMessage) event()          {}
