package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msn2irc/msn2irc/db"
)

// msn2irc refuses to start on a damaged store, and says how to recover.
func TestServeRefusesDamagedStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "msn2irc.db")
	s, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSettings(ctx, "alice@example.com", db.Settings{NickSource: db.NickSourceName}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A torn write over the header of the settings table's page.
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var root, pageSize int64
	err = raw.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = 'setting'`).Scan(&root)
	if err == nil {
		err = raw.QueryRow(`PRAGMA page_size`).Scan(&pageSize)
	}
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteAt([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, (root-1)*pageSize)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}

	cfg := config{Listen: "127.0.0.1:0", DB: path, ServerName: "msn2irc.test", MSNServer: "127.0.0.1:1", MSNVersions: []string{"MSNP12"}}
	err = serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a []net.Addr) { t.Error("serve started on a damaged store") })
	if err == nil {
		t.Fatal("serve returned no error")
	}
	for _, want := range []string{path + " is damaged", "backup", `sqlite3 ` + path + ` ".recover" | sqlite3 NEW.db`, "set MSN2IRC_DB to NEW.db"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
