package bridge_test

import (
	"database/sql"
	"fmt"
	"slices"
	"testing"

	"gopkg.in/irc.v4"

	"github.com/msn2irc/msn2irc/bridge"
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
	for _, nick := range []string{"s1", "s2"} {
		c.send("WHOIS " + nick)
		c.expectCmd(irc.ERR_NOSUCHNICK, "alice", nick)
	}
	c.send("PRIVMSG s3 :still here?")
	peers[strangers[2]].expectText("still here?")

	stored := storedContacts(t, e)
	if slices.Contains(stored, strangers[0]) || !slices.Contains(stored, strangers[1]) || !slices.Contains(stored, strangers[2]) {
		t.Errorf("stored contacts %v, want s2 and s3 but not s1, forgotten", stored)
	}

	say(t, peers[strangers[0]], "me again")
	c.expectFrom("s1", "PRIVMSG", "me again")
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
