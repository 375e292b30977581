package msn

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestConfigHidesPassword checks that a Config logged or printed in any
// way shows where it signs in but not the password.
func TestConfigHidesPassword(t *testing.T) {
	cfg := Config{Server: "ns.example.com:1863", Passport: "alice@example.com", Password: "pw-7f3c9e1d"}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log.Debug("config", "cfg", cfg)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "cfg", cfg, "ptr", &cfg)
	fmt.Fprintf(&buf, "%v %+v %#v %s %v\n", cfg, cfg, cfg, cfg, &cfg)
	out := buf.String()
	if strings.Contains(out, cfg.Password) {
		t.Fatalf("the password is in:\n%s", out)
	}
	for _, want := range []string{"ns.example.com:1863", "alice@example.com", "[redacted]", "password_set=true"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing from:\n%s", want, out)
		}
	}
}
