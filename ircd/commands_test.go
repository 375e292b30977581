package ircd

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// loggedIn returns a client logged in to alice@example.com's world, which
// has the contacts bob (online, in &msn with voice) and carol (away).
func loggedIn(t *testing.T, e *testEnv, caps ...string) (*testClient, *World, *fakeHandler) {
	t.Helper()
	w, h := e.backend.world("alice@example.com")
	withWhois(w, h, map[string][]string{"bob": {"is bob@hotmail.com on MSN (Online)"}})
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bob B", Account: "bob@hotmail.com",
		Online: true})
	w.SetUser(User{Nick: "carol", Ident: "carol", Host: "msn.com", Realname: "Carol", Online: true, Away: "Busy"})
	w.SetUser(User{Nick: "msn", Ident: "msn", Host: "irc.test", Realname: "MSN service", Online: true, Bot: true})
	w.OpenChannel("&msn", "", true, []Member{{Nick: "msn", Op: true}, {Nick: "bob", Voice: true}, {Nick: "carol", Voice: true}})
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", caps...)
	h.expectCall(t, "Attached")
	return c, w, h
}

func TestPing(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.pipe()
	c.send("PING abcdef")
	c.expectParams("PONG", "irc.test", "abcdef")
	c.register("foo")
	c.send("PING")
	c.expectParams(irc.ERR_NEEDMOREPARAMS, "foo", "PING", "*any*")
	c.send("PING :")
	c.expectParams("PONG", "irc.test", "")
}

func TestQuit(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, h := loggedIn(t, e)
	c.send("QUIT :bye now")
	c.expect("ERROR")
	// A quitting client no longer counts, even before its socket is closed.
	if n := w.ClientCount(); n != 0 {
		t.Fatalf("ClientCount = %d after ERROR", n)
	}
	if n := w.Deliver(Message{Command: "PRIVMSG", From: "bob", Text: "too late"}); n != 0 {
		t.Fatalf("Deliver reached %d clients after QUIT", n)
	}
	c.expectClosed()
	h.expectCall(t, "Detached")
	if w.ClientCount() != 0 {
		t.Fatal("client still attached")
	}
}

func TestPrivmsgToUser(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e)
	c.send("@+typing=active;+draft/x=y PRIVMSG bob :hello there")
	cl := h.expectCall(t, "Message")
	if cl.msg.Command != "PRIVMSG" || cl.msg.Target != "bob" || cl.msg.Text != "hello there" || cl.msg.From != "alice" {
		t.Fatalf("message %+v", cl.msg)
	}
	// The handler gets who the nick named, not only the nick.
	if cl.msg.TargetAccount != "bob@hotmail.com" {
		t.Fatalf("target account %q, want bob@hotmail.com", cl.msg.TargetAccount)
	}
	if cl.msg.Tags["+typing"] != "active" || cl.msg.Tags["+draft/x"] != "y" || cl.msg.Time.IsZero() {
		t.Fatalf("tags %v time %v", cl.msg.Tags, cl.msg.Time)
	}
	// No echo without echo-message.
	if msgs := c.sync(); len(find(msgs, "PRIVMSG")) != 0 {
		t.Fatalf("unexpected echo %v", msgs)
	}
	// Case-insensitive target, reported with the user's own case.
	c.send("NOTICE BOB :hi")
	if cl := h.expectCall(t, "Message"); cl.msg.Command != "NOTICE" || cl.msg.Target != "bob" {
		t.Fatalf("notice %+v", cl.msg)
	}
}

