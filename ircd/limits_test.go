package ircd

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// dialFrom connects to the server from the loopback address ip (any of
// 127.0.0.0/8 reaches a listener on 127.0.0.1).
func (e *testEnv) dialFrom(ip string) *testClient {
	e.t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: testTimeout}
	conn, err := d.Dial("tcp", e.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	return newTestClient(e.t, conn)
}

// limitCounts is what the server's connection limits count at the moment.
type limitCounts struct {
	unregistered, unregisteredByAddr, guestsByAddr int
}

func (e *testEnv) limitCounts() limitCounts {
	l := e.srv.limits
	l.mu.Lock()
	defer l.mu.Unlock()
	n := limitCounts{unregistered: l.unregistered}
	for _, v := range l.unregByAddr {
		n.unregisteredByAddr += v
	}
	for _, v := range l.guestsByAddr {
		n.guestsByAddr += v
	}
	return n
}

// waitLimitCounts polls until the counts are want; the server updates them
// when it has seen a connection end, which the client cannot wait for.
func (e *testEnv) waitLimitCounts(want limitCounts) {
	e.t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		got := e.limitCounts()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("limit counts %+v, want %+v", got, want)
		}
		time.Sleep(5 * time.Millisecond) // a poll with a deadline
	}
}

// expectRefused waits for the connection to end with ERROR :text and no
// welcome.
func (c *testClient) expectRefused(text string) {
	c.t.Helper()
	msgs := c.expectClosed()
	if len(find(msgs, irc.RPL_WELCOME)) > 0 {
		c.t.Fatalf("a refused client got the welcome: %v", msgs)
	}
	errs := find(msgs, "ERROR")
	if len(errs) != 1 || errs[0].Trailing() != text {
		c.t.Fatalf("got %v, want ERROR :%s", msgs, text)
	}
}

// admitted checks that the server serves c (it answers PING), which also
// means it counted it.
func (c *testClient) admitted() {
	c.t.Helper()
	c.sync()
}

func TestUnregisteredPerAddressLimit(t *testing.T) {
	e := newEnv(t, Config{})
	var first []*testClient
	for range 10 {
		c := e.dial()
		c.admitted()
		first = append(first, c)
	}
	e.dial().expectRefused("Too many connections from your address")

	other := e.dialFrom("127.0.0.2")
	other.admitted()
	other.register("bob")

	// A welcome frees the place, as does leaving.
	first[0].register("alice")
	first[1].close()
	e.waitLimitCounts(limitCounts{unregistered: 8, unregisteredByAddr: 8, guestsByAddr: 2})
	e.dial().admitted()
	e.dial().admitted()
	e.dial().expectRefused("Too many connections from your address")

	for _, c := range first {
		c.close()
	}
	e.waitLimitCounts(limitCounts{unregistered: 2, unregisteredByAddr: 2, guestsByAddr: 1})
}

func TestUnregisteredTotalLimit(t *testing.T) {
	e := newEnv(t, Config{
		UnregisteredMax:        3,
		UnregisteredPerAddress: 2,
		TrustedNets:            []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	})
	// The trusted address is not limited per address...
	var trusted []*testClient
	for range 3 {
		c := e.dial()
		c.admitted()
		trusted = append(trusted, c)
	}
	// ...but counts towards the total, which applies to everyone.
	e.dialFrom("127.0.0.2").expectRefused("Too many unregistered connections on this server")
	e.dial().expectRefused("Too many unregistered connections on this server")

	trusted[0].register("alice")
	e.waitLimitCounts(limitCounts{unregistered: 2})
	other := e.dialFrom("127.0.0.2")
	other.admitted()
	e.dialFrom("127.0.0.3").expectRefused("Too many unregistered connections on this server")

	for _, c := range append(trusted, other) {
		c.close()
	}
	e.waitLimitCounts(limitCounts{})
}

func TestUnregisteredTotalLimitOnServeConn(t *testing.T) {
	// ServeConn applies the total limit to connections without an address.
	e := newEnv(t, Config{UnregisteredMax: 1})
	c := e.pipe()
	c.admitted()
	e.pipe().expectRefused("Too many unregistered connections on this server")
	c.close()
	e.waitLimitCounts(limitCounts{})
}

// guestLogin makes the guest world's service user move a client that says
// "login" into alice's world, as the bridge's `/msg msn login` does.
func guestLogin(t *testing.T, e *testEnv) (guest, acct *World) {
	t.Helper()
	c := e.dialFrom("127.0.0.9") // the guest world comes with its first guest
	c.register("first")
	c.close()
	guest, gh := e.backend.guest, e.backend.guestH
	guest.SetUser(User{Nick: "msn", Online: true, Bot: true})
	acct, _ = e.backend.world("alice@example.com")
	acct.OpenChannel("&msn", "", true, nil) // a client that moves in gets its JOIN
	gh.mu.Lock()
	gh.onMsg = func(cl *Client, m Message) error { return guest.Transfer(cl, acct) }
	gh.mu.Unlock()
	e.waitLimitCounts(limitCounts{})
	return guest, acct
}

