package ircd

import (
	"context"
	"testing"

	"gopkg.in/irc.v4"
)

// A contact's message that arrives while the user's labeled PRIVMSG is
// handled is a side effect, not the command's response
// (labeled-response): it carries no label and is in no labeled-response
// batch, and the command, which has no response, is answered with ACK.
func TestLabelNotOnLinesReceivedMeanwhile(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, h := loggedIn(t, e, "batch", "labeled-response", "message-tags", "server-time")
	h.mu.Lock()
	h.onMsg = func(_ *Client, m Message) error {
		w.Deliver(Message{Command: "PRIVMSG", From: "carol", Text: "meanwhile"})
		return nil
	}
	h.mu.Unlock()
	c.send("@label=L1 PRIVMSG bob :hi")
	msgs := c.sync()
	var ack, carol bool
	for _, m := range msgs {
		switch {
		case m.Command == "ACK" && m.Tags["label"] == "L1":
			ack = true
		case m.Command == "PRIVMSG" && m.Prefix.Name == "carol":
			carol = true
			if _, ok := m.Tags["label"]; ok {
				t.Errorf("carol's message carries the label of PRIVMSG bob: %v", m)
			}
			if _, ok := m.Tags["batch"]; ok {
				t.Errorf("carol's message is in a batch: %v", m)
			}
		case m.Command == "BATCH":
			t.Errorf("a batch for a command without a response: %v", m)
		}
	}
	if !ack || !carol {
		t.Fatalf("ACK %v, carol's message %v; got %v", ack, carol, msgs)
	}
}

// What other users do while a labeled command runs (a contact going
// away, renamed, leaving a channel) is not that command's response: a
// bouncer would show it to the client that sent the command alone. What
// the user does (their own TOPIC) is.
func TestLabelNotOnOthersEventsMeanwhile(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, h := loggedIn(t, e, "batch", "labeled-response", "message-tags", "away-notify")
	h.mu.Lock()
	h.onMsg = func(_ *Client, m Message) error {
		w.SetUser(User{Nick: "carol", Ident: "carol", Host: "msn.com", Realname: "Carol", Online: true, Away: "Out to lunch"})
		if err := w.RenameUser("bob", "bobby"); err != nil {
			return err
		}
		w.Part("&msn", "bobby", "signed out")
		w.SetTopic("&msn", "my news", "alice")
		return nil
	}
	h.mu.Unlock()
	c.send("@label=L1 PRIVMSG msn :hi")
	msgs := c.sync()
	seen := map[string]bool{}
	for _, m := range msgs {
		switch m.Command {
		case "AWAY", "NICK", "PART":
			seen[m.Command] = true
			if _, ok := m.Tags["label"]; ok {
				t.Errorf("%s of another user carries the label: %v", m.Command, m)
			}
			if _, ok := m.Tags["batch"]; ok {
				t.Errorf("%s of another user is in the labeled batch: %v", m.Command, m)
			}
		case "TOPIC":
			seen[m.Command] = true
			if m.Tags["label"] != "L1" {
				t.Errorf("the user's own TOPIC is not labeled as the command's response: %v", m)
			}
		}
	}
	if len(seen) != 4 {
		t.Fatalf("saw %v of AWAY, NICK, PART, TOPIC; got %v", seen, msgs)
	}
}