func TestPrivmsgErrors(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e)
	c.send("PRIVMSG nobody :hi")
	c.expectParams(irc.ERR_NOSUCHNICK, "alice", "nobody", "*any*")
	c.send("PRIVMSG #nowhere :hi")
	c.expectParams(irc.ERR_NOSUCHCHANNEL, "alice", "#nowhere", "*any*")
	c.send("PRIVMSG")
	c.expectParams(irc.ERR_NORECIPIENT, "alice", "*any*")
	c.send("PRIVMSG bob")
	c.expectParams(irc.ERR_NOTEXTTOSEND, "alice", "*any*")
	c.send("PRIVMSG bob :")
	c.expectParams(irc.ERR_NOTEXTTOSEND, "alice", "*any*")
	c.send("PRIVMSG a,b,c,d,e :hi")
	c.expect(irc.ERR_TOOMANYTARGETS)
	// NOTICE never gets automatic errors.
	c.send("NOTICE nobody :hi")
	if msgs := c.sync(); len(msgs) != 0 {
		t.Fatalf("NOTICE to nobody answered %v", msgs)
	}
	c.send("PRIVMSG bob :\xff\xfe")
	m := c.expect("NOTICE")
	if !strings.Contains(m.Trailing(), "UTF-8") {
		t.Fatalf("invalid UTF-8 notice %v", m)
	}
	h.noCall(t, "Message")
	// A PRIVMSG to an away user gets 301.
	c.send("PRIVMSG carol :you there?")
	c.expectParams(irc.RPL_AWAY, "alice", "carol", "Busy")
}

func TestPrivmsgHandlerErrors(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e, "standard-replies")
	h.setErr(&Reply{Code: irc.ERR_NOSUCHNICK, Params: []string{"bob"}, Text: "bob is offline"})
	c.send("PRIVMSG bob :hi")
	c.expectParams(irc.ERR_NOSUCHNICK, "alice", "bob", "bob is offline")
	h.setErr(errors.New("switchboard closed"))
	c.send("PRIVMSG bob :hi")
	c.expectParams("FAIL", "PRIVMSG", "UNKNOWN_ERROR", "switchboard closed")
}

func TestHandlerErrorAsNotice(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e)
	h.setErr(errors.New("switchboard closed"))
	c.send("PRIVMSG bob :hi")
	c.expectParams("NOTICE", "alice", "switchboard closed")
}

func TestEchoMessageAndOtherClients(t *testing.T) {
	e := newEnv(t, Config{})
	a, _, h := loggedIn(t, e, "echo-message", "server-time", "message-tags")
	b := e.dial()
	b.loginSASL("x", "alice@example.com", "secret")
	h.expectCall(t, "Attached")
	a.send("@+typing=active PRIVMSG bob :hello")
	echo := a.expect("PRIVMSG")
	checkParams(t, echo, "bob", "hello")
	if echo.Prefix.Name != "alice" || echo.Tags["time"] == "" || echo.Tags["+typing"] != "active" {
		t.Fatalf("echo %v", echo)
	}
	copy := b.expect("PRIVMSG")
	checkParams(t, copy, "bob", "hello")
	if copy.Prefix.Name != "alice" {
		t.Fatalf("copy to the other client %v", copy)
	}
	if _, ok := copy.Tags["time"]; ok {
		t.Fatalf("server-time tag sent to a client without the cap: %v", copy)
	}
	if _, ok := copy.Tags["+typing"]; ok {
		t.Fatalf("client tag sent to a client without message-tags: %v", copy)
	}
	h.expectCall(t, "Message")
	// TAGMSG: the other client lacks message-tags and gets nothing.
	a.send("@+typing=active TAGMSG bob")
	if tm := a.expect("TAGMSG"); tm.Tags["+typing"] != "active" {
		t.Fatalf("tagmsg echo %v", tm)
	}
	if cl := h.expectCall(t, "Message"); cl.msg.Command != "TAGMSG" || cl.msg.Tags["+typing"] != "active" {
		t.Fatalf("tagmsg %+v", cl.msg)
	}
	if msgs := b.sync(); len(find(msgs, "TAGMSG")) != 0 {
		t.Fatalf("TAGMSG to a client without message-tags: %v", msgs)
	}
}

