package ircd

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// metadataWorld is alice's world with the contact Dan, whose avatar is set.
func metadataWorld(t *testing.T) (*testEnv, *World) {
	t.Helper()
	e := newEnv(t, Config{})
	w, _ := e.backend.world("alice@example.com")
	w.SetUser(User{Nick: "Dan", Ident: "dan", Host: "hotmail.com", Online: true})
	if !w.SetUserMetadata("Dan", "avatar", "https://pics.test/pictures/abc.png?v=1") {
		t.Fatal("SetUserMetadata refused the avatar")
	}
	return e, w
}

// The capability is offered with its subscription limit.
func TestMetadataCap(t *testing.T) {
	e, _ := metadataWorld(t)
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", "draft/metadata-2")
	c.send("CAP LS 302")
	m := c.expect("CAP")
	if !strings.Contains(m.Trailing(), "draft/metadata-2=max-subs=20") {
		t.Errorf("CAP LS %q lacks draft/metadata-2=max-subs=20", m.Trailing())
	}
}

// GET and LIST read a user's keys; unknown targets, invalid keys, SET and
// unknown subcommands get the spec's FAIL.
func TestMetadataGetList(t *testing.T) {
	e, _ := metadataWorld(t)
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", "draft/metadata-2", "standard-replies")

	c.send("METADATA dan GET avatar pronouns $bad")
	c.expectParams(rplKeyValue, "alice", "Dan", "avatar", "*", "https://pics.test/pictures/abc.png?v=1")
	c.expectParams(rplKeyNotSet, "alice", "Dan", "pronouns", "key not set")
	c.expectParams("FAIL", "METADATA", "KEY_INVALID", "$bad", "*any*")

	c.send("METADATA Dan LIST")
	c.expectParams(rplKeyValue, "alice", "Dan", "avatar", "*", "https://pics.test/pictures/abc.png?v=1")
	c.expectParams(rplMetadataEnd, "alice", "end of metadata")

	c.send("METADATA * LIST")
	c.expectParams(rplMetadataEnd, "alice", "end of metadata")

	c.send("METADATA nobody GET avatar")
	c.expectParams("FAIL", "METADATA", "INVALID_TARGET", "nobody", "*any*")

	c.send("METADATA * SET avatar :https://evil.test/x.png")
	c.expectParams("FAIL", "METADATA", "KEY_NO_PERMISSION", "alice", "avatar", "*any*")
	c.send("METADATA Dan CLEAR")
	c.expectParams("FAIL", "METADATA", "KEY_NO_PERMISSION", "Dan", "*", "*any*")

	c.send("METADATA * FROB")
	c.expectParams("FAIL", "METADATA", "SUBCOMMAND_INVALID", "FROB", "*any*")

	c.send("METADATA Dan")
	c.expectParams(irc.ERR_NEEDMOREPARAMS, "alice", "METADATA", "*any*")
	c.send("METADATA Dan GET")
	c.expectParams(irc.ERR_NEEDMOREPARAMS, "alice", "METADATA", "*any*")
}

// A subscribed client gets the current values, then a METADATA message
// when a value changes or goes; others get nothing.
func TestMetadataSubscribe(t *testing.T) {
	e, w := metadataWorld(t)
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", "draft/metadata-2", "standard-replies")
	other := e.dial()
	other.loginSASL("alice", "alice@example.com", "secret", "draft/metadata-2")

	c.send("METADATA * SUB avatar Avatar $x")
	c.expectParams("FAIL", "METADATA", "KEY_INVALID", "$x", "*any*")
	c.expectParams(rplMetadataSubOK, "alice", "avatar")
	c.expectParams("METADATA", "Dan", "avatar", "*", "https://pics.test/pictures/abc.png?v=1")
	c.expectParams(rplMetadataEnd, "alice", "end of metadata")

	w.SetUserMetadata("Dan", "avatar", "https://pics.test/pictures/abc.png?v=2")
	c.expectParams("METADATA", "Dan", "avatar", "*", "https://pics.test/pictures/abc.png?v=2")
	w.SetUserMetadata("Dan", "avatar", "https://pics.test/pictures/abc.png?v=2") // unchanged: no message
	w.SetUserMetadata("Dan", "avatar", "")
	m := c.expect("METADATA")
	checkParams(t, m, "Dan", "avatar", "*")

	c.send("METADATA * SUBS")
	c.expectParams(rplMetadataSubs, "alice", "avatar")
	c.expectParams(rplMetadataEnd, "alice", "end of metadata")

	c.send("METADATA * UNSUB avatar")
	c.expectParams(rplMetadataUnsubOK, "alice", "avatar")
	c.expectParams(rplMetadataEnd, "alice", "end of metadata")
	w.SetUserMetadata("Dan", "avatar", "https://pics.test/pictures/abc.png?v=3")
	for _, m := range append(c.sync(), other.sync()...) {
		if m.Command == "METADATA" {
			t.Errorf("unsubscribed client got %v", m)
		}
	}
	c.send("METADATA * SUBS")
	c.expectParams(rplMetadataEnd, "alice", "end of metadata")
}

