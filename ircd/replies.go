package ircd

import (
	"strconv"
	"strings"
	"time"

	"gopkg.in/irc.v4"
)

// The replies to one command are captured while it runs and handed to the
// writer when it ends (endCapture). The client's reader, which does that,
// holds no lock then, so it may wait for room in the queue: a client that
// sends commands faster than it reads their replies is slowed down instead
// of dropped, and a reply longer than the queue (WHO of a big contact
// list) goes out whole. Lines sent to the client by other goroutines never
// wait: a client whose queue is full is disconnected (sendLine); those it
// gets as a recipient while a command runs are captured within the bounds
// of the queue (sendRecipient). Messages it receives meanwhile are not the
// command's response (sendDelivered): no label, no labeled-response batch.

// captured is a line sent to the client while a command of its runs.
type captured struct {
	m         *irc.Message
	recipient bool // sent to the client as a recipient: counted against the queue
	delivered bool // a message the client receives, never the command's response
}

// startCapture collects what is sent to the client (send) from now on.
func (c *Client) startCapture() {
	c.mu.Lock()
	c.capturing = true
	c.capture = nil
	c.capLines, c.capBytes = 0, 0
	c.mu.Unlock()
}

// endCapture hands the captured lines to the writer, in order, with the
// label when there is one: ACK when there were none, the label on the line
// when there was one, a labeled-response batch otherwise. Lines sent while
// it waits for room are captured too and follow.
func (c *Client) endCapture(label string) {
	for first := true; ; first = false {
		c.mu.Lock()
		msgs := c.capture
		c.capture = nil
		c.capLines, c.capBytes = 0, 0
		if c.closing || len(msgs) == 0 && (label == "" || !first) {
			c.capturing = false
			c.mu.Unlock()
			return
		}
		var lines []*irc.Message
		if label != "" && first {
			lines = c.labelLocked(label, msgs)
		} else {
			lines = make([]*irc.Message, 0, len(msgs))
			for _, l := range msgs {
				lines = append(lines, l.m)
			}
		}
		prepared := make([]*irc.Message, 0, len(lines))
		for _, m := range lines {
			if p := c.prepareLocked(m); p != nil {
				prepared = append(prepared, p)
			}
		}
		c.mu.Unlock()
		if !c.enqueueReplies(prepared) {
			return
		}
	}
}

// labelLocked returns the lines captured during a command labeled label:
// its response labeled, then the messages the client received meanwhile
// (labeled-response: a delivered message is a side effect, not a
// response).
func (c *Client) labelLocked(label string, msgs []captured) []*irc.Message {
	var replies, others []*irc.Message
	for _, l := range msgs {
		if l.delivered {
			others = append(others, l.m)
		} else {
			replies = append(replies, l.m)
		}
	}
	return append(c.labelRepliesLocked(label, replies), others...)
}

// labelRepliesLocked returns the replies msgs to a command labeled label.
func (c *Client) labelRepliesLocked(label string, msgs []*irc.Message) []*irc.Message {
	switch {
	case len(msgs) == 0:
		return []*irc.Message{{Tags: irc.Tags{"label": label}, Prefix: c.srv.prefix, Command: "ACK"}}
	case len(msgs) == 1:
		m := msgs[0].Copy()
		m.Tags["label"] = label
		return []*irc.Message{m}
	case !c.caps.has(capBatch):
		return msgs
	case oneBatch(msgs):
		// A reply that is one batch (CHATHISTORY) carries the label on
		// its BATCH start line, as labeled-response says.
		out := append([]*irc.Message(nil), msgs...)
		out[0] = msgs[0].Copy()
		if out[0].Tags == nil {
			out[0].Tags = irc.Tags{}
		}
		out[0].Tags["label"] = label
		return out
	}
	c.batchSeq++
	ref := "lr" + strconv.FormatUint(c.batchSeq, 10)
	out := make([]*irc.Message, 0, len(msgs)+2)
	out = append(out, &irc.Message{Tags: irc.Tags{"label": label}, Prefix: c.srv.prefix, Command: "BATCH", Params: []string{"+" + ref, "labeled-response"}})
	for _, m := range msgs {
		if _, inner := m.Tags["batch"]; !inner { // a nested batch's lines stay in it
			m = m.Copy()
			m.Tags["batch"] = ref
		}
		out = append(out, m)
	}
	return append(out, &irc.Message{Prefix: c.srv.prefix, Command: "BATCH", Params: []string{"-" + ref}})
}

// oneBatch reports whether msgs are one batch: a BATCH start first, its
// end last.
func oneBatch(msgs []*irc.Message) bool {
	first, last := msgs[0], msgs[len(msgs)-1]
	if first.Command != "BATCH" || last.Command != "BATCH" || len(first.Params) < 2 || len(last.Params) != 1 {
		return false
	}
	ref, ok := strings.CutPrefix(first.Params[0], "+")
	return ok && last.Params[0] == "-"+ref
}

// enqueueReplies hands msgs to the writer, waiting for room in the queue.
// A client that takes no line for WriteTimeout is dropped. It reports
// false when the connection ended.
func (c *Client) enqueueReplies(msgs []*irc.Message) bool {
	var timeout <-chan time.Time
	for {
		msgs = msgs[c.push(msgs...):]
		if len(msgs) == 0 {
			return true
		}
		if timeout == nil {
			t := time.NewTimer(c.srv.cfg.WriteTimeout)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-c.out.room:
		case <-c.done:
			return false
		case <-timeout:
			c.sendQueueFull()
			return false
		}
	}
}
