package bridge

import (
	"testing"

	"github.com/msn2irc/msn2irc/ircd"
)

// Only messages whose one failure is reported as a notice anyway skip
// waiting for the session; everything answered with an error waits.
func TestQueueable(t *testing.T) {
	for _, tc := range []struct {
		cmd, target, text string
		want              bool
	}{
		{"PRIVMSG", "bob", "hello", true},
		{"NOTICE", "bob", "hello", true},
		{"PRIVMSG", "bob", "\x01ACTION waves\x01", true},
		{"PRIVMSG", "bob", "\x01NUDGE\x01", true},
		{"PRIVMSG", "bob", "\x01VERSION\x01", false},
		{"PRIVMSG", "#chat-1", "hello", false},
		{"PRIVMSG", "&msn", "msn: help", false},
		{"PRIVMSG", "MSN", "help", false},
		{"TAGMSG", "bob", "", false},
	} {
		m := ircd.Message{Command: tc.cmd, Target: tc.target, Text: tc.text}
		if got := queueable(m); got != tc.want {
			t.Errorf("queueable(%s %s :%q) = %v, want %v", tc.cmd, tc.target, tc.text, got, tc.want)
		}
	}
}
