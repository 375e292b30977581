package bridge_test

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/msn"
)

// Each stranger (someone on none of the user's lists) who writes gets a
// query, a user in the world and a stored nick. A session keeps a
// bounded number of each: the least recently used idle query goes, its
// stranger leaves the world (WHOIS no longer finds them), and past the strangers' bound the one who
// left first is forgotten, stored nick and all. The query kept still
// reaches its stranger, and a forgotten stranger who writes again is
// taken as new.
func TestStrangersBounded(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
		c.MaxSwitchboards = 1 // each new chat closes the idle one before it
		c.MaxQueries = 1
		c.MaxStrangers = 1
	})
	var strangers []string
	for i := 1; i <= 3; i++ {
		p := fmt.Sprintf("s%d@example.com", i)
		if err := e.msn.AddAccount(p, password, fmt.Sprintf("S%d", i)); err != nil {
			t.Fatal(err)
		}
		strangers = append(strangers, p)
	}
	c := e.login("alice", alice, password, allCaps)
	peers := map[string]*peer{}
	for i, p := range strangers {
		peers[p] = e.peer(p)
		say(t, peers[p], fmt.Sprintf("hello %d", i+1))
		c.expectFrom(fmt.Sprintf("s%d", i+1), "PRIVMSG", fmt.Sprintf("hello %d", i+1))
	}
	// The bounds are checked once the chat that delivered hello 3 is
	// taken, after its messages went out.
	if !bridge.SyncSession(e.bridge, alice) {
		t.Fatal("no session")
	}
	for _, nick := range []string{"s1", "s2"} {
		c.send("WHOIS " + nick)
		c.expectCmd(irc.ERR_NOSUCHNICK, "alice", nick)
	}
	c.send("PRIVMSG s3 :still here?")
	peers[strangers[2]].expectText("still here?")
	// Its switchboard is idle, for s1's chat to take, once the message
	// is acknowledged.
	waitHistory(t, e, strangers[2], "\"still here?\" delivered", func(m db.HistoryMessage) bool {
		return m.Text == "still here?" && m.Outcome == db.OutcomeDelivered
	})

	stored := storedContacts(t, e)
	if slices.Contains(stored, strangers[0]) || !slices.Contains(stored, strangers[1]) || !slices.Contains(stored, strangers[2]) {
		t.Errorf("stored contacts %v, want s2 and s3 but not s1, forgotten", stored)
	}

	say(t, peers[strangers[0]], "me again")
	c.expectFrom("s1", "PRIVMSG", "me again")
}

