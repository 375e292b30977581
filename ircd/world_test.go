package ircd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gopkg.in/irc.v4"
)

func TestWorldSetUserAnnouncements(t *testing.T) {
	e := newEnv(t, Config{})
	withCaps, w, _ := loggedIn(t, e, "away-notify", "setname", "extended-monitor")
	plain := e.dial()
	plain.loginSASL("x", "alice@example.com", "secret")

	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bob B", Account: "bob@hotmail.com", Online: true, Away: "Be right back"})
	m := withCaps.expect("AWAY")
	if m.Prefix.String() != "bob!bob@hotmail.com" || m.Param(0) != "Be right back" {
		t.Fatalf("away %v", m)
	}
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bobby", Account: "bob@hotmail.com", Online: true})
	if m := withCaps.expect("AWAY"); len(m.Params) != 0 {
		t.Fatalf("back %v", m)
	}
	checkParams(t, withCaps.expect("SETNAME"), "Bobby")
	if msgs := plain.sync(); len(find(msgs, "AWAY")) != 0 || len(find(msgs, "SETNAME")) != 0 {
		t.Fatalf("client without caps got %v", msgs)
	}
	// A user in no channel: only extended-monitor clients that monitor them hear of it.
	w.SetUser(User{Nick: "zed", Online: true})
	withCaps.send("MONITOR + zed")
	withCaps.expect(irc.RPL_MONONLINE)
	w.SetUser(User{Nick: "zed", Online: true, Away: "Idle"})
	checkParams(t, withCaps.expect("AWAY"), "Idle")
	if u, ok := w.LookupUser("ZED"); !ok || u.Away != "Idle" {
		t.Fatalf("lookup %+v %v", u, ok)
	}
}

func TestWorldChannels(t *testing.T) {
	e := newEnv(t, Config{})
	ext, w, _ := loggedIn(t, e, "extended-join", "away-notify", "multi-prefix", "userhost-in-names")
	plain := e.dial()
	plain.loginSASL("x", "alice@example.com", "secret")

	w.OpenChannel("#chat", "hello", false, []Member{{Nick: "bob", Op: true, Voice: true}, {Nick: "carol"}})
	checkParams(t, ext.expect("JOIN"), "#chat", "alice@example.com", "Real alice")
	ext.expectParams(irc.RPL_TOPIC, "alice", "#chat", "hello")
	ext.expectParams(irc.RPL_NAMREPLY, "alice", "=", "#chat", "alice!alice@127.0.0.1 @+bob!bob@hotmail.com carol!carol@msn.com")
	// carol is away, which the client knows from &msn: no AWAY line.
	checkParams(t, plain.expect("JOIN"), "#chat")
	plain.expectParams(irc.RPL_NAMREPLY, "alice", "=", "#chat", "alice @bob carol")

	w.Join("#chat", Member{Nick: "msn", Voice: true})
	checkParams(t, ext.expect("JOIN"), "#chat", "*", "MSN service")
	checkParams(t, ext.expect("MODE"), "#chat", "+v", "msn")
	j := plain.expect("JOIN")
	checkParams(t, j, "#chat")
	if j.Prefix.String() != "msn!msn@irc.test" {
		t.Fatalf("join prefix %v", j.Prefix)
	}
	checkParams(t, plain.expect("MODE"), "#chat", "+v", "msn")
	w.SetMember("#chat", Member{Nick: "msn", Op: true})
	checkParams(t, plain.expect("MODE"), "#chat", "+o-v", "msn", "msn")
	w.SetTopic("#chat", "new topic", "bob")
	tm := plain.expect("TOPIC")
	if tm.Prefix.Name != "bob" || tm.Param(1) != "new topic" {
		t.Fatalf("topic %v", tm)
	}
	w.SetTopic("#chat", "server topic", "")
	if tm := plain.expect("TOPIC"); tm.Prefix.Name != "irc.test" {
		t.Fatalf("server topic %v", tm)
	}
	w.Part("#chat", "carol", "left")
	pm := plain.expect("PART")
	if pm.Prefix.Name != "carol" {
		t.Fatalf("part %v", pm)
	}
	checkParams(t, pm, "#chat", "left")
	// Reopening updates: bob loses op, dan joins, msn leaves, own op.
	w.SetUser(User{Nick: "dan", Online: true})
	w.OpenChannel("#chat", "server topic", true, []Member{{Nick: "bob", Voice: true}, {Nick: "dan"}})
	msgs := plain.sync()
	var lines []string
	for _, m := range msgs {
		lines = append(lines, m.Prefix.Name+" "+m.Command+" "+strings.Join(m.Params, " "))
	}
	want := []string{
		"irc.test MODE #chat +o alice",
		"msn PART #chat",
		"irc.test MODE #chat -o bob",
		"dan JOIN #chat",
	}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Fatalf("update lines\n%v\nwant\n%v", lines, want)
	}
	w.CloseChannel("#chat", "chat ended")
	pm = plain.expect("PART")
	if pm.Prefix.Name != "x" && pm.Prefix.Name != "alice" {
		t.Fatalf("self part %v", pm)
	}
	checkParams(t, pm, "#chat", "chat ended")
	plain.send("NAMES #chat")
	plain.expectParams(irc.RPL_ENDOFNAMES, "alice", "#chat", "*any*")
}

