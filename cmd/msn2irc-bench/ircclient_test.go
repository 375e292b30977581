package main

import (
	"slices"
	"testing"
)

// eachName splits a NAMES list as clients do: entries separated by
// spaces, each with its status prefixes before the nick.
func TestEachName(t *testing.T) {
	for _, tc := range []struct {
		list string
		want []string // prefixes/nick
	}{
		{"@alice @msn bob +carol", []string{"@/alice", "@/msn", "/bob", "+/carol"}},
		{"@+dave  eve ", []string{"@+/dave", "/eve"}},
		{"", nil},
		{"~&%x", []string{"~&%/x"}},
	} {
		var got []string
		eachName(tc.list, func(prefixes, nick string) { got = append(got, prefixes+"/"+nick) })
		if !slices.Equal(got, tc.want) {
			t.Errorf("eachName(%q) = %q, want %q", tc.list, got, tc.want)
		}
	}
	if !sameName("Alice", "aLICE") || sameName("alice", "alice_") {
		t.Error("sameName does not compare nicks ignoring case")
	}
}

// inBatch counts only a PRIVMSG or NOTICE tagged with the batch, whatever
// the order of its tags, and never another batch's line or another
// command.
func TestInBatch(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"@batch=h1;msgid=a;time=x :bob!b@h PRIVMSG alice :hi\r\n", true},
		{"@time=x;msgid=a;batch=h1 :bob!b@h NOTICE alice :hi\r\n", true},
		{"@batch=h1 PRIVMSG alice :no prefix\r\n", true},
		{"@batch=h12 :bob!b@h PRIVMSG alice :another batch\r\n", false},
		{"@xbatch=h1 :bob!b@h PRIVMSG alice :another tag\r\n", false},
		{"@batch=h1 :irc.test BATCH -h1\r\n", false},
		{"@batch=h1 :bob!b@h TAGMSG alice\r\n", false},
		{":bob!b@h PRIVMSG alice :untagged\r\n", false},
		{"@batch=h1\r\n", false},
		{"", false},
	} {
		if got := inBatch([]byte(tc.line), "h1"); got != tc.want {
			t.Errorf("inBatch(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}