func TestMessageToSelf(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e)
	c.send("PRIVMSG alice :note to self")
	checkParams(t, c.expect("PRIVMSG"), "alice", "note to self")
	h.noCall(t, "Message")
}

func TestChannelMessage(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e)
	c.send("PRIVMSG &MSN :help")
	if cl := h.expectCall(t, "Message"); cl.msg.Target != "&msn" || cl.msg.Text != "help" || cl.msg.TargetAccount != "" {
		t.Fatalf("%+v", cl.msg)
	}
}

func TestNickChange(t *testing.T) {
	e := newEnv(t, Config{})
	a, w, h := loggedIn(t, e)
	b := e.dial()
	b.loginSASL("x", "alice@example.com", "secret")
	a.send("NICK bob")
	a.expectParams(irc.ERR_NICKNAMEINUSE, "alice", "bob", "*any*")
	a.send("NICK BOB")
	a.expect(irc.ERR_NICKNAMEINUSE)
	a.send("NICK 9x")
	a.expect(irc.ERR_ERRONEUSNICKNAME)
	a.send("NICK alicia")
	for _, c := range []*testClient{a, b} {
		m := c.expect("NICK")
		if m.Prefix.Name != "alice" || m.Param(0) != "alicia" {
			t.Fatalf("NICK %v", m)
		}
	}
	cl := h.expectCall(t, "NickChanged")
	if cl.args[0] != "alice" || cl.args[1] != "alicia" || w.Nick() != "alicia" {
		t.Fatalf("NickChanged %v, world nick %q", cl.args, w.Nick())
	}
	b.send("WHOIS alicia")
	b.expectParams(irc.RPL_WHOISUSER, "alicia", "alicia", "*any*", "*any*", "*", "*any*")
}

// A group chat's member who is not a contact keeps its nick: the user
// cannot take it, whatever its case.
func TestNickOfChannelStrangerInUse(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e)
	w.OpenChannel("#grp", "", false, []Member{{Nick: "dave"}})
	c.sync()
	c.send("NICK Dave")
	c.expectParams(irc.ERR_NICKNAMEINUSE, "alice", "Dave", "*any*")
	if w.Nick() != "alice" {
		t.Fatalf("world nick %q", w.Nick())
	}
}

func TestJoinPart(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e)
	c.send("JOIN #group,bad name,&msn")
	if cl := h.expectCall(t, "Join"); cl.args[0] != "#group" {
		t.Fatalf("join %v", cl.args)
	}
	j := c.expect("JOIN")
	checkParams(t, j, "#group")
	c.expectParams(irc.RPL_NAMREPLY, "alice", "=", "#group", "@alice")
	c.expect(irc.RPL_ENDOFNAMES)
	h.noCall(t, "Join") // &msn is already open, "bad" is invalid
	c.send("PART #group :bye")
	if cl := h.expectCall(t, "Part"); cl.args[0] != "#group" || cl.args[1] != "bye" {
		t.Fatalf("part %v", cl.args)
	}
	checkParams(t, c.expect("PART"), "#group", "bye")
	c.send("PART #nothere")
	c.expectParams(irc.ERR_NOSUCHCHANNEL, "alice", "#nothere", "*any*")
	h.setErr(&Reply{Code: "405", Params: []string{"#x"}, Text: "You have joined too many channels"})
	c.send("JOIN #x")
	c.expectParams("405", "alice", "#x", "You have joined too many channels")
}

