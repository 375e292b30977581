package bridge

import (
	"context"
	"time"

	"github.com/msn2irc/msn2irc/db"
)

// Store is what the bridge keeps in the database: each account's settings
// and contacts, the outbox, the messages kept for replay and the
// authorization requests. *db.Store implements it.
type Store interface {
	// AccountState reads an account's settings and stored contacts.
	AccountState(ctx context.Context, account string) (db.State, error)
	// Settings reads an account's settings.
	Settings(ctx context.Context, account string) (db.Settings, error)
	// SaveSettings stores an account's settings.
	SaveSettings(ctx context.Context, account string, st db.Settings) error
	// PutContact stores one contact.
	PutContact(ctx context.Context, c db.Contact) error
	// PutContacts stores contacts in one transaction.
	PutContacts(ctx context.Context, cs []db.Contact) error
	// DeleteContact forgets a contact's stored nick.
	DeleteContact(ctx context.Context, account, passport string) error
	// NextChatNumber takes the next number of an account's group chats.
	NextChatNumber(ctx context.Context, account string) (int, error)
	// ReserveChatNumber keeps NextChatNumber past a number the user took.
	ReserveChatNumber(ctx context.Context, account string, n int) error

	// Enqueue puts a message in the outbox and returns its id.
	Enqueue(ctx context.Context, m db.OutboxMessage) (int64, error)
	// Outbox lists what waits for a contact, oldest first.
	Outbox(ctx context.Context, account, passport string) ([]db.OutboxMessage, error)
	// DeleteOutbox removes a delivered message from the outbox.
	DeleteOutbox(ctx context.Context, id int64) error
	// ClearOutbox removes what waits for a contact and says how much.
	ClearOutbox(ctx context.Context, account, passport string) (int, error)

	// SaveReplay keeps a message for the next client to attach.
	SaveReplay(ctx context.Context, m db.StoredMessage) (int64, error)
	// Replay lists the kept messages of an account, oldest first.
	Replay(ctx context.Context, account string) ([]db.StoredMessage, error)
	// DeleteReplay drops the kept messages up to and including upToID.
	DeleteReplay(ctx context.Context, account string, upToID int64) error

	// AddPending records an authorization request.
	AddPending(ctx context.Context, r db.AuthRequest) error
	// Pending lists an account's authorization requests.
	Pending(ctx context.Context, account string) ([]db.AuthRequest, error)
	// DeletePending drops an authorization request once answered.
	DeletePending(ctx context.Context, account, passport string) error
	// MarkAnnounced records that requests were shown to the user.
	MarkAnnounced(ctx context.Context, account string, passports []string) error
	// PendingAnnounced reports whether a request was shown to the user.
	PendingAnnounced(ctx context.Context, account, passport string) (bool, error)

	oimStore // the machine GUID, offline messages shown and client ids (oim.go)

	historyStore // the message history (history.go)

	fileStore // files received from contacts (files.go)
}

// historyStore is the message history in the store: see the methods of
// *db.Store of the same names.
type historyStore interface {
	WriteHistory(ctx context.Context, w *db.HistoryWrite) error
	HistoryByMsgID(ctx context.Context, account, msgid string) (db.HistoryMessage, error)
	History(ctx context.Context, r db.HistoryRange) ([]db.HistoryMessage, error)
	HistoryTargets(ctx context.Context, account string, from, to time.Time, limit int) ([]db.ConversationLatest, error)
	ConversationNick(ctx context.Context, account, conversation string) (string, error)
	ConversationByNick(ctx context.Context, account, nick string) (string, error)
	HistoryTail(ctx context.Context, account string, afterID int64, limit int) ([]db.HistoryMessage, int, error)
	LastHistoryID(ctx context.Context, account string) (int64, error)
	ReadMarker(ctx context.Context, account, conversation string) (time.Time, error)
	MarkRead(ctx context.Context, account, conversation string, t time.Time) (time.Time, error)
	DeliveryCursor(ctx context.Context, account string) (int64, bool, error)
	SetDeliveryCursor(ctx context.Context, account string, id int64) error
	PurgeHistory(ctx context.Context, account string, before time.Time) (int, error)
	HistoryAccounts(ctx context.Context) ([]string, error)
	ClearHistory(ctx context.Context, account, conversation string) (int, error)
	SearchHistory(ctx context.Context, account, text, conversation string, limit int) ([]db.HistoryMessage, error)
	IndexHistory(ctx context.Context, limit int) (int, error)
	ForgetAccount(ctx context.Context, account string) error
	EraseDue(ctx context.Context) (bool, error)
	EraseDeleted(ctx context.Context) error
}

var _ Store = (*db.Store)(nil)
