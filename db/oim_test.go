package db

import (
	"context"
	"path/filepath"
	"testing"
)

func TestMachineGUIDSurvivesAReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "guid.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.MachineGUID(ctx, "alice@example.com", "{guid-one}")
	if err != nil || first != "{guid-one}" {
		t.Fatalf("first GUID %q, %v", first, err)
	}
	s.Close()
	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	again, err := s.MachineGUID(ctx, "Alice@Example.com", "{guid-two}")
	if err != nil || again != "{guid-one}" {
		t.Errorf("after a reopen: GUID %q, %v; want the first one", again, err)
	}
	if err := s.SetClientID(ctx, "alice@example.com", "Bob@Example.com", 0x90000000); err != nil {
		t.Fatal(err)
	}
	ids, err := s.ClientIDs(ctx, "alice@example.com")
	if err != nil || ids["bob@example.com"] != 0x90000000 {
		t.Errorf("client ids %v, %v", ids, err)
	}
}