func TestNamesTopicMode(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, h := loggedIn(t, e, "multi-prefix")
	c.send("NAMES &msn")
	checkParams(t, c.expect(irc.RPL_NAMREPLY), "alice", "=", "&msn", "@alice @msn +bob +carol")
	c.expectParams(irc.RPL_ENDOFNAMES, "alice", "&msn", "*any*")
	c.send("NAMES #none")
	c.expectParams(irc.RPL_ENDOFNAMES, "alice", "#none", "*any*")
	c.send("TOPIC &msn")
	c.expectParams(irc.RPL_NOTOPIC, "alice", "&msn", "*any*")
	c.send("TOPIC &msn :listening to music")
	if cl := h.expectCall(t, "Topic"); cl.args[1] != "listening to music" {
		t.Fatalf("topic %v", cl.args)
	}
	tm := c.expect("TOPIC")
	checkParams(t, tm, "&msn", "listening to music")
	c.send("TOPIC &msn")
	c.expectParams(irc.RPL_TOPIC, "alice", "&msn", "listening to music")
	c.expectParams(rplTopicWhoTime, "alice", "&msn", "*any*", "*any*")
	c.send("TOPIC #none :x")
	c.expect(irc.ERR_NOSUCHCHANNEL)
	c.send("MODE &msn")
	c.expectParams(irc.RPL_CHANNELMODEIS, "alice", "&msn", "+nt")
	c.expectParams(rplCreationTime, "alice", "&msn", "*any*")
	c.send("MODE &msn b")
	c.expectParams(irc.RPL_ENDOFBANLIST, "alice", "&msn", "*any*")
	c.send("MODE &msn +b")
	c.expect(irc.RPL_ENDOFBANLIST)
	c.send("MODE alice")
	c.expectParams(irc.RPL_UMODEIS, "alice", "+i")
	c.send("MODE bob")
	c.expect(irc.ERR_USERSDONTMATCH)
	c.send("MODE #none")
	c.expect(irc.ERR_NOSUCHCHANNEL)
	w.OpenChannel("#chat", "", false, []Member{{Nick: "bob"}})
	c.send("MODE #chat +o bob")
	c.expectParams(irc.ERR_CHANOPRIVSNEEDED, "alice", "#chat", "*any*")
}

func TestInviteKick(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, h := loggedIn(t, e)
	w.OpenChannel("#chat", "", true, []Member{{Nick: "bob"}})
	c.send("INVITE carol #chat")
	if cl := h.expectCall(t, "Invite"); cl.args[0] != "carol" || cl.args[1] != "#chat" {
		t.Fatalf("invite %v", cl.args)
	}
	c.expectParams(rplInviting, "alice", "carol", "#chat")
	c.send("INVITE bob #chat")
	c.expectParams(irc.ERR_USERONCHANNEL, "alice", "bob", "#chat", "*any*")
	c.send("INVITE nobody #chat")
	c.expect(irc.ERR_NOSUCHNICK)
	c.send("INVITE bob #none")
	c.expect(irc.ERR_NOSUCHCHANNEL)
	c.send("KICK #chat carol")
	c.expectParams(irc.ERR_USERNOTINCHANNEL, "alice", "carol", "#chat", "*any*")
	h.setErr(&Reply{Code: irc.ERR_CHANOPRIVSNEEDED, Params: []string{"#chat"}, Text: "You can't kick in MSN"})
	c.send("KICK #chat bob :go away")
	cl := h.expectCall(t, "Kick")
	if cl.args[0] != "#chat" || cl.args[1] != "bob" || cl.args[2] != "go away" {
		t.Fatalf("kick %v", cl.args)
	}
	c.expectParams(irc.ERR_CHANOPRIVSNEEDED, "alice", "#chat", "You can't kick in MSN")
}