func TestWorldRenameRemoveUser(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e)
	c.send("MONITOR + bob,robert")
	c.expect(irc.RPL_MONONLINE)
	c.expect(irc.RPL_MONOFFLINE)
	if err := w.RenameUser("bob", "carol"); err == nil {
		t.Fatal("rename onto a taken nick succeeded")
	}
	if err := w.RenameUser("bob", "alice"); err == nil {
		t.Fatal("rename onto the user's nick succeeded")
	}
	if err := w.RenameUser("nobody", "x"); err == nil {
		t.Fatal("rename of an unknown user succeeded")
	}
	if err := w.RenameUser("bob", "robert"); err != nil {
		t.Fatal(err)
	}
	c.expectParams(irc.RPL_MONOFFLINE, "alice", "bob")
	nm := c.expect("NICK")
	if nm.Prefix.Name != "bob" || nm.Param(0) != "robert" {
		t.Fatalf("nick %v", nm)
	}
	c.expectParams(irc.RPL_MONONLINE, "alice", "robert!bob@hotmail.com")
	c.send("NAMES &msn")
	c.expectParams(irc.RPL_NAMREPLY, "alice", "=", "&msn", "@alice @msn +robert +carol")
	w.RemoveUser("robert", "removed from list")
	q := c.expect("QUIT")
	if q.Prefix.Name != "robert" || q.Param(0) != "removed from list" {
		t.Fatalf("quit %v", q)
	}
	c.expectParams(irc.RPL_MONOFFLINE, "alice", "robert")
	if _, ok := w.LookupUser("robert"); ok {
		t.Fatal("user still there")
	}
}

func TestWorldSetNickAndSelf(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e, "setname")
	if err := w.SetNick("bob"); err == nil {
		t.Fatal("SetNick onto a user succeeded")
	}
	if err := w.SetNick("bad nick"); err == nil {
		t.Fatal("SetNick with a space succeeded")
	}
	if err := w.SetNick("alice2"); err != nil {
		t.Fatal(err)
	}
	nm := c.expect("NICK")
	if nm.Prefix.Name != "alice" || nm.Param(0) != "alice2" {
		t.Fatalf("nick %v", nm)
	}
	w.SetSelf("al", "example.com", "Alice Liddell")
	sn := c.expect("SETNAME")
	if sn.Prefix.String() != "alice2!al@example.com" || sn.Param(0) != "Alice Liddell" {
		t.Fatalf("setname %v", sn)
	}
	c.send("PRIVMSG bob :x")
	c.send("WHOIS alice2")
	c.expectParams(irc.RPL_WHOISUSER, "alice2", "alice2", "al", "example.com", "*", "Alice Liddell")
}

