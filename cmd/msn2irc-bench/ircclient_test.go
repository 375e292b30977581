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