// A report about an earlier message (World.Note, World.Fail: queued, not
// delivered) that comes while a labeled command runs is not that
// command's response: a bouncer would hand it to the client that sent
// the command, not to the one that sent the message.
func TestLabelNotOnReportsMeanwhile(t *testing.T) {
	for _, caps := range [][]string{{"standard-replies"}, nil} {
		e := newEnv(t, Config{})
		c, w, h := loggedIn(t, e, append(caps, "batch", "labeled-response", "message-tags")...)
		h.mu.Lock()
		h.onMsg = func(_ *Client, m Message) error {
			w.Note("msn", "PRIVMSG", "QUEUED", "dave is offline: message queued", "dave")
			w.Fail("msn", "PRIVMSG", "MESSAGE_NOT_DELIVERED", "carol did not get it", "carol")
			return nil
		}
		h.mu.Unlock()
		c.send("@label=L1 PRIVMSG bob :hi")
		var ack bool
		reports := 0
		for _, m := range c.sync() {
			switch m.Command {
			case "ACK":
				ack = m.Tags["label"] == "L1"
			case "NOTE", "FAIL", "NOTICE":
				reports++
				if _, ok := m.Tags["label"]; ok {
					t.Errorf("%v: the report carries the label of PRIVMSG bob: %v", caps, m)
				}
			case "BATCH":
				t.Errorf("%v: a batch for a command without a response: %v", caps, m)
			}
		}
		if !ack || reports != 2 {
			t.Errorf("%v: ACK %v, %d reports", caps, ack, reports)
		}
	}
}

// A message to oneself without echo-message reaches the sender as its
// recipient, without the label (labeled-response: "the server MUST NOT
// include the label tag, except for any echo-message acknowledgment").
func TestLabelNotOnMessageToSelf(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e, "batch", "labeled-response")
	c.send("@label=L2 PRIVMSG alice :hi")
	var got, ack bool
	for _, m := range c.sync() {
		switch m.Command {
		case "PRIVMSG":
			got = true
			if _, ok := m.Tags["label"]; ok {
				t.Errorf("the message to self carries the label: %v", m)
			}
		case "ACK":
			ack = m.Tags["label"] == "L2"
		}
	}
	if !got || !ack {
		t.Fatalf("message %v, ACK %v", got, ack)
	}
}

// replyingHistorian answers a query with a line of its own beside the
// batch, and delivers a contact's message while it reads.
type replyingHistorian struct{ *fakeHistorian }

func (h replyingHistorian) History(ctx context.Context, c *Client, q HistoryQuery) ([]Message, error) {
	c.send(&irc.Message{Command: "NOTE", Params: []string{"CHATHISTORY", "SLOW", "reading"}})
	h.world.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: "live"})
	return h.fakeHistorian.History(ctx, c, q)
}

// A chathistory batch within a labeled-response batch keeps its lines:
// a line belongs to its innermost batch (batch spec, nested batches), and
// the live message that arrived meanwhile is outside both.
func TestLabeledResponseKeepsNestedBatch(t *testing.T) {
	e := newEnv(t, Config{})
	_, fh := historyWorld(t, e)
	fh.fill(3)
	w := e.srv.NewWorld(replyingHistorian{fh})
	fh.world = w
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Account: "bob@hotmail.com", Online: true})
	e.backend.mu.Lock()
	e.backend.worlds["alice@example.com"] = w
	e.backend.mu.Unlock()
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", historyCaps...)
	c.send("@label=abc CHATHISTORY LATEST #chat * 10")
	msgs := c.sync()
	batchOf := map[string]string{} // batch ref -> type
	history := 0
	for _, m := range msgs {
		if m.Command == "BATCH" && len(m.Param(0)) > 1 && m.Param(0)[0] == '+' {
			batchOf[m.Param(0)[1:]] = m.Param(1)
		}
		switch {
		case m.Command == "PRIVMSG" && m.Param(1) == "live":
			if _, ok := m.Tags["batch"]; ok {
				t.Errorf("the live message is in a batch: %v", m)
			}
		case m.Command == "PRIVMSG":
			history++
			if typ := batchOf[m.Tags["batch"]]; typ != "chathistory" {
				t.Errorf("a history line in a %q batch: %v", typ, m)
			}
		case m.Command == "NOTE":
			if typ := batchOf[m.Tags["batch"]]; typ != "labeled-response" {
				t.Errorf("the NOTE in a %q batch: %v", typ, m)
			}
		}
	}
	if history != 3 {
		t.Fatalf("%d history lines, want 3: %v", history, msgs)
	}
}