func TestWorldDeliver(t *testing.T) {
	e := newEnv(t, Config{})
	tags, w, _ := loggedIn(t, e, "server-time", "message-tags", "account-tag")
	plain := e.dial()
	plain.loginSASL("x", "alice@example.com", "secret")
	at := time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)
	n := w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: "hi\r\nthere", Time: at, Tags: map[string]string{"+typing": "done", "bad tag": "x"}})
	if n != 2 {
		t.Fatalf("Deliver = %d", n)
	}
	m := tags.expect("PRIVMSG")
	checkParams(t, m, "alice", "hi  there")
	if m.Prefix.String() != "bob!bob@hotmail.com" || m.Tags["time"] != "2024-05-06T07:08:09.123Z" ||
		m.Tags["+typing"] != "done" || m.Tags["account"] != "bob@hotmail.com" {
		t.Fatalf("tagged %v (tags %v)", m, m.Tags)
	}
	if _, ok := m.Tags["bad tag"]; ok {
		t.Fatal("invalid tag relayed")
	}
	p := plain.expect("PRIVMSG")
	if len(p.Tags) != 0 {
		t.Fatalf("tags to a plain client: %v", p.Tags)
	}
	if n := w.Deliver(Message{Command: "TAGMSG", From: "bob", Tags: map[string]string{"+typing": "active"}}); n != 1 {
		t.Fatalf("TAGMSG delivered to %d clients", n)
	}
	if tm := tags.expect("TAGMSG"); tm.Tags["+typing"] != "active" {
		t.Fatalf("tagmsg %v", tm)
	}
	w.Deliver(Message{Command: "NOTICE", Text: "from the server"})
	if nm := plain.expect("NOTICE"); nm.Prefix.Name != "irc.test" || nm.Param(1) != "from the server" {
		t.Fatalf("server notice %v", nm)
	}
	w.Deliver(Message{Command: "PRIVMSG", From: "msn", Target: "&msn", Text: "welcome"})
	checkParams(t, plain.expect("PRIVMSG"), "&msn", "welcome")
	if msgs := plain.sync(); len(find(msgs, "TAGMSG")) != 0 {
		t.Fatalf("TAGMSG to a plain client: %v", msgs)
	}
	if n := w.Deliver(Message{Command: "KILL"}); n != 0 {
		t.Fatal("Deliver accepted KILL")
	}
}

func TestWorldFail(t *testing.T) {
	e := newEnv(t, Config{})
	sr, w, _ := loggedIn(t, e, "standard-replies")
	plain := e.dial()
	plain.loginSASL("x", "alice@example.com", "secret")
	w.Fail("bob", "PRIVMSG", "MESSAGE_NOT_DELIVERED", "bob is offline: message queued", "bob")
	f := sr.expect("FAIL")
	checkParams(t, f, "PRIVMSG", "MESSAGE_NOT_DELIVERED", "bob", "bob is offline: message queued")
	n := plain.expect("NOTICE")
	if n.Prefix.Name != "bob" {
		t.Fatalf("notice from %v", n.Prefix)
	}
	checkParams(t, n, "alice", "bob is offline: message queued")
}

func TestWorldNote(t *testing.T) {
	e := newEnv(t, Config{})
	sr, w, _ := loggedIn(t, e, "standard-replies")
	plain := e.dial()
	plain.loginSASL("x", "alice@example.com", "secret")
	w.Note("msn", "PRIVMSG", "QUEUED", "bob is offline: message queued", "bob")
	f := sr.expect("NOTE")
	checkParams(t, f, "PRIVMSG", "QUEUED", "bob", "bob is offline: message queued")
	n := plain.expect("NOTICE")
	if n.Prefix.Name != "msn" {
		t.Fatalf("notice from %v", n.Prefix)
	}
	checkParams(t, n, "alice", "bob is offline: message queued")
}

