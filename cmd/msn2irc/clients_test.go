package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docValues are the values docs/clients.md shows in the client
// configurations; the tests fill the same templates with their own.
var docValues = clientConfig{
	BridgePort:  "6667",
	Account:     "alice@example.com",
	Password:    "secret",
	LogDir:      "~/irclogs",
	ZNCPort:     "6668",
	ZNCPassword: "znc-password",
}

// TestClientsDocShowsTestedConfigs checks that docs/clients.md shows the
// configurations the end-to-end tests run irssi, WeeChat and ZNC with, so
// that what users copy is what CI proves.
func TestClientsDocShowsTestedConfigs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "clients.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"irssi.config", "weechat.commands", "znc.conf"} {
		want := renderConfig(t, name, docValues)
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/clients.md does not show testdata/clients/%s as the tests use it; it should contain:\n%s", name, want)
		}
	}
}
