package bridge

import (
	"strings"
	"testing"

	"github.com/msn2irc/msn2irc/internal/irctext"
	"github.com/msn2irc/msn2irc/mapping"
	"github.com/msn2irc/msn2irc/msn"
)

// cleanName gives what the friendly-name and personal-message cleaning
// gave when they were two functions, and identSafe's shortcut what its
// full cleaning gives.
func TestCleaningShortcuts(t *testing.T) {
	inputs := []string{
		"", " ", "Bob", "Bob Smith", " Bob", "Bob ", "a\tb", "a\nb", "\x02bold\x02", "\x0312red",
		"Zoë", "日本", "bob.smith+x=y~z_w-v", ".hidden", "-dash", strings.Repeat("x", 80), "x\x7fy", "\xff",
	}
	for _, s := range inputs {
		if got, want := cleanName(s), strings.TrimSpace(irctext.StripFormatting(mapping.CleanLine(s, false))); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", s, got, want)
		}
		if got, want := cleanName(s), strings.TrimSpace(mapping.CleanLine(strings.ReplaceAll(s, "\n", " "), false)); got != want {
			t.Errorf("cleanName(%q) = %q, want the old cleanPSM %q", s, got, want)
		}
		slow := strings.Map(identRune, s)
		if slow == "" || slow[0] == '.' || slow[0] == '-' {
			slow = "user" + slow
		}
		if len(slow) > 63 {
			slow = slow[:63]
		}
		if got := identSafe(s, "user"); got != slow {
			t.Errorf("identSafe(%q) = %q, want %q", s, got, slow)
		}
	}
}

// WHOIS lines say who a contact is on MSN: status, name, message, lists.
func TestWhoisInfoLines(t *testing.T) {
	const p = "bob@example.com"
	for _, tc := range []struct {
		name, psm string
		st        msn.Status
		lists     msn.Lists
		online    bool
		want      []string
	}{
		{p, "", msn.StatusOffline, msn.ForwardList | msn.AllowList, false,
			[]string{"is " + p + " on MSN (Offline)", "friendly name: " + p, "lists: FL AL"}},
		{"Bob", "", msn.StatusBusy, msn.ForwardList, true,
			[]string{"is " + p + " on MSN (Busy)", "friendly name: Bob", "lists: FL"}},
		{"Bob", "at work", msn.StatusOnline, msn.ReverseList, true,
			[]string{"is " + p + " on MSN (Online)", "friendly name: Bob", "personal message: at work", "lists: RL"}},
		{"", "", "XYZ", 0, true,
			[]string{"is " + p + " on MSN (Unknown (XYZ))", "lists: none"}},
		{"Bob", "", msn.StatusOnline, 1 << 9, true,
			[]string{"is " + p + " on MSN (Online)", "friendly name: Bob", "lists: none"}},
	} {
		c := &contact{passport: p, name: tc.name}
		c.setPSM(tc.psm)
		c.setStatus(tc.st)
		c.setLists(tc.lists)
		if !tc.online {
			c.setStatus(msn.StatusOffline)
		}
		got := whoisInfo(c)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("whoisInfo(%q, %q, %s, %d, %v) = %q, want %q", tc.name, tc.psm, tc.st, tc.lists, tc.online, got, tc.want)
		}
	}
}