func TestWorldTransfer(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.dial()
	c.register("alice")
	guest, gh := e.backend.guest, e.backend.guestH
	gh.expectCall(t, "Attached")
	guest.SetUser(User{Nick: "msn", Online: true, Bot: true})
	guest.OpenChannel("&msn", "", true, []Member{{Nick: "msn", Op: true}})
	c.expect("JOIN")
	acct, ah := e.backend.world("alice@example.com")
	acct.SetUser(User{Nick: "alice", Online: true}) // a contact takes the user's nick
	acct.OpenChannel("&msn", "psm", true, []Member{{Nick: "alice"}})
	gh.mu.Lock()
	gh.onMsg = func(cl *Client, m Message) error {
		return guest.Transfer(cl, acct)
	}
	gh.mu.Unlock()
	c.send("PRIVMSG msn :login alice@example.com secret")
	pm := c.expect("PART")
	checkParams(t, pm, "&msn")
	nm := c.expect("NICK")
	if nm.Prefix.Name != "alice" || nm.Param(0) != "alice_" {
		t.Fatalf("nick %v", nm)
	}
	checkParams(t, c.expect("JOIN"), "&msn")
	c.expectParams(irc.RPL_TOPIC, "alice_", "&msn", "psm")
	gh.expectCall(t, "Detached")
	ah.expectCall(t, "Attached")
	if guest.ClientCount() != 0 || acct.ClientCount() != 1 {
		t.Fatalf("clients: guest %d, account %d", guest.ClientCount(), acct.ClientCount())
	}
	c.send("PRIVMSG alice :hi")
	if cl := ah.expectCall(t, "Message"); cl.msg.Target != "alice" {
		t.Fatalf("message after transfer %+v", cl.msg)
	}
	if err := guest.Transfer(acct.Clients()[0], acct); err == nil {
		t.Fatal("transfer of a client from the wrong world succeeded")
	}
}

func TestWorldClose(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, h := loggedIn(t, e)
	w.Close("signed in elsewhere")
	msgs := c.expectClosed()
	errs := find(msgs, "ERROR")
	if len(errs) != 1 || errs[0].Param(0) != "signed in elsewhere" {
		t.Fatalf("got %v", msgs)
	}
	h.expectCall(t, "Detached")
	// A closed world refuses new clients.
	d := e.dial()
	d.send("PASS alice@example.com:secret")
	d.send("NICK a")
	d.send("USER a 0 * :a")
	if msgs := d.expectClosed(); len(find(msgs, irc.RPL_WELCOME)) != 0 {
		t.Fatalf("attached to a closed world: %v", msgs)
	}
}

func TestMultiClientCopies(t *testing.T) {
	e := newEnv(t, Config{})
	a, w, h := loggedIn(t, e)
	b := e.pipe()
	b.loginSASL("zz", "alice@example.com", "secret")
	h.expectCall(t, "Attached")
	a.send("PRIVMSG &msn :status busy")
	m := b.expect("PRIVMSG")
	if m.Prefix.Name != "alice" {
		t.Fatalf("copy %v", m)
	}
	checkParams(t, m, "&msn", "status busy")
	w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: "to both"})
	a.expectParams("PRIVMSG", "alice", "to both")
	b.expectParams("PRIVMSG", "alice", "to both")
	b.send("QUIT")
	b.expectClosed()
	h.expectCall(t, "Detached")
	if w.ClientCount() != 1 {
		t.Fatalf("%d clients", w.ClientCount())
	}
}

func TestLabeledResponse(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e, "labeled-response", "batch", "echo-message", "message-tags")
	c.send("@label=abc PRIVMSG bob :hi")
	m := c.expect("PRIVMSG")
	if m.Tags["label"] != "abc" {
		t.Fatalf("echo without label %v", m)
	}
	c.send("@label=none PONG x")
	ack := c.expect("ACK")
	if ack.Tags["label"] != "none" {
		t.Fatalf("ack %v", ack)
	}
	c.send("@label=who WHOIS bob")
	start := c.expect("BATCH")
	if start.Tags["label"] != "who" || !strings.HasPrefix(start.Param(0), "+") || start.Param(1) != "labeled-response" {
		t.Fatalf("batch start %v", start)
	}
	ref := start.Param(0)[1:]
	for {
		m := c.next()
		if m.Command == "BATCH" {
			checkParams(t, m, "-"+ref)
			break
		}
		if m.Tags["batch"] != ref {
			t.Fatalf("line outside the batch: %v", m)
		}
	}
}

func TestLabelWithoutCapIgnored(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e)
	c.send("@label=x PING y")
	m := c.expect("PONG")
	if len(m.Tags) != 0 {
		t.Fatalf("tags without caps %v", m.Tags)
	}
}