// Strangers met in a group chat join the strangers as they leave it:
// past the bound, the first to leave is forgotten, stored nick and all,
// unless a chat holds them still (the one who started the chat keeps the
// query in which the user was told it became a group chat).
func TestGroupChatStrangersBounded(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) { c.MaxStrangers = 1 })
	for _, p := range []string{"s1@example.com", "s2@example.com", "s3@example.com"} {
		if err := e.msn.AddAccount(p, password, p); err != nil {
			t.Fatal(err)
		}
	}
	c := e.login("alice", alice, password, allCaps)
	p1, p2, p3 := e.peer("s1@example.com"), e.peer("s2@example.com"), e.peer("s3@example.com")
	sb := p1.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	for _, p := range []string{"s2@example.com", "s3@example.com"} {
		if err := sb.Invite(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	ch := c.expect("alice JOINs a group chat", func(m *irc.Message) bool {
		return m.Command == "JOIN" && m.Prefix.Name == "alice" && m.Param(0) != "&msn"
	}).Param(0)
	c.expect("s3 in "+ch, func(m *irc.Message) bool {
		return m.Command == "JOIN" && m.Prefix.Name == "s3" || m.Command == irc.RPL_NAMREPLY && strings.Contains(m.Trailing(), "s3")
	})
	// They leave one after the other: s3, s2, then s1.
	for _, leave := range []struct {
		nick  string
		close func()
	}{{"s3", p3.close}, {"s2", p2.close}, {"s1", func() { sb.Close() }}} {
		leave.close()
		c.expect(leave.nick+" PART "+ch, func(m *irc.Message) bool {
			return m.Command == "PART" && m.Prefix.Name == leave.nick && m.Param(0) == ch
		})
	}
	c.expectMsn("Everyone left " + ch)
	for _, nick := range []string{"s2", "s3"} {
		c.send("WHOIS " + nick)
		c.expectCmd(irc.ERR_NOSUCHNICK, "alice", nick)
	}
	c.send("WHOIS s1")
	c.expectCmd(irc.RPL_WHOISUSER, "alice", "s1")
	stored := storedContacts(t, e)
	if slices.Contains(stored, "s2@example.com") || slices.Contains(stored, "s3@example.com") || !slices.Contains(stored, "s1@example.com") {
		t.Errorf("stored contacts %v, want s1 but not s2 or s3, forgotten", stored)
	}
}

// say opens a chat of p with alice and sends text.
func say(t *testing.T, p *peer, text string) {
	t.Helper()
	sb := p.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	if err := sb.SendText(ctx, text, msn.Format{}); err != nil {
		t.Fatal(err)
	}
}

// storedContacts lists the passports of alice's stored contacts, sorted.
func storedContacts(t *testing.T, e *env) []string {
	t.Helper()
	sqldb, err := sql.Open("sqlite3", "file:"+e.dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	rows, err := sqldb.Query(`SELECT passport FROM contact WHERE account = ? ORDER BY passport`, alice)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A message queued for a stranger, who gives no presence, goes out when
// the stranger writes again.
func TestOutboxToStrangerDeliveredWhenTheyWrite(t *testing.T) {
	e := newEnv(t, "MSNP12")
	const erin = "erin@example.com"
	if err := e.msn.AddAccount(erin, password, "Erin"); err != nil {
		t.Fatal(err)
	}
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(erin)
	ctx, cancel := ctxT()
	defer cancel()
	if err := p.chat(alice).SendText(ctx, "hi, we have not met", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("erin", "PRIVMSG", "we have not met")
	p.close() // erin signs out, and her chat ends
	waitFor(t, "erin's chat to end", func() bool {
		for _, st := range e.bridge.Stats() {
			if st.Switchboards > 0 {
				return false
			}
		}
		return !e.msn.Online(erin)
	})
	c.send("PRIVMSG erin :sorry, I was away")
	c.expectCmd("NOTE", "PRIVMSG", "QUEUED", "erin")
	p2 := e.peer(erin)
	if err := p2.chat(alice).SendText(ctx, "back now", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("erin", "PRIVMSG", "back now")
	p2.expectText("sorry, I was away")
}

// A stranger still talking in an older chat, superseded by a newer one
// that closed and whose query went, stays in the world with their nick:
// the chat they talk in holds them, until it ends.
func TestStrangerInSupersededChatKept(t *testing.T) {
	e := newEnvWith(t, "MSNP12", func(c *bridge.Config) {
		c.MaxQueries = 1
		c.MaxStrangers = 1
	})
	for _, p := range []string{"s1@example.com", "s2@example.com", "s3@example.com"} {
		if err := e.msn.AddAccount(p, password, p); err != nil {
			t.Fatal(err)
		}
	}
	c := e.login("alice", alice, password, allCaps)
	p1 := e.peer("s1@example.com")
	ctx, cancel := ctxT()
	defer cancel()
	older := p1.chat(alice)
	if err := older.SendText(ctx, "in the older chat", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("s1", "PRIVMSG", "in the older chat")
	newer := p1.chat(alice)
	if err := newer.SendText(ctx, "in the newer chat", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("s1", "PRIVMSG", "in the newer chat")
	newer.Close()
	waitFor(t, "the newer chat to end", func() bool {
		for _, st := range e.bridge.Stats() {
			if st.Switchboards > 1 {
				return false
			}
		}
		return true
	})
	// Two more strangers: s1's query goes, and s2's after it, which
	// leaves s2 among the strangers ahead of s1 if s1 were one.
	for _, p := range []string{"s2@example.com", "s3@example.com"} {
		pp := e.peer(p)
		sb := pp.chat(alice)
		if err := sb.SendText(ctx, "hello from "+p, msn.Format{}); err != nil {
			t.Fatal(err)
		}
		c.expectFrom(strings.TrimSuffix(p, "@example.com"), "PRIVMSG", "hello from")
		sb.Close()
	}
	if !bridge.SyncSession(e.bridge, alice) {
		t.Fatal("no session")
	}
	c.send("WHOIS s1")
	c.expectCmd(irc.RPL_WHOISUSER, "alice", "s1")
	if !slices.Contains(storedContacts(t, e), "s1@example.com") {
		t.Errorf("s1 forgotten while talking in a chat")
	}
	if err := older.SendText(ctx, "still here", msn.Format{}); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("s1", "PRIVMSG", "still here")
	// Once that chat ends, nothing holds s1 any more.
	older.Close()
	waitFor(t, "the older chat to end", func() bool {
		for _, st := range e.bridge.Stats() {
			if st.Switchboards > 0 {
				return false
			}
		}
		return true
	})
	c.send("WHOIS s1")
	c.expectCmd(irc.ERR_NOSUCHNICK, "alice", "s1")
}
