package ircd

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/internal/ircname"
)

// drawCase is a batch of users drawn into a world that has bob, carol,
// the service user, &msn and #chat with ghosts (members who are not users).
type drawCase struct {
	name    string
	channel string
	batch   []ChannelUser
}

var drawCases = []drawCase{
	{"new users", "&msn", []ChannelUser{
		{User: User{Nick: "dan", Ident: "dan", Host: "msn.com", Account: "dan@msn.com", Realname: "Dan", Online: true}, In: true, Voice: true},
		{User: User{Nick: "Erin", Away: "Offline", Realname: "two\r\nlines"}, In: true},
		{User: User{Nick: "frank", Ident: "fr ank", Host: "a!b", Online: true}},
		{User: User{Nick: "gus", Account: "gus@hotmail.com", Online: true}, In: true, Op: true, Voice: true},
	}},
	{"existing users with changes", "&msn", []ChannelUser{
		{User: User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bobby", Account: "bob@hotmail.com", Away: "Lunch"}, In: true},
		{User: User{Nick: "carol", Ident: "carol", Host: "msn.com", Realname: "Carol", Online: true, Away: "Busy"}, In: true, Voice: true},
		{User: User{Nick: "BOB", Ident: "bob", Host: "hotmail.com", Realname: "Bobby", Account: "bob@hotmail.com", Online: true}, In: true, Voice: true},
		{User: User{Nick: "msn", Ident: "msn", Host: "irc.test", Realname: "MSN service", Online: true, Bot: true}},
	}},
	{"invalid nicks", "&msn", []ChannelUser{
		{User: User{Nick: "1bad", Online: true}, In: true},
		{User: User{Nick: ""}, In: true},
		{User: User{Nick: "bad nick"}},
		{User: User{Nick: strings.Repeat("x", ircname.NickLen+1)}, In: true},
		{User: User{Nick: "good", Online: true}, In: true},
	}},
	{"own nick", "&msn", []ChannelUser{
		{User: User{Nick: "ALICE", Online: true}, In: true, Voice: true},
		{User: User{Nick: "alice"}},
		{User: User{Nick: "hal", Online: true}, In: true},
	}},
	{"ghosts", "&msn", []ChannelUser{
		{User: User{Nick: "Ghosty", Online: true, Away: "Away"}, In: true, Voice: true},
		{User: User{Nick: "zed", Online: true}},
	}},
	{"the same nick twice", "&msn", []ChannelUser{
		{User: User{Nick: "Eve", Online: true}, In: true},
		{User: User{Nick: "eve", Away: "Gone"}, In: true, Voice: true},
	}},
	{"another channel", "#chat", []ChannelUser{
		{User: User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bob B", Account: "bob@hotmail.com", Online: true}, In: true, Op: true},
		{User: User{Nick: "ghosty"}, In: true},
		{User: User{Nick: "ivy"}, In: true},
	}},
	{"a channel that is not open", "&nowhere", []ChannelUser{
		{User: User{Nick: "jay", Online: true}, In: true, Voice: true},
		{User: User{Nick: "carol", Realname: "Caroline"}, In: true},
	}},
	{"many users", "&msn", manyUsers(300)},
}

// manyUsers is n users with long nicks in capitals, every third one away
// and every other one in the channel.
func manyUsers(n int) []ChannelUser {
	users := make([]ChannelUser, n)
	for i := range users {
		users[i] = ChannelUser{User: User{Nick: fmt.Sprintf("ContactNumber%06d", i), Online: i%3 != 0}, In: i%2 == 0, Voice: i%3 != 0}
		if i%3 == 0 {
			users[i].Away = "Offline"
		}
	}
	return users
}

// SetUsers shows clients, attached during the draw or after it, exactly
// what SetUser and Join of each user in turn show them, and logs the same.
func TestWorldSetUsersIsSetUserThenJoin(t *testing.T) {
	for _, tc := range drawCases {
		for _, attached := range []bool{false, true} {
			name := tc.name + "/no client"
			if attached {
				name = tc.name + "/clients attached"
			}
			t.Run(name, func(t *testing.T) {
				want := drawTranscript(t, tc, attached, false)
				got := drawTranscript(t, tc, attached, true)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("SetUsers gives\n%s\n\nSetUser and Join give\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			})
		}
	}
}

// drawTranscript draws tc's batch with SetUsers (batch) or SetUser and
// Join, and returns the warnings logged, what the clients got and their
// NAMES, WHO and WHOIS afterwards.
func drawTranscript(t *testing.T, tc drawCase, attached, batch bool) []string {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	// Hundreds of queries (a WHOIS per nick) at once: their pacing is
	// TestQueriesWaitTheirTurn's.
	e := newEnv(t, Config{Logger: logger, QueryBurst: 1 << 20})
	w, h := e.backend.world("alice@example.com")
	if err := w.SetNick("alice"); err != nil {
		t.Fatal(err)
	}
	w.SetUser(User{Nick: "bob", Ident: "bob", Host: "hotmail.com", Realname: "Bob B", Account: "bob@hotmail.com", Online: true})
	w.SetUser(User{Nick: "carol", Ident: "carol", Host: "msn.com", Realname: "Carol", Online: true, Away: "Busy"})
	w.SetUser(User{Nick: "msn", Ident: "msn", Host: "irc.test", Realname: "MSN service", Online: true, Bot: true})
	w.OpenChannel("&msn", "contacts", true, []Member{{Nick: "msn", Op: true}, {Nick: "bob", Voice: true}, {Nick: "carol"}, {Nick: "ghosty"}})
	w.OpenChannel("#chat", "", false, []Member{{Nick: "ghosty", Voice: true}, {Nick: "zed"}, {Nick: "carol"}})

	var nicks []string
	for _, cu := range tc.batch {
		if validNick(cu.Nick) {
			nicks = append(nicks, cu.Nick)
		}
	}
	var clients []*testClient
	var out []string
	keep := func(i int, msgs []*irc.Message) {
		for _, m := range msgs {
			switch m.Command {
			case "003", "317", "329", "333": // times
				continue
			}
			delete(m.Tags, "time")
			out = append(out, strconv.Itoa(i)+" "+m.String())
		}
	}
	login := func() {
		full := e.dial()
		burst := full.loginSASL("alice", "alice@example.com", "secret", "extended-join", "away-notify", "multi-prefix",
			"userhost-in-names", "setname", "extended-monitor", "account-tag")
		h.expectCall(t, "Attached")
		keep(0, burst)
		plain := e.dial()
		keep(1, plain.loginSASL("alice", "alice@example.com", "secret"))
		h.expectCall(t, "Attached")
		for _, c := range []*testClient{full, plain} {
			c.send("MONITOR + %s", strings.Join(nicks, ","))
			c.sync()
		}
		clients = []*testClient{full, plain}
	}
	if attached {
		login()
	}
	if batch {
		w.SetUsers(tc.channel, tc.batch)
	} else {
		for _, cu := range tc.batch {
			w.SetUser(cu.User)
			if cu.In {
				w.Join(tc.channel, Member{Nick: cu.Nick, Op: cu.Op, Voice: cu.Voice})
			}
		}
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "ignoring user") {
			out = append(out, "log "+l)
		}
	}
	if !attached {
		login()
	}
	for i, c := range clients {
		for _, q := range []string{"NAMES &msn", "NAMES #chat", "WHO &msn", "WHO #chat"} {
			c.send("%s", q)
		}
		for _, n := range nicks {
			c.send("WHOIS %s", n)
		}
		keep(i, c.sync())
	}
	return out
}