func TestLineTooLong(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e)
	c.send("PRIVMSG bob :%s", strings.Repeat("a", 600))
	c.expectParams(errInputTooLong, "alice", "*any*")
	// Tags may take 4096 bytes more.
	c.send("@+x=%s PRIVMSG bob :ok", strings.Repeat("b", 4000))
	if cl := h.expectCall(t, "Message"); cl.msg.Text != "ok" || len(cl.msg.Tags["+x"]) != 4000 {
		t.Fatalf("message with big tags %q", cl.msg.Text)
	}
	c.send("@+x=%s PRIVMSG bob :ok", strings.Repeat("b", 5000))
	c.expect(errInputTooLong)
	// A line that never ends is cut off and skipped.
	c.send("PRIVMSG bob :%s", strings.Repeat("z", 20000))
	c.expect(errInputTooLong)
	c.send("PRIVMSG bob :after")
	if cl := h.expectCall(t, "Message"); cl.msg.Text != "after" {
		t.Fatalf("after overflow %q", cl.msg.Text)
	}
}

func TestMalformedLines(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e)
	for _, l := range []string{"", ":", "@", "@a=b", "@a=b ", "@a=b   ", ":prefix", "   ", "\x00\x01", ":x PRIVMSG", "PRIVMSG bob\x00 :x"} {
		c.send("%s", l)
	}
	c.send("PRIVMSG bob :still alive")
	if cl := h.expectCall(t, "Message"); cl.msg.Text != "still alive" {
		t.Fatalf("got %q", cl.msg.Text)
	}
	c.sync()
}

func TestSendQueueOverflowDropsOnlyStuckClient(t *testing.T) {
	e := newEnv(t, Config{SendQueue: 64})
	good, w, h := loggedIn(t, e)
	served := stuckClient(t, e, "")
	h.expectCall(t, "Attached")
	for i := 0; w.ClientCount() == 2; i++ {
		if i > 1000 {
			t.Fatal("stuck client never dropped")
		}
		w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: "flood"})
		good.expectParams("PRIVMSG", "alice", "flood")
	}
	h.expectCall(t, "Detached")
	<-served
	if msgs := good.sync(); len(find(msgs, "ERROR")) != 0 {
		t.Fatalf("good client dropped: %v", msgs)
	}
}

func TestShutdown(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := e.srv.Shutdown(ctx, "maintenance"); err != nil {
		t.Fatal(err)
	}
	msgs := c.expectClosed()
	errs := find(msgs, "ERROR")
	if len(errs) != 1 || errs[0].Param(0) != "maintenance" {
		t.Fatalf("got %v", msgs)
	}
	h.expectCall(t, "Detached")
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Serve(ctx, ln); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Shutdown = %v", err)
	}
}

func TestServeEndsWithContext(t *testing.T) {
	e := newEnv(t, Config{})
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	c := newTestClient(t, mustDial(t, ln.Addr().String()))
	c.register("ctxuser")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	msgs := c.expectClosed()
	if len(find(msgs, "ERROR")) != 1 {
		t.Fatalf("got %v", msgs)
	}
}

func TestDeliverSplitsLongText(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e)
	words := strings.Repeat("wörd ", 300) // 1800 bytes with 2-byte runes
	w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: words})
	var got strings.Builder
	for got.Len() < len(words) {
		m := c.expect("PRIVMSG")
		line := m.String()
		if len(line)+2 > 512 {
			t.Fatalf("line of %d bytes", len(line)+2)
		}
		if !utf8.ValidString(m.Param(1)) {
			t.Fatalf("split inside a rune: %q", m.Param(1))
		}
		got.WriteString(m.Param(1))
	}
	if got.String() != words {
		t.Fatal("split text does not add up to the original")
	}
	if n := w.Deliver(Message{Command: "PRIVMSG", From: "bob", Target: "#closed", Text: "x"}); n != 0 {
		t.Fatalf("Deliver to a channel that is not open reached %d clients", n)
	}
}

