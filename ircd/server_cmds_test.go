package ircd

import (
	"bufio"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// The commands every small ircd answers get their numerics, not 421.
func TestCommonCommandsAnswered(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e)
	for _, tc := range []struct {
		line string
		want []string // the commands of the reply, in order
	}{
		{"OPER admin hunter2", []string{irc.ERR_NOOPERHOST}},
		{"ADMIN", []string{irc.RPL_ADMINME, irc.RPL_ADMINLOC1, irc.RPL_ADMINLOC2, irc.RPL_ADMINEMAIL}},
		{"STATS u", []string{irc.RPL_STATSUPTIME, irc.RPL_ENDOFSTATS}},
		{"STATS l", []string{irc.RPL_ENDOFSTATS}},
		{"LINKS", []string{irc.RPL_LINKS, irc.RPL_ENDOFLINKS}},
		{"USERS", []string{irc.ERR_USERSDISABLED}},
	} {
		c.send("%s", tc.line)
		got := c.sync()
		if strings.Join(commandsOf(got), " ") != strings.Join(tc.want, " ") {
			t.Fatalf("%s: got %v, want %v", tc.line, got, tc.want)
		}
		for _, m := range got {
			if strings.Contains(m.String(), "hunter2") {
				t.Fatalf("%s: the password is echoed: %v", tc.line, m)
			}
		}
	}
	c.send("STATS u")
	checkParams(t, c.expect(irc.RPL_ENDOFSTATS), "alice", "u", "End of /STATS report")
	c.send("LINKS")
	checkParams(t, c.expect(irc.RPL_LINKS), "alice", "*", "irc.test", "*any*")
}

// NAMES without a channel lists the user's channels; WHO * lists the user
// and the users of the world.
func TestNamesAndWhoWithoutTarget(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e)
	c.send("NAMES")
	got := c.sync()
	names := find(got, irc.RPL_NAMREPLY)
	if len(names) != 1 || !strings.Contains(names[0].Param(3), "@alice") || !strings.Contains(names[0].Param(3), "+bob") {
		t.Fatalf("NAMES: %v", got)
	}
	checkParams(t, find(got, irc.RPL_ENDOFNAMES)[0], "alice", "&msn", "End of /NAMES list")

	g := e.dial()
	g.register("guest")
	g.send("NAMES")
	got = g.sync()
	if len(got) != 2 {
		t.Fatalf("NAMES with no channel: %v", got)
	}
	checkParams(t, got[0], "guest", "*", "*", "guest")
	checkParams(t, got[1], "guest", "*", "End of /NAMES list")

	for _, mask := range []string{"*", "0"} {
		c.send("WHO %s", mask)
		var nicks []string
		for _, m := range find(c.sync(), irc.RPL_WHOREPLY) {
			nicks = append(nicks, m.Param(5)+"/"+m.Param(6))
		}
		if got := strings.Join(nicks, " "); got != "alice/H bob/H carol/G msn/HB" {
			t.Fatalf("WHO %s: %s", mask, got)
		}
	}
	c.send("WHO *@hotmail.com")
	if got := find(c.sync(), irc.RPL_WHOREPLY); len(got) != 1 || got[0].Param(5) != "bob" {
		t.Fatalf("WHO *@hotmail.com: %v", got)
	}
	c.send("WHO BOB")
	if got := find(c.sync(), irc.RPL_WHOREPLY); len(got) != 1 || got[0].Param(5) != "bob" {
		t.Fatalf("WHO BOB: %v", got)
	}
}

// +B makes the user a bot (335, the bot tag on copies of their messages);
// -i and +i change what 221 shows; an unknown letter is refused alone.
func TestUserModes(t *testing.T) {
	e := newEnv(t, Config{})
	c, _, _ := loggedIn(t, e, "message-tags")
	other := e.dial()
	other.loginSASL("alice", "alice@example.com", "secret", "message-tags")

	c.send("MODE alice")
	c.expectParams(irc.RPL_UMODEIS, "alice", "+i")
	c.send("MODE alice +B")
	c.expectParams("MODE", "alice", "+B")
	other.expectParams("MODE", "alice", "+B")
	c.send("MODE alice")
	c.expectParams(irc.RPL_UMODEIS, "alice", "+iB")

	c.send("WHOIS alice")
	c.expectParams(rplWhoisBot, "alice", "alice", "*any*")
	c.send("PRIVMSG bob :beep")
	if m := other.expect("PRIVMSG"); m.Tags["bot"] != "" || !hasTag(m, "bot") {
		t.Fatalf("copy of a bot's message without the bot tag: %v", m)
	}
	c.send("WHO alice")
	c.expectParams(irc.RPL_WHOREPLY, "alice", "*", "*any*", "*any*", "irc.test", "alice", "HB", "*any*")
	c.sync()

	c.send("MODE alice -i+x-B")
	got := c.sync()
	if cmds := strings.Join(commandsOf(got), " "); cmds != irc.ERR_UMODEUNKNOWNFLAG+" MODE" {
		t.Fatalf("MODE alice -i+x-B: %v", got)
	}
	checkParams(t, got[1], "alice", "-iB")
	c.send("MODE alice")
	c.expectParams(irc.RPL_UMODEIS, "alice", "+")
	c.send("MODE alice +i")
	c.expectParams("MODE", "alice", "+i")
	c.send("MODE alice +i")
	if got := c.sync(); len(got) != 0 {
		t.Fatalf("MODE +i when +i: %v", got)
	}
	c.send("PRIVMSG bob :human again")
	if m := other.expect("PRIVMSG"); hasTag(m, "bot") {
		t.Fatalf("bot tag after -B: %v", m)
	}
}

