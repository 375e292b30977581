package bridge

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The bridge's MSN logins take turns: a burst goes at once, and a login
// whose turn would come after its context ends is refused as busy.
func TestLoginTurnBusy(t *testing.T) {
	b := NewBridge(Config{MSNLoginRate: 1}) // burst 2
	defer b.Close(context.Background(), "")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	for i := range 2 {
		if err := b.loginTurn(ctx); err != nil {
			t.Fatalf("login %d of the burst: %v", i, err)
		}
	}
	err := b.loginTurn(ctx)
	if !errors.Is(err, errBusy) {
		t.Fatalf("third login within 200ms at 1 per second: %v, want errBusy", err)
	}
	if err.Error() != "msn2irc is busy signing other users in; try again in a moment" {
		t.Errorf("message %q", err)
	}
	unlimited := NewBridge(Config{MSNLoginRate: -1})
	defer unlimited.Close(context.Background(), "")
	for range 100 {
		if err := unlimited.loginTurn(ctx); err != nil {
			t.Fatalf("no limit: %v", err)
		}
	}
}