// LUSERS counts IRC connections, not contacts, and never says whose they
// are; its channels are those of the asking world.
func TestLusersCountsConnectionsNotContacts(t *testing.T) {
	e := newEnv(t, Config{})
	other := e.dial()
	other.register("stranger") // a guest: another world
	c, _, _ := loggedIn(t, e)
	c.send("LUSERS")
	got := c.sync()
	want := map[string][]string{
		irc.RPL_LUSERCLIENT:   {"alice", "There are 0 users and 2 invisible on 1 servers"},
		irc.RPL_LUSEROP:       {"alice", "0", "operator(s) online"},
		irc.RPL_LUSERUNKNOWN:  {"alice", "0", "unknown connection(s)"},
		irc.RPL_LUSERCHANNELS: {"alice", "1", "channels formed"}, // &msn
		irc.RPL_LUSERME:       {"alice", "I have 2 clients and 0 servers"},
		rplLocalUsers:         {"alice", "2", "2", "Current local users 2, max 2"},
		rplGlobalUsers:        {"alice", "2", "2", "Current global users 2, max 2"},
	}
	if len(got) != len(want) {
		t.Fatalf("LUSERS gave %v", got)
	}
	for _, m := range got {
		checkParams(t, m, want[m.Command]...)
		if strings.Contains(m.String(), "stranger") {
			t.Fatalf("LUSERS names another login: %v", m)
		}
	}
}

func TestHandlerPanicDropsOnlyThatClient(t *testing.T) {
	e := newEnv(t, Config{})
	a, w, h := loggedIn(t, e)
	b := e.dial()
	b.loginSASL("x", "alice@example.com", "secret")
	h.expectCall(t, "Attached")
	h.mu.Lock()
	h.onMsg = func(c *Client, m Message) error {
		if m.Text == "boom" {
			panic("handler bug")
		}
		return nil
	}
	h.mu.Unlock()
	a.send("PRIVMSG bob :boom")
	a.expectClosed()
	h.expectCall(t, "Detached")
	b.send("PRIVMSG bob :still here")
	for {
		if cl := h.expectCall(t, "Message"); cl.msg.Text == "still here" {
			break
		}
	}
	if w.ClientCount() != 1 {
		t.Fatalf("%d clients", w.ClientCount())
	}
}

func TestAccountTagOnOwnMessages(t *testing.T) {
	e := newEnv(t, Config{})
	a, _, h := loggedIn(t, e, "echo-message", "account-tag")
	b := e.dial()
	b.loginSASL("x", "alice@example.com", "secret")
	h.expectCall(t, "Attached")
	a.send("PRIVMSG bob :tagged")
	if m := a.expect("PRIVMSG"); m.Tags["account"] != "alice@example.com" {
		t.Fatalf("echo %v", m)
	}
	if m := b.expect("PRIVMSG"); len(m.Tags) != 0 {
		t.Fatalf("copy to a client without account-tag %v", m)
	}
}

// account-tag and bot-mode tag every command a user sends, not only
// messages: a JOIN, PART, NICK, AWAY, TOPIC, QUIT of a logged-in user
// carries its account, and of the bot its bot tag.
func TestSenderTagsOnEveryCommand(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e, "account-tag", "message-tags", "away-notify", "setname", "chghost")
	other := e.dial()
	other.loginSASL("x", "alice@example.com", "secret", "account-tag")
	check := func(m *irc.Message, account string, bot bool) {
		t.Helper()
		if m.Tags["account"] != account {
			t.Fatalf("account tag of %v, want %q", m, account)
		}
		if _, ok := m.Tags["bot"]; ok != bot {
			t.Fatalf("bot tag of %v, want %v", m, bot)
		}
	}
	w.OpenChannel("#x", "", false, []Member{{Nick: "bob"}})
	check(c.expect("JOIN"), "alice@example.com", false)
	w.Join("#x", Member{Nick: "msn"})
	check(c.expect("JOIN"), "", true)
	w.SetTopic("#x", "news", "bob")
	check(c.expect("TOPIC"), "bob@hotmail.com", false)
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bob B", Account: "bob@hotmail.com", Online: true, Away: "out"})
	check(c.expect("AWAY"), "bob@hotmail.com", false)
	w.SetUser(User{Nick: "bob", Ident: "bobby", Host: "hotmail.com", Realname: "Bobby", Account: "bob@hotmail.com", Online: true, Away: "out"})
	check(c.expect("CHGHOST"), "bob@hotmail.com", false)
	check(c.expect("SETNAME"), "bob@hotmail.com", false)
	if err := w.RenameUser("bob", "robert"); err != nil {
		t.Fatal(err)
	}
	check(c.expect("NICK"), "bob@hotmail.com", false)
	w.Part("#x", "msn", "bye")
	check(c.expect("PART"), "", true)
	w.RemoveUser("robert", "gone")
	check(c.expect("QUIT"), "bob@hotmail.com", false)
	c.send("SETNAME :Alice A")
	check(c.expect("SETNAME"), "alice@example.com", false)
	c.send("NICK alice2")
	check(c.expect("NICK"), "alice@example.com", false)
	other.expectParams("NICK", "robert")
	check(other.expectParams("NICK", "alice2"), "alice@example.com", false)
}