func TestWho(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e)
	c.send("WHO &msn")
	got := map[string]*irc.Message{}
	for {
		m := c.next()
		if m.Command == irc.RPL_ENDOFWHO {
			checkParams(t, m, "alice", "&msn", "*any*")
			break
		}
		if m.Command != irc.RPL_WHOREPLY {
			t.Fatalf("unexpected %v", m)
		}
		got[m.Param(5)] = m
	}
	checkParams(t, got["alice"], "alice", "&msn", "alice", "*any*", "irc.test", "alice", "H@", "0 Real alice")
	checkParams(t, got["carol"], "alice", "&msn", "carol", "msn.com", "irc.test", "carol", "G+", "0 Carol")
	checkParams(t, got["bob"], "alice", "&msn", "bob", "hotmail.com", "irc.test", "bob", "H+", "0 Bob B")
	c.send("WHO carol")
	checkParams(t, c.expect(irc.RPL_WHOREPLY), "alice", "*", "carol", "msn.com", "irc.test", "carol", "G", "0 Carol")
	c.expectParams(irc.RPL_ENDOFWHO, "alice", "carol", "*any*")
	c.send("WHO nobody")
	c.expectParams(irc.RPL_ENDOFWHO, "alice", "nobody", "*any*")
}

func TestWhois(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e)
	c.send("WHOIS bob")
	c.expectParams(irc.RPL_WHOISUSER, "alice", "bob", "bob", "hotmail.com", "*", "Bob B")
	c.expectParams(irc.RPL_WHOISCHANNELS, "alice", "bob", "+&msn")
	c.expectParams(irc.RPL_WHOISSERVER, "alice", "bob", "irc.test", "*any*")
	c.expectParams(rplWhoisSpecial, "alice", "bob", "is bob@hotmail.com on MSN (Online)")
	c.expectParams(rplWhoisAccount, "alice", "bob", "bob@hotmail.com", "is logged in as")
	c.expectParams(irc.RPL_ENDOFWHOIS, "alice", "bob", "*any*")
	c.send("WHOIS carol")
	c.expectParams(irc.RPL_AWAY, "alice", "carol", "Busy")
	c.expect(irc.RPL_ENDOFWHOIS)
	c.send("WHOIS msn")
	c.expectParams(rplWhoisBot, "alice", "msn", "*any*")
	c.expect(irc.RPL_ENDOFWHOIS)
	c.send("WHOIS nobody")
	c.expectParams(irc.ERR_NOSUCHNICK, "alice", "nobody", "*any*")
	c.expectParams(irc.RPL_ENDOFWHOIS, "alice", "nobody", "*any*")
	c.send("WHOIS irc.test bob")
	c.expectParams(irc.RPL_WHOISUSER, "alice", "bob", "*any*", "*any*", "*", "*any*")
	c.expect(irc.RPL_ENDOFWHOIS)
	c.send("WHOIS alice")
	c.expectParams(rplWhoisAccount, "alice", "alice", "alice@example.com", "*any*")
}

func TestWhowas(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e)
	c.send("WHOWAS bob")
	c.expectParams(irc.ERR_WASNOSUCHNICK, "alice", "bob", "*any*")
	c.expectParams(irc.RPL_ENDOFWHOWAS, "alice", "bob", "*any*")
	w.RemoveUser("bob", "removed")
	c.expectParams("QUIT", "removed")
	c.send("WHOWAS bob")
	c.expectParams(irc.RPL_WHOWASUSER, "alice", "bob", "bob", "hotmail.com", "*", "Bob B")
	c.expect(irc.RPL_ENDOFWHOWAS)
}

func TestAway(t *testing.T) {
	e := newEnv(t, Config{})
	a, _, h := loggedIn(t, e)
	b := e.dial()
	b.loginSASL("x", "alice@example.com", "secret")
	a.send("AWAY :gone fishing")
	a.expectParams(irc.RPL_NOWAWAY, "alice", "*any*")
	b.expectParams(irc.RPL_NOWAWAY, "alice", "*any*")
	if cl := h.expectCall(t, "Away"); cl.args[0] != "gone fishing" {
		t.Fatalf("away %v", cl.args)
	}
	b.send("WHOIS alice")
	b.expectParams(irc.RPL_AWAY, "alice", "alice", "gone fishing")
	// A client attaching later learns it is away.
	c := e.dial()
	burst := c.loginSASL("y", "alice@example.com", "secret")
	if len(find(burst, irc.RPL_NOWAWAY)) != 1 {
		t.Fatalf("no 306 in burst: %v", commandsOf(burst))
	}
	a.send("AWAY")
	a.expectParams(irc.RPL_UNAWAY, "alice", "*any*")
	if cl := h.expectCall(t, "Away"); cl.args[0] != "" {
		t.Fatalf("back %v", cl.args)
	}
}

