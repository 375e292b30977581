package mapping

import (
	"strings"
	"testing"
)

// The shortcuts for text that needs no cleaning give what the full
// cleaning gives.
func TestCleaningShortcuts(t *testing.T) {
	inputs := []string{
		"", " ", "Bob", "Bob Smith", " Bob", "Bob ", "a\tb", "a\nb", "\x02bold\x02", "\x0312red",
		"Zoë", "日本", "bob.smith+x=y~z_w-v", ".hidden", "-dash", strings.Repeat("x", 80), "x\x7fy", "\xff",
	}
	for _, s := range inputs {
		if got, want := cleanName(s), strings.TrimSpace(StripFormatting(CleanLine(s, false))); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", s, got, want)
		}
		if got, want := cleanPSM(s), strings.TrimSpace(CleanLine(strings.ReplaceAll(s, "\n", " "), false)); got != want {
			t.Errorf("cleanPSM(%q) = %q, want %q", s, got, want)
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
