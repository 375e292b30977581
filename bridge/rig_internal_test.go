package bridge

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// servedBridge starts msntest with the accounts (password "pw"), the first
// a friend of each other one, and a bridge on an in-memory store serving
// IRC on a loopback port. It returns the bridge, msntest and the IRC
// address; the test's cleanup stops them all.
func servedBridge(tb testing.TB, accounts ...string) (*Bridge, *msntest.Server, string) {
	tb.Helper()
	ctx := context.Background()
	srv, err := msntest.New(msntest.Options{CorrectNexusURL: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	for i, a := range accounts {
		if err := srv.AddAccount(a, "pw", ""); err != nil {
			tb.Fatal(err)
		}
		if i > 0 {
			if err := srv.Befriend(accounts[0], a); err != nil {
				tb.Fatal(err)
			}
		}
	}
	store, err := db.Open(ctx, ":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	cfg := srv.Config("", "")
	// Benchmarks log in many times: no global MSN login rate.
	bridge := NewBridge(Config{Store: store, MSN: msn.Config{Server: cfg.Server, NexusURL: cfg.NexusURL, LoginURL: cfg.LoginURL}, MSNLoginRate: -1})
	irc := ircd.NewServer(ircd.Config{}, bridge)
	bridge.SetServer(irc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() {
		defer close(served)
		irc.Serve(sctx, ln)
	}()
	tb.Cleanup(func() {
		ctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		irc.Shutdown(ctx, "done")
		bridge.Close(ctx, "done")
		cancel()
		<-served
	})
	return bridge, srv, ln.Addr().String()
}