func TestIsonUserhost(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, _ := loggedIn(t, e)
	w.SetUser(User{Nick: "dan", Online: false})
	c.send("ISON bob dan nobody CAROL")
	c.expectParams(irc.RPL_ISON, "alice", "bob carol")
	c.send("USERHOST bob carol nobody")
	c.expectParams(irc.RPL_USERHOST, "alice", "bob=+bob@hotmail.com carol=-carol@msn.com")
}

func TestSetname(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, h := loggedIn(t, e, "setname")
	c.send("SETNAME :Alice in Wonderland")
	m := c.expect("SETNAME")
	if m.Prefix.Name != "alice" || m.Param(0) != "Alice in Wonderland" {
		t.Fatalf("setname %v", m)
	}
	if cl := h.expectCall(t, "Realname"); cl.args[0] != "Alice in Wonderland" {
		t.Fatalf("realname %v", cl.args)
	}
	c.send("SETNAME :%s", strings.Repeat("x", 300))
	c.expectParams("FAIL", "SETNAME", "INVALID_REALNAME", "*any*")
	c.send("WHOIS alice")
	c.expectParams(irc.RPL_WHOISUSER, "alice", "alice", "*any*", "*any*", "*", "Alice in Wonderland")
}

func TestInfoCommands(t *testing.T) {
	e := newEnv(t, Config{Version: "v1.2"})
	c, _, _ := loggedIn(t, e)
	c.send("VERSION")
	c.expectParams(irc.RPL_VERSION, "alice", "v1.2", "irc.test", "*any*")
	c.expect(irc.RPL_ISUPPORT)
	c.send("TIME")
	c.expectParams(irc.RPL_TIME, "alice", "irc.test", "*any*")
	c.send("INFO")
	c.expect(rplInfo)
	c.expect(rplEndOfInfo)
	c.send("HELP")
	c.expectParams(rplHelpStart, "alice", "*", "*any*")
	c.expect(rplEndOfHelp)
	c.send("HELP PRIVMSG")
	c.expectParams(rplHelpStart, "alice", "PRIVMSG", "*any*")
	c.send("HELP NOPE")
	c.expectParams(errHelpNotFound, "alice", "NOPE", "*any*")
	c.send("LUSERS")
	c.expect(irc.RPL_LUSERCLIENT)
	c.expect(irc.RPL_LUSERME)
	c.send("MOTD")
	c.expect(irc.ERR_NOMOTD)
	c.send("NAMES")
	c.expect(irc.RPL_ENDOFNAMES)
}

