package ircd

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"
)

// HistoryRef points into a conversation's history (a CHATHISTORY
// reference): a message by its msgid, or a point in time. The zero
// HistoryRef is "*": no bound (LATEST without a reference).
type HistoryRef struct {
	MsgID string    // msgid=… (of the message, for a line of a split one); "" when the reference is a time
	Time  time.Time // timestamp=…; zero when the reference is a msgid
}

// IsZero reports whether r is "*".
func (r HistoryRef) IsZero() bool { return r.MsgID == "" && r.Time.IsZero() }

// HistoryQuery is one CHATHISTORY request for messages, checked by ircd:
// the subcommand is known, the references parse and Limit is within the
// CHATHISTORY limit.
type HistoryQuery struct {
	// Subcommand is LATEST, BEFORE, AFTER, AROUND or BETWEEN.
	Subcommand string
	// Target is the channel or nick as the client wrote it.
	Target string
	// TargetAccount is the account (User.Account) of the user Target
	// names, when it names one the world shows; "" for a channel or an
	// unknown nick.
	TargetAccount string
	// From is the reference of BEFORE, AFTER and AROUND, the optional one
	// of LATEST (zero for "*"), and the first of BETWEEN; To is BETWEEN's
	// second.
	From, To HistoryRef
	// Limit is the most messages to return, at least 1.
	Limit int
}

// HistoryTarget is one conversation in a CHATHISTORY TARGETS answer.
type HistoryTarget struct {
	Target string    // a channel, or a user's nick
	Latest time.Time // time of its newest message
}

// Historian is a Handler that keeps the world's message history. When the
// world's Handler implements it, ircd offers draft/chathistory and
// draft/read-marker to the world's clients. Methods are called from the
// goroutine of the client that asked and may block until ctx is done.
type Historian interface {
	// History returns the messages q asks for, oldest first. Each Message
	// has its MsgID and Time set; a message the user sent has Self set.
	// An error that is a *HistoryError is sent as that FAIL; any other
	// as FAIL CHATHISTORY MESSAGE_ERROR.
	History(ctx context.Context, c *Client, q HistoryQuery) ([]Message, error)
	// HistoryTargets lists the conversations with messages between from
	// and to (either order), newest first, at most limit.
	HistoryTargets(ctx context.Context, c *Client, from, to time.Time, limit int) ([]HistoryTarget, error)
	// ReadMarker returns the time up to which the user has read the
	// conversation with target (TargetAccount as in HistoryQuery); zero
	// when never set.
	ReadMarker(ctx context.Context, c *Client, target, targetAccount string) (time.Time, error)
	// MarkRead moves the read marker of the conversation with target to
	// t, unless it is already later, and returns the marker it now has.
	// ircd then announces that marker to every client of the world that
	// negotiated draft/read-marker (World.AnnounceReadMarker).
	MarkRead(ctx context.Context, c *Client, target, targetAccount string, t time.Time) (time.Time, error)
}

// HistoryError is an error a Historian returns to answer with a specific
// FAIL CHATHISTORY code, e.g. &HistoryError{Code: "INVALID_TARGET",
// Context: []string{"LATEST", "bob"}, Text: "No such conversation"}.
type HistoryError struct {
	Code    string
	Context []string
	Text    string
}

func (e *HistoryError) Error() string { return e.Code + " " + e.Text }

// msgIDEncoding is base64 with its 64 characters in ASCII order, so
// that msgids sort as the bytes they encode; every character is safe in
// a tag value.
var msgIDEncoding = base64.NewEncoding("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz").WithPadding(base64.NoPadding)

// NewMsgID returns a new msgid: 20 characters, the time in milliseconds
// (48 bits) then 72 random bits, safe in a tag value and unguessable.
// msgids made later sort after (to the millisecond), so that the
// history's index on them takes new ones at its end rather than
// anywhere: random ones made each write touch pages all over it.
func NewMsgID() string {
	var b [15]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails
	return msgIDEncoding.EncodeToString(b[:])
}

// MsgIDTime returns the time a msgid of NewMsgID was made, to the
// millisecond; ok is false for any other text.
func MsgIDTime(id string) (t time.Time, ok bool) {
	if len(id) != 20 {
		return time.Time{}, false
	}
	b, err := msgIDEncoding.DecodeString(id)
	if err != nil {
		return time.Time{}, false
	}
	var ms int64
	for _, x := range b[:6] {
		ms = ms<<8 | int64(x)
	}
	return time.UnixMilli(ms).UTC(), true
}