func hasTag(m *irc.Message, k string) bool {
	_, ok := m.Tags[k]
	return ok
}

// 333 names the setter as nick!user@host and says when.
func TestTopicSetterIsAPrefix(t *testing.T) {
	e := newEnv(t, Config{})
	w, _ := e.backend.world("alice@example.com")
	before := time.Now().Unix()
	w.OpenChannel("&msn", "my personal message", true, nil)
	c := e.dial()
	burst := c.loginSASL("alice", "alice@example.com", "secret")
	who := find(burst, rplTopicWhoTime)
	if len(who) != 1 {
		t.Fatalf("no 333 in %v", burst)
	}
	checkParams(t, who[0], "alice", "&msn", "irc.test!irc.test@irc.test", "*any*")
	if at, err := strconv.ParseInt(who[0].Param(3), 10, 64); err != nil || at < before || at > time.Now().Unix() {
		t.Fatalf("333 time %q, opened at %d", who[0].Param(3), before)
	}
	c.send("TOPIC &msn :new")
	c.expect("TOPIC")
	c.send("TOPIC &msn")
	c.expectParams(rplTopicWhoTime, "alice", "&msn", "alice!alice@127.0.0.1", "*any*")
}

// Free text goes after " :" even when it is one word; other last
// parameters do not get one they do not need.
func TestFreeTextAlwaysAfterColon(t *testing.T) {
	for _, tc := range []struct {
		m    *irc.Message
		want string
	}{
		{&irc.Message{Command: "AWAY", Params: []string{"Away"}}, "AWAY :Away"},
		{&irc.Message{Command: "301", Params: []string{"alice", "bob", "Away"}}, "301 alice bob :Away"},
		{&irc.Message{Command: "PRIVMSG", Params: []string{"bob", "\x01NUDGE\x01"}}, "PRIVMSG bob :\x01NUDGE\x01"},
		{&irc.Message{Command: "QUIT", Params: []string{"bye"}}, "QUIT :bye"},
		{&irc.Message{Command: "PART", Params: []string{"#a", "bye"}}, "PART #a :bye"},
		{&irc.Message{Command: "TOPIC", Params: []string{"#a", "t"}}, "TOPIC #a :t"},
		{&irc.Message{Command: "SETNAME", Params: []string{"Bob"}}, "SETNAME :Bob"},
		{&irc.Message{Command: "JOIN", Params: []string{"#a", "bob", "Bob"}}, "JOIN #a bob :Bob"},
		{&irc.Message{Command: "311", Params: []string{"alice", "bob", "bob", "h", "*", "Bob"}}, "311 alice bob bob h * :Bob"},
		{&irc.Message{Command: "JOIN", Params: []string{"#a"}}, "JOIN #a"},
		{&irc.Message{Command: "MODE", Params: []string{"#a", "+v", "bob"}}, "MODE #a +v bob"},
		{&irc.Message{Command: "221", Params: []string{"alice", "+i"}}, "221 alice +i"},
		{&irc.Message{Command: "333", Params: []string{"alice", "#a", "x!y@z", "1"}}, "333 alice #a x!y@z 1"},
		{&irc.Message{Command: "NICK", Params: []string{"bob"}}, "NICK bob"},
	} {
		if got := encodeLine(tc.m); got != tc.want {
			t.Errorf("encodeLine = %q, want %q", got, tc.want)
		}
		if got := string(appendEncoded(nil, tc.m)); got != tc.want {
			t.Errorf("appendEncoded = %q, want %q", got, tc.want)
		}
	}
}

// On the wire: AWAY, 301 and a one-word PRIVMSG carry the colon.
func TestFreeTextOnTheWire(t *testing.T) {
	e := newEnv(t, Config{})
	_, w, _ := loggedIn(t, e)
	conn := mustDial(t, e.addr)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testTimeout))
	r := bufio.NewReader(conn)
	for _, l := range []string{"CAP LS 302", "CAP REQ :away-notify", "PASS alice@example.com:secret", "NICK alice", "USER alice 0 * :A", "CAP END",
		"PRIVMSG carol :\x01NUDGE\x01", "PING end"} {
		conn.Write([]byte(l + "\r\n"))
	}
	var lines []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v after %q", err, lines)
		}
		l = strings.TrimRight(l, "\r\n")
		lines = append(lines, l)
		if strings.HasSuffix(l, " PONG irc.test :end") || strings.HasSuffix(l, " PONG irc.test end") {
			break
		}
	}
	w.SetUser(User{Nick: "carol", Ident: "carol", Host: "msn.com", Realname: "Carol", Online: true, Away: "Away"})
	conn.Write([]byte("PING end2\r\n"))
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		lines = append(lines, strings.TrimRight(l, "\r\n"))
		if strings.Contains(l, "end2") {
			break
		}
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{" 301 alice carol :Busy", " AWAY :Away"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in:\n%s", want, all)
		}
	}
}