func TestGuestsPerAddressLimit(t *testing.T) {
	e := newEnv(t, Config{})
	guestLogin(t, e)
	var guests []*testClient
	for range 3 {
		c := e.dial()
		c.register("guest")
		guests = append(guests, c)
	}
	c := e.dial()
	c.send("NICK guest")
	c.send("USER guest 0 * :Guest")
	c.expectRefused("Too many guest connections from your address: log in with PASS address:password or SASL")

	// Another address, and a login from this one, still get in.
	e.dialFrom("127.0.0.2").register("guest")
	login := e.dial()
	login.send("PASS alice@example.com:secret")
	login.register("alice")

	// A guest that logs in frees its place.
	guests[0].send("PRIVMSG msn :login alice@example.com secret")
	guests[0].expect("JOIN") // the account world's burst
	guests[0].sync()
	e.waitLimitCounts(limitCounts{guestsByAddr: 3}) // two here, one from 127.0.0.2
	e.dial().register("guest")
	c = e.dial()
	c.send("NICK guest")
	c.send("USER guest 0 * :Guest")
	c.expectRefused("Too many guest connections from your address: log in with PASS address:password or SASL")
}

func TestGuestLimitCountsReturnToZero(t *testing.T) {
	e := newEnv(t, Config{})
	guestLogin(t, e)
	var all []*testClient
	for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
		for range 4 {
			c := e.dialFrom(ip)
			c.send("NICK guest")
			c.send("USER guest 0 * :Guest")
			all = append(all, c)
		}
	}
	login := e.dial()
	login.send("PASS alice@example.com:secret")
	login.register("alice")
	unreg := e.dial()
	unreg.admitted()
	all = append(all, login, unreg)
	// Three guests per address are in, the fourth refused.
	e.waitLimitCounts(limitCounts{unregistered: 1, unregisteredByAddr: 1, guestsByAddr: 6})
	for _, c := range all {
		c.close()
	}
	e.waitLimitCounts(limitCounts{})
}

func TestGuestTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := newEnv(t, Config{GuestTimeout: timeout, PingInterval: 20 * time.Millisecond})
	guestLogin(t, e)

	// Registered before the guest that times out: a client logged in with
	// PASS, and a guest that logs in.
	login := e.dial()
	login.send("PASS alice@example.com:secret")
	login.register("alice")
	moved := e.dial()
	moved.register("guest")
	moved.send("PRIVMSG msn :login alice@example.com secret")
	moved.expect("JOIN")

	// A guest that answers every PING is disconnected all the same.
	guest := e.dial()
	guest.register("guest")
	var errs []*irc.Message
	pings := 0
	deadline := time.After(testTimeout)
	for done := false; !done; {
		select {
		case m, ok := <-guest.msgs:
			switch {
			case !ok:
				done = true
			case m.Command == "PING":
				pings++
				guest.send("PONG %s", m.Param(0))
			case m.Command == "ERROR":
				errs = append(errs, m)
			}
		case <-deadline:
			t.Fatalf("guest not disconnected; %d PINGs answered", pings)
		}
	}
	if len(errs) != 1 || errs[0].Trailing() != "Closing link: not logged in to MSN after 300ms" {
		t.Fatalf("ERROR lines %v", errs)
	}
	if pings == 0 {
		t.Fatal("the server never pinged the guest")
	}

	// The others are still there, past the time the guest was given.
	for _, c := range []*testClient{login, moved} {
		for _, m := range c.sync() {
			if m.Command == "ERROR" {
				t.Fatalf("a logged-in client got %v", m)
			}
		}
	}
	login.close()
	moved.close()
	e.waitLimitCounts(limitCounts{})
}

// Welcomed connections are limited per address too, logged in or not: one
// address with a valid login cannot open connections without end. Trusted
// sources are not limited, and a connection that ends frees its place.
func TestRegisteredPerAddressLimit(t *testing.T) {
	e := newEnv(t, Config{RegisteredPerAddress: 2, TrustedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.3/32")}})
	var all []*testClient
	login := func(ip string) *testClient {
		c := e.dialFrom(ip)
		c.loginSASL("alice", "alice@example.com", "secret")
		all = append(all, c)
		return c
	}
	first := login("127.0.0.2")
	login("127.0.0.2")
	refused := e.dialFrom("127.0.0.2")
	refused.send("PASS alice@example.com:secret")
	refused.send("NICK alice")
	refused.send("USER alice 0 * :Alice")
	refused.expectRefused("Too many clients connected from your address")

	// Other addresses are not affected, trusted ones not limited.
	login("127.0.0.1")
	for range 3 {
		login("127.0.0.3")
	}

	first.close()
	e.waitRegisteredByAddr(2) // one from 127.0.0.2, one from 127.0.0.1
	login("127.0.0.2")

	for _, c := range all {
		c.close()
	}
	e.waitRegisteredByAddr(0)
}

// waitRegisteredByAddr polls until the per-address limit of welcomed
// connections counts want of them; the server updates the count when it
// has seen a connection end, which the client cannot wait for.
func (e *testEnv) waitRegisteredByAddr(want int) {
	e.t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		l := e.srv.limits
		l.mu.Lock()
		n := 0
		for _, v := range l.regByAddr {
			n += v
		}
		l.mu.Unlock()
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d welcomed connections counted per address, want %d", n, want)
		}
		time.Sleep(5 * time.Millisecond) // a poll with a deadline
	}
}
