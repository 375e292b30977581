package msn

import (
	"errors"
	"fmt"
)

// Status is an MSN presence state, as its three-letter code.
type Status string

// Presence states. HDN is only valid for the user's own status; contacts who
// hide appear as FLN.
const (
	StatusOnline  Status = "NLN"
	StatusBusy    Status = "BSY"
	StatusIdle    Status = "IDL"
	StatusBRB     Status = "BRB"
	StatusAway    Status = "AWY"
	StatusPhone   Status = "PHN"
	StatusLunch   Status = "LUN"
	StatusHidden  Status = "HDN"
	StatusOffline Status = "FLN"
)

// Lists is a bitmask of the contact lists a contact is on; int32, so that
// a Contact fits in 96 bytes.
type Lists int32

// The contact lists, with their MSNP8+ bit values.
const (
	ForwardList Lists = 1  // FL: your contacts
	AllowList   Lists = 2  // AL: may see you
	BlockList   Lists = 4  // BL: blocked
	ReverseList Lists = 8  // RL: has you on their FL
	PendingList Lists = 16 // PL: added you, not yet answered (MSNP10+)
)

// Contact is one entry of the user's contact lists. The client keeps one
// for every contact for the whole session, so it holds only what the
// client and its users read back, in 80 bytes: what a contact announces
// and nobody keeps (its client id, its personal message, what it listens
// to, where it is signed in) comes in PresenceChanged and
// PersonalMessageChanged only, its display picture, which few contacts
// show, is kept apart (Client.Picture), and its status as a one-byte code
// (Status).
type Contact struct {
	Passport     string // e-mail address, as the server spells it
	FriendlyName string // URL-decoded
	Lists        Lists
	// Network is NetworkMessenger or NetworkYahoo, MSNP13+; 0 before, a
	// Yahoo contact's too (SYN lists it at MSNP8-9 without a network).
	// It shares a word with Lists and the status.
	Network int16
	status  statusCode // FLN until presence says otherwise
	// Groups are the ids of the user's groups the contact is in (numbers
	// before MSNP10, GUIDs from MSNP10); never the default group "0" of
	// MSNP7-9, which stands for none.
	Groups []string
	GUID   ContactID // contact id, MSNP10+ only; zero when none
}

// Status is the contact's status as presence last gave it, FLN until
// then. A status the client does not know reads as NLN (online); the
// PresenceChanged event has it as the server sent it.
func (ct Contact) Status() Status { return contactStatuses[ct.status] }

// SetStatus sets the status Status returns, for a record built outside
// the client.
func (ct *Contact) SetStatus(s Status) { ct.status = codeOf(s) }

// statusCode is a contact's status as its index in contactStatuses.
type statusCode uint8

// contactStatuses are the statuses a Contact keeps, by code; the zero code
// is FLN, so that a new record is offline.
var contactStatuses = [...]Status{StatusOffline, StatusOnline, StatusBusy, StatusIdle, StatusBRB, StatusAway, StatusPhone, StatusLunch, StatusHidden}

// codeOf returns the code of s: NLN's for a status the client does not
// know.
func codeOf(s Status) statusCode {
	for i, k := range contactStatuses {
		if k == s {
			return statusCode(i)
		}
	}
	return codeOf(StatusOnline)
}

// Group is a contact group.
type Group struct {
	ID   string
	Name string
}

// Format is the X-MMS-IM-Format of a text message.
type Format struct {
	Font      string // FN, URL-decoded
	Bold      bool
	Italic    bool
	Underline bool
	Strike    bool
	Color     uint32 // CO, as BGR
	Charset   string // CS
	Pitch     string // PF
	RTL       bool
}

// ServerError is a numeric error reply from the server.
type ServerError struct {
	Code    int
	Command string // the request it answers, when known
}

func (e *ServerError) Error() string {
	if e.Command != "" {
		return fmt.Sprintf("msn: %s: server error %d: %s", e.Command, e.Code, ErrorText(e.Code))
	}
	return fmt.Sprintf("msn: server error %d: %s", e.Code, ErrorText(e.Code))
}

// Errors reported by the client.
var (
	ErrAuthFailed     = errors.New("msn: authentication failed (wrong address or password)")
	ErrTimeout        = errors.New("msn: server did not answer in time")
	ErrClosed         = errors.New("msn: connection closed")
	ErrNAK            = errors.New("msn: message not delivered (NAK)")
	ErrNoVersion      = errors.New("msn: server supports none of the offered protocol versions")
	ErrUnsupported    = errors.New("msn: not supported by this protocol version")
	ErrContactOffline = errors.New("msn: contact is offline or not accepting messages")
)