// Changes made while no client is attached are not announced to anyone,
// yet a client attaching later sees their result.
func TestWorldChangesWithoutClients(t *testing.T) {
	e := newEnv(t, Config{})
	w, h := e.backend.world("alice@example.com")
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bob", Online: true})
	w.SetUser(User{Nick: "carol", Ident: "carol", Host: "msn.com", Online: true})
	w.SetUser(User{Nick: "dave", Ident: "dave", Host: "msn.com", Online: true})
	w.OpenChannel("&msn", "topic", true, nil)
	w.Join("&msn", Member{Nick: "bob"})
	w.Join("&msn", Member{Nick: "carol", Voice: true})
	w.Join("&msn", Member{Nick: "dave", Voice: true})
	w.SetMember("&msn", Member{Nick: "bob", Voice: true})
	w.SetMember("&msn", Member{Nick: "carol"})
	w.Part("&msn", "dave", "went offline")
	// The same nick with another case renames the member too.
	w.SetUser(User{Nick: "BOB", Ident: "bob", Host: "hotmail.com", Realname: "Bobby", Online: true, Away: "Lunch"})

	c := e.dial()
	msgs := c.loginSASL("alice", "alice@example.com", "secret", "away-notify")
	h.expectCall(t, "Attached")
	for _, cmd := range []string{"MODE", "PART", "SETNAME"} {
		if got := find(msgs, cmd); len(got) != 0 {
			t.Errorf("the burst replays %s lines of changes made before: %v", cmd, got)
		}
	}
	// The burst tells away-notify clients who is away now, once.
	if aways := find(msgs, "AWAY"); len(aways) != 1 || aways[0].Prefix.Name != "BOB" || aways[0].Param(0) != "Lunch" {
		t.Errorf("burst AWAY lines %v, want BOB's Lunch", aways)
	}
	if joins := find(msgs, "JOIN"); len(joins) != 1 || joins[0].Prefix.Name != "alice" {
		t.Errorf("burst JOINs %v, want only alice's", joins)
	}
	names := find(msgs, irc.RPL_NAMREPLY)
	if len(names) != 1 {
		t.Fatalf("NAMES replies %v", names)
	}
	checkParams(t, names[0], "alice", "=", "&msn", "@alice +BOB carol")
	c.send("WHOIS bob")
	if m := c.expect(irc.RPL_WHOISUSER); m.Param(1) != "BOB" || m.Trailing() != "Bobby" {
		t.Errorf("WHOIS bob: %v", m)
	}
	checkParams(t, c.expect(irc.RPL_AWAY), "alice", "BOB", "Lunch")

	// Once a client is attached, the same calls are announced.
	w.Join("&msn", Member{Nick: "dave", Voice: true})
	checkParams(t, c.expect("JOIN"), "&msn")
	checkParams(t, c.expect("MODE"), "&msn", "+v", "dave")
	w.Part("&msn", "dave", "went offline")
	checkParams(t, c.expect("PART"), "&msn", "went offline")
}

// The shortcuts for words and text that need no cleaning give what the
// full cleaning gives.
func TestCleaningShortcuts(t *testing.T) {
	for _, s := range []string{"", "bob", ":bob", "bo b", "a!b", "a@b", "a\rb", "a\x00b", "Zoë", "\xff", "x~y", "a\x7fb", "\x02b", "a\u202eb"} {
		if got, want := cleanWordFast(s), cleanWord(s); got != want {
			t.Errorf("cleanWordFast(%q) = %q, want %q", s, got, want)
		}
		if got, want := cleanNameFast(s), cleanName(s); got != want {
			t.Errorf("cleanNameFast(%q) = %q, want %q", s, got, want)
		}
		u := User{Nick: "n", Host: s}
		sanitizeUser(&u, "irc.test")
		if want := cleanPrefixPart(cleanWord(firstNonEmpty(s, "irc.test"))); u.Host != want {
			t.Errorf("host %q sanitized to %q, want %q", s, u.Host, want)
		}
	}
}

