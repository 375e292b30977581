// Package ircd is the IRC server that IRC clients and bouncers connect to.
// It knows nothing of MSN: it serves one IRC world per login, which a
// Backend creates and fills and a Handler is told about.
//
// # Worlds
//
// A World is what one login sees: the user (one nick shared by every client
// of the login), other users, channels, and the attached clients. The
// program that owns the world changes it with World methods (SetUser,
// OpenChannel, Deliver, ...); each method updates the state, queues the
// matching lines to every attached client and returns without waiting for
// any of them. A client that attaches later gets the current state in its
// burst (JOIN, topic and NAMES of every open channel, and 306 when away).
//
// # Goroutines
//
// Every connection has a reader goroutine, which parses lines and runs the
// commands, and a writer goroutine, which takes the client's lines from a
// bounded queue (Config.SendQueue), writes them with a write deadline and
// flushes when the queue is empty. Lines sent by other goroutines (the
// World methods) never wait: a client whose queue is full is disconnected
// at once, so a stuck client never slows the world or other clients. The
// replies to a command are queued when it ends, by its reader, which waits
// for room: a client that does not read its replies stops being read.
// Handler methods are called on the reader goroutine of the client that
// acted, without any ircd lock held, so they may call World methods.
// Attached and Detached after World.Transfer are also called on that
// client's goroutine, right after the command that caused the transfer.
//
// # Replies
//
// ircd answers the standard numerics itself and validates targets before it
// calls the Handler (401, 403, 411, 412, 441, 443, 461). A Handler error of
// type *Reply becomes that numeric; other errors, and World.Fail, become a
// FAIL standard reply for clients that enabled the standard-replies
// capability and a NOTICE for the others.
//
// # Logins
//
// PASS and SASL PLAIN credentials go to Backend.Authenticate. A refusal of
// the credentials themselves (an error wrapping ErrBadCredentials) is 464
// for PASS; any other refusal is "ERROR :Login refused for now", which
// clients and bouncers retry later (soju stops reconnecting after 464).
// SASL answers both with 904; a client that registers after a SASL login
// refused for now is let go the same way instead of becoming a guest.
//
// # Limits
//
// Input lines may have 512 bytes of message and 4096 bytes of tags; longer
// lines are answered with 417 and dropped. Clients must register within
// Config.RegistrationTimeout, and idle clients are pinged after
// Config.PingInterval and dropped when they do not answer within
// Config.PingTimeout. Text delivered to clients is split to fit 512 bytes.
// JOIN opens channels until the world has Config.MaxChannels (CHANLIMIT in
// ISUPPORT), then answers 405.
//
// Connections that have not had their welcome are limited per source
// address (Config.UnregisteredPerAddress) and in total
// (Config.UnregisteredMax), guests per source address
// (Config.GuestsPerAddress), and welcomed connections, guests or not, per
// source address (Config.RegisteredPerAddress); the per-address limits
// skip Config.TrustedNets. A connection over a limit gets one ERROR line
// and is closed; the accept loop refuses it without starting a goroutine
// for it.
// A guest is a client whose world came from Backend.Guest and that
// World.Transfer has not moved since; it is disconnected
// Config.GuestTimeout after its welcome, whether it answers PINGs or not.
//
// Secrets (PASS, AUTHENTICATE and "login" messages) are never logged.
package ircd
