package msn_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/msn2irc/msn2irc/internal/benchtest"
	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// Benchmarks of what a signed-in client costs: the garbage of one login
// with a 100-contact list, and the memory an idle client keeps. Both run
// against the in-process server, whose own share is included.

const benchContacts = 100

// benchServer returns a server with accounts user0..user<users-1>, each
// with benchContacts contacts on its forward and allow lists, one of them
// a peer that stays online.
func benchServer(tb testing.TB, users int) *msntest.Server {
	tb.Helper()
	srv, err := msntest.New(msntest.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	both := msn.ForwardList | msn.AllowList
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(srv.AddAccount("peer@example.com", "secret123", ""))
	for i := 0; i < benchContacts-1; i++ {
		must(srv.AddAccount(fmt.Sprintf("c%d@example.com", i), "secret123", ""))
	}
	for u := 0; u < users; u++ {
		user := fmt.Sprintf("user%d@example.com", u)
		must(srv.AddAccount(user, "secret123", ""))
		must(srv.AddContact(user, "peer@example.com", both))
		must(srv.AddContact("peer@example.com", user, msn.AllowList))
		for i := 0; i < benchContacts-1; i++ {
			must(srv.AddContact(user, fmt.Sprintf("c%d@example.com", i), both))
		}
	}
	peer, err := srv.Login(context.Background(), "peer@example.com", "secret123")
	must(err)
	tb.Cleanup(func() { closeDrained(peer) })
	return srv
}

// benchLogin signs user in with MSNP12 and starts draining its events.
func benchLogin(tb testing.TB, srv *msntest.Server, user string) *msn.Client {
	tb.Helper()
	c, err := msn.Login(context.Background(), srv.Config(user, "secret123", "MSNP12"), "")
	if err != nil {
		tb.Fatal(err)
	}
	go func() {
		for range c.Events() {
		}
	}()
	return c
}

func closeDrained(c *msn.Client) {
	go func() {
		for range c.Events() {
		}
	}()
	c.Close()
}

// BenchmarkLogin100Contacts signs in and out with a 100-contact list.
func BenchmarkLogin100Contacts(b *testing.B) {
	srv := benchServer(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		benchLogin(b, srv, "user0@example.com").Close()
	}
}

// BenchmarkIdleClients keeps b.N clients with 100 contacts each signed in
// and reports the live heap per client (client and server side).
func BenchmarkIdleClients(b *testing.B) {
	srv := benchServer(b, b.N)
	clients := make([]*msn.Client, 0, b.N)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clients = append(clients, benchLogin(b, srv, fmt.Sprintf("user%d@example.com", i)))
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "live-B/client")
	for _, c := range clients {
		c.Close()
	}
}

// TestLoginBenchmarks runs the benchmarks of this file for a few
// iterations, so the suite notices when one breaks. It measures nothing.
func TestLoginBenchmarks(t *testing.T) {
	benchtest.RunEach(t, "3x", map[string]func(*testing.B){
		"Login100Contacts": BenchmarkLogin100Contacts,
		"IdleClients":      BenchmarkIdleClients,
	})
}
