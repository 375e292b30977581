// Package bridge is the bridge between MSN and IRC: it draws an IRC world
// (package ircd) for each MSN account and keeps its MSN session (package
// msn) in step with it. The translations it uses (nicks, presence,
// formatting, text) are in package mapping; what it stores goes through
// the Store interface.
//
// Concurrency: a Bridge keeps one session per account. One goroutine owns
// each session's state (contacts, nicks, conversations, settings); the ircd
// Handler methods, which run on client goroutines, and the short-lived
// goroutines that wait for MSN requests (opening a switchboard, changing
// the status) hand their work and results to it and never touch the state
// themselves. World methods only queue lines, so the session goroutine
// never waits on a client.
package bridge
