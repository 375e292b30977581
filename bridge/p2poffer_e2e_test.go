package bridge_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/msn2irc/msn2irc/msn"
)

// A file a contact offers over P2P is declined at once, and the user is
// told in the query, until msn2irc takes files.
func TestP2PFileOfferDeclined(t *testing.T) {
	e := newEnv(t, "MSNP12")
	c := e.login("alice", alice, password, allCaps)
	p := e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	ctx, cancel := ctxT()
	defer cancel()
	err := p.c.SendFile(ctx, alice, "holiday.jpg", 5, bytes.NewReader([]byte("12345")))
	if !errors.Is(err, msn.ErrTransferDeclined) {
		t.Fatalf("SendFile = %v, want ErrTransferDeclined", err)
	}
	m := c.expectFrom("bob", "NOTICE", "")
	if !strings.Contains(m.Trailing(), "holiday.jpg") || !strings.Contains(m.Trailing(), "declined") {
		t.Errorf("notice %q", m.Trailing())
	}
}
