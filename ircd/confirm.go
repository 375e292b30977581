package ircd

import (
	"crypto/rand"
	"slices"

	"gopkg.in/irc.v4"
)

// maxConfirms bounds the confirmations a client waits for at once: a
// further Confirm forgets the oldest, whose fn then never runs.
const maxConfirms = 16

// confirm is a PING token waiting for the client's PONG, and what runs
// then.
type confirm struct {
	token string
	fn    func()
}

// Confirm sends the client a PING with a fresh token, after everything
// queued for it so far. fn runs once the client answers with a PONG that
// carries that token: the client has then read every line sent before the
// PING. A PONG with any other token (an earlier keepalive's, a guess) does
// not count; a PONG for a later Confirm also confirms the earlier ones, in
// order.
//
// fn runs at most once, on the client's reader goroutine, so it must not
// block for long: post the work to whoever owns the state. It never runs
// if the client leaves first. An unanswered Confirm holds no goroutine and
// no timer; it is forgotten when the connection ends.
func (c *Client) Confirm(fn func()) {
	token := "c" + rand.Text()
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if len(c.confirms) >= maxConfirms {
		c.confirms = slices.Delete(c.confirms, 0, 1)
	}
	c.confirms = append(c.confirms, confirm{token: token, fn: fn})
	c.mu.Unlock()
	// Through send, like World.Deliver: the PING is queued after the lines
	// queued before it, in the same order whichever way they go out.
	c.reply("PING", token)
}

// handlePong runs the confirmations up to the one whose token the PONG
// carries (in any parameter: clients answer "PONG token" or
// "PONG server token").
func (c *Client) handlePong(msg *irc.Message) {
	c.mu.Lock()
	var fns []func()
	for i, cf := range c.confirms {
		if slices.Contains(msg.Params, cf.token) {
			for _, done := range c.confirms[:i+1] {
				fns = append(fns, done.fn)
			}
			c.confirms = slices.Delete(c.confirms, 0, i+1)
			break
		}
	}
	if c.closing {
		fns = nil
	}
	c.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}