// Subscriptions stop at MetadataMaxSubs; a user keeps at most
// MetadataMaxKeys keys of at most MetadataMaxValue bytes.
func TestMetadataLimits(t *testing.T) {
	e, w := metadataWorld(t)
	c := e.dial()
	c.loginSASL("alice", "alice@example.com", "secret", "draft/metadata-2", "standard-replies")
	keys := make([]string, MetadataMaxSubs+2)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	c.send("METADATA * SUB %s", strings.Join(keys, " "))
	c.expectParams("FAIL", "METADATA", "TOO_MANY_SUBS", keys[MetadataMaxSubs], "*any*")
	got := strings.Fields(c.expect(rplMetadataSubOK).Trailing())
	if len(got) != MetadataMaxSubs {
		t.Errorf("subscribed to %d keys, want %d", len(got), MetadataMaxSubs)
	}
	c.expect(rplMetadataEnd)

	for i := 1; i < MetadataMaxKeys; i++ {
		if !w.SetUserMetadata("Dan", fmt.Sprintf("k%d", i), "v") {
			t.Fatalf("key %d refused", i)
		}
	}
	if w.SetUserMetadata("Dan", "one-too-many", "v") {
		t.Error("a key beyond MetadataMaxKeys was kept")
	}
	if w.SetUserMetadata("Dan", "avatar", strings.Repeat("x", MetadataMaxValue+1)) {
		t.Error("a value beyond MetadataMaxValue was kept")
	}
	if w.SetUserMetadata("Dan", "bad key", "v") || w.SetUserMetadata("nobody", "avatar", "v") {
		t.Error("an invalid key or an unknown user was accepted")
	}
	if got := w.UserMetadata("Dan", "avatar"); got != "https://pics.test/pictures/abc.png?v=1" {
		t.Errorf("avatar %q after refused changes", got)
	}
	w.SetUserMetadata("Dan", "k1", "a\r\nQUIT :x")
	if got := w.UserMetadata("dan", "k1"); strings.ContainsAny(got, "\r\n") {
		t.Errorf("value %q kept with line breaks", got)
	}
}

// FuzzMetadata checks the parsing of METADATA parameters: a valid key is
// lower case and made of the allowed characters only, and is valid again.
func FuzzMetadata(f *testing.F) {
	for _, s := range []string{"* GET avatar", "Dan LIST", "* SUB avatar AVATAR $x", ":x GET :y", "* SET a\x00b", "#c SYNC"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, ok := parseMetadata(strings.Fields(line))
		if !ok {
			return
		}
		if r.target == "" || r.sub != strings.ToUpper(r.sub) {
			t.Fatalf("parsed %+v", r)
		}
		for _, k := range r.keys {
			key, valid := metadataKey(k)
			if !valid {
				continue
			}
			if key != strings.ToLower(k) || strings.Trim(key, "abcdefghijklmnopqrstuvwxyz0123456789_.:/-") != "" || key[0] == ':' {
				t.Fatalf("key %q accepted as %q", k, key)
			}
			if again, ok := metadataKey(key); !ok || again != key {
				t.Fatalf("key %q is not valid again", key)
			}
		}
	})
}