func TestMonitor(t *testing.T) {
	e := newEnv(t, Config{MonitorLimit: 3})
	c, w, _ := loggedIn(t, e)
	w.SetUser(User{Nick: "dan", Online: false})
	c.send("MONITOR + bob,dan")
	c.expectParams(irc.RPL_MONONLINE, "alice", "bob!bob@hotmail.com")
	c.expectParams(irc.RPL_MONOFFLINE, "alice", "dan")
	c.send("MONITOR + eve,frank")
	c.expectParams(irc.RPL_MONOFFLINE, "alice", "eve")
	c.expectParams(irc.ERR_MONLISTFULL, "alice", "3", "frank", "*any*")
	c.send("MONITOR L")
	c.expectParams(irc.RPL_MONLIST, "alice", "bob,dan,eve")
	c.expectParams(irc.RPL_ENDOFMONLIST, "alice", "*any*")
	// A nick on the full list already: its status, not a full list.
	c.send("MONITOR + Bob")
	c.expectParams(irc.RPL_MONONLINE, "alice", "bob!bob@hotmail.com")
	// Unprompted notifications when User.Online changes.
	w.SetUser(User{Nick: "dan", Online: true})
	c.expectParams(irc.RPL_MONONLINE, "alice", "dan!dan@irc.test")
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Online: false})
	c.expectParams(irc.RPL_MONOFFLINE, "alice", "bob")
	w.SetUser(User{Nick: "eve", Online: true})
	c.expectParams(irc.RPL_MONONLINE, "alice", "eve!eve@irc.test")
	c.send("MONITOR - eve")
	c.send("MONITOR S")
	c.expectParams(irc.RPL_MONONLINE, "alice", "dan!dan@irc.test")
	c.expectParams(irc.RPL_MONOFFLINE, "alice", "bob")
	w.SetUser(User{Nick: "eve", Online: false})
	c.send("MONITOR C")
	c.send("MONITOR L")
	if msgs := c.sync(); len(find(msgs, irc.RPL_MONOFFLINE)) != 0 || len(find(msgs, irc.RPL_MONLIST)) != 0 {
		t.Fatalf("after C and -: %v", msgs)
	}
	c.send("MONITOR X")
	c.expect(irc.ERR_UNKNOWNCOMMAND)
}

func TestJoinZeroLeavesEverything(t *testing.T) {
	e := newEnv(t, Config{})
	c, w, h := loggedIn(t, e)
	w.OpenChannel("#chat", "", true, nil)
	c.expect("JOIN")
	c.send("JOIN 0")
	var parted []string
	for len(parted) < 2 {
		parted = append(parted, h.expectCall(t, "Part").args[0])
	}
	if strings.Join(parted, " ") != "#chat &msn" {
		t.Fatalf("parted %v", parted)
	}
	c.expectParams("PART", "#chat")
	c.expectParams("PART", "&msn")
	if users := w.Users(); len(users) != 3 || users[0].Nick != "bob" {
		t.Fatalf("users %+v", users)
	}
}

// whoisHandler is a fakeHandler that answers WhoisInfo.
type whoisHandler struct {
	*fakeHandler
	asked chan string // gets the nick of each call when not nil
	lines func(nick string) []string
}

func (h *whoisHandler) WhoisInfo(ctx context.Context, c *Client, nick string) []string {
	if _, ok := ctx.Deadline(); !ok {
		panic("WhoisInfo without a deadline")
	}
	if h.asked != nil {
		h.asked <- nick
	}
	return h.lines(nick)
}

// withWhois makes w's handler h answer WhoisInfo with lines, by nick.
// It is called before any client attaches.
func withWhois(w *World, h *fakeHandler, lines map[string][]string) {
	w.h = &whoisHandler{fakeHandler: h, lines: func(nick string) []string { return lines[nick] }}
}