// NAMES of a channel with many members comes in lines that fit in 512
// bytes, with every member once, in join order.
func TestNamesOfALargeChannel(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e, "multi-prefix")
	var members []Member
	var want []string
	for i := range 300 {
		m := Member{Nick: fmt.Sprintf("contact%03d", i), Op: i%7 == 0, Voice: i%2 == 0}
		members = append(members, m)
		p := ""
		if m.Op {
			p = "@"
		}
		if m.Voice {
			p += "+"
		}
		want = append(want, p+m.Nick)
	}
	w.OpenChannel("&big", "", true, members)
	var got []string
	for _, m := range find(c.sync(), irc.RPL_NAMREPLY) {
		if n := len(m.String()) + 2; n > 512 {
			t.Errorf("NAMES line of %d bytes", n)
		}
		got = append(got, strings.Fields(m.Trailing())...)
	}
	if len(got) < 2 || got[0] != "@alice" || strings.Join(got[1:], " ") != strings.Join(want, " ") {
		t.Errorf("NAMES gave %d entries %q..., want @alice then %d members in order", len(got), got[:min(len(got), 5)], len(want))
	}
}

// A member who is not a user of the world is shown by the nick given, and
// becomes that user, with the same modes and place, once the user is added.
func TestWorldMemberWithoutUser(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e, "userhost-in-names")
	w.OpenChannel("#chat", "", false, []Member{{Nick: "Zed", Voice: true}, {Nick: "bob"}})
	c.expectParams(irc.RPL_NAMREPLY, "alice", "=", "#chat", "alice!alice@127.0.0.1 +Zed!Zed@irc.test bob!bob@hotmail.com")
	c.expect(irc.RPL_ENDOFNAMES)
	w.SetUser(User{Nick: "zed", Ident: "z", Host: "msn.com", Account: "z@msn.com", Online: true})
	c.send("NAMES #chat")
	c.expectParams(irc.RPL_NAMREPLY, "alice", "=", "#chat", "alice!alice@127.0.0.1 +zed!z@msn.com bob!bob@hotmail.com")
	c.expect(irc.RPL_ENDOFNAMES)
	c.send("WHOIS zed")
	c.expectParams(irc.RPL_WHOISUSER, "alice", "zed", "z", "msn.com", "*", "")
	c.expectParams(irc.RPL_WHOISCHANNELS, "alice", "zed", "+#chat")
	c.expect(irc.RPL_ENDOFWHOIS)
	w.Join("#chat", Member{Nick: "Yan"})
	checkParams(t, c.expect("JOIN"), "#chat")
	// A user renamed onto a member's nick is that member from then on.
	if err := w.RenameUser("bob", "yan"); err != nil {
		t.Fatal(err)
	}
	c.expect("NICK")
	c.send("NAMES #chat")
	c.expectParams(irc.RPL_NAMREPLY, "alice", "=", "#chat", "alice!alice@127.0.0.1 +zed!z@msn.com yan!bob@hotmail.com")
	c.expect(irc.RPL_ENDOFNAMES)
	w.Part("#chat", "ZED", "")
	if m := c.expect("PART"); m.Prefix.String() != "zed!z@msn.com" {
		t.Errorf("PART from %v", m.Prefix)
	}
}

// Members lists a channel's members in the order they joined, with their
// modes, as the world has them now.
func TestWorldMembers(t *testing.T) {
	srv := NewServer(Config{}, nil)
	w := srv.NewWorld(nopHandler{})
	if got := w.Members("&msn"); got != nil {
		t.Fatalf("members of a channel not open: %v", got)
	}
	w.OpenChannel("&msn", "", true, []Member{{Nick: "msn", Op: true}})
	w.SetUser(User{Nick: "bob"})
	w.SetUser(User{Nick: "carol"})
	w.Join("&MSN", Member{Nick: "bob", Voice: true})
	w.Join("&msn", Member{Nick: "carol"})
	w.Join("&msn", Member{Nick: "bob"}) // already in: only the mode changes
	w.Part("&msn", "msn", "")
	want := []Member{{Nick: "bob"}, {Nick: "carol"}}
	if got := w.Members("&msn"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("members %v, want %v", got, want)
	}
}