// A Handler implementing WhoisInfoer gives the WHOIS lines of its users
// when a client asks, with the world unlocked; the lines are cleaned for
// one IRC line each.
func TestWhoisInfoer(t *testing.T) {
	e := newEnv(t, Config{})
	fh := newFakeHandler()
	w := e.srv.NewWorld(nil)
	h := &whoisHandler{fakeHandler: fh, asked: make(chan string, 10), lines: func(nick string) []string {
		switch nick {
		case "Eve":
			return nil
		case "msn":
			return []string{"is the service"}
		}
		u, _ := fh.world.LookupUser(nick) // the world is not locked
		return []string{"is " + u.Account + " on MSN", "two\r\nlines"}
	}}
	w.h = h
	fh.world = w
	e.backend.mu.Lock()
	e.backend.worlds["alice@example.com"] = w
	e.backend.handlers["alice@example.com"] = fh
	e.backend.mu.Unlock()
	w.SetUser(User{Nick: "Dan", Ident: "dan", Host: "hotmail.com", Account: "dan@hotmail.com", Online: true})
	w.SetUser(User{Nick: "Eve", Ident: "eve", Host: "hotmail.com", Online: true})
	w.SetUser(User{Nick: "msn", Ident: "msn", Host: "irc.test", Online: true, Bot: true})
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret")
	fh.expectCall(t, "Attached")
	if len(h.asked) != 0 {
		t.Fatalf("WhoisInfo called %d times before any WHOIS", len(h.asked))
	}

	c.send("WHOIS dan")
	c.expectParams(irc.RPL_WHOISUSER, "alice", "Dan", "dan", "hotmail.com", "*", "*any*")
	c.expectParams(irc.RPL_WHOISSERVER, "alice", "Dan", "irc.test", "*any*")
	c.expectParams(rplWhoisSpecial, "alice", "Dan", "is dan@hotmail.com on MSN")
	if m := c.expect(rplWhoisSpecial); strings.ContainsAny(m.Trailing(), "\r\n") || !strings.Contains(m.Trailing(), "two") {
		t.Errorf("second line %q, want it on one line", m.Trailing())
	}
	c.expectParams(rplWhoisAccount, "alice", "Dan", "dan@hotmail.com", "is logged in as")
	c.expectParams(irc.RPL_ENDOFWHOIS, "alice", "Dan", "*any*")
	if got := <-h.asked; got != "Dan" {
		t.Errorf("WhoisInfo asked for %q, want the user's nick Dan", got)
	}

	c.send("WHOIS eve")
	c.expectParams(irc.RPL_WHOISUSER, "alice", "Eve", "*any*", "*any*", "*", "*any*")
	c.expectParams(irc.RPL_WHOISSERVER, "alice", "Eve", "irc.test", "*any*")
	c.expectParams(irc.RPL_ENDOFWHOIS, "alice", "Eve", "*any*")
	<-h.asked

	c.send("WHOIS msn")
	c.expectParams(irc.RPL_WHOISUSER, "alice", "msn", "*any*", "*any*", "*", "*any*")
	c.expectParams(irc.RPL_WHOISSERVER, "alice", "msn", "irc.test", "*any*")
	c.expectParams(rplWhoisSpecial, "alice", "msn", "is the service")
	c.expectParams(rplWhoisBot, "alice", "msn", "*any*")
	c.expectParams(irc.RPL_ENDOFWHOIS, "alice", "msn", "*any*")
	if got := <-h.asked; got != "msn" {
		t.Errorf("WhoisInfo asked for %q, want msn", got)
	}
}

// Each capability the server offers has its own bit, the one its name maps to.
func TestCapBits(t *testing.T) {
	want := map[string]capBitSet{
		"account-notify": capAccountNotify, "account-tag": capAccountTag, "away-notify": capAwayNotify, "batch": capBatch,
		"cap-notify": capCapNotify, "chghost": capChghost, "echo-message": capEchoMessage, "extended-join": capExtendedJoin, "extended-monitor": capExtendedMonitor,
		"labeled-response": capLabeledResponse, "message-tags": capMessageTags, "multi-prefix": capMultiPrefix,
		"sasl": capSASL, "server-time": capServerTime, "setname": capSetname, "standard-replies": capStandardReplies,
		"userhost-in-names": capUserhostInNames, "draft/pre-away": capPreAway, "invite-notify": capInviteNotify,
		"znc.in/self-message": capSelfMessage, "draft/chathistory": capChathistory, "draft/read-marker": capReadMarker, "draft/metadata-2": capMetadata,
	}
	if len(capabilities) != len(want) || len(capBits) != len(want) {
		t.Fatalf("%d capabilities, %d bits, want %d", len(capabilities), len(capBits), len(want))
	}
	for n, bit := range want {
		if capBits[n] != bit {
			t.Errorf("bit of %s = %b, want %b", n, capBits[n], bit)
		}
	}
}
