package main

// The MSN side of the end-to-end tests: an in-process MSN network and
// contacts played with the real msn client.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// msnNetwork is an in-process MSN server with the user's account and contacts.
type msnNetwork struct {
	srv *msntest.Server
}

// newMSNNetwork starts an MSN server where the user has the given contacts
// (mutual friends, each with password "pw-<passport>").
func newMSNNetwork(t *testing.T, contacts ...string) *msnNetwork {
	t.Helper()
	srv, err := msntest.New(msntest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.AddAccount(userPassport, userPassword, "Alice"); err != nil {
		t.Fatal(err)
	}
	for _, c := range contacts {
		name := strings.ToUpper(c[:1]) + c[1:strings.IndexByte(c, '@')]
		if err := srv.AddAccount(c, "pw-"+c, name); err != nil {
			t.Fatal(err)
		}
		if err := srv.Befriend(userPassport, c); err != nil {
			t.Fatal(err)
		}
	}
	return &msnNetwork{srv: srv}
}

// contact is an MSN user played by the test with the real msn client.
type contact struct {
	t        *testing.T
	net      *msnNetwork
	passport string
	client   *msn.Client
	done     chan struct{}
	wg       sync.WaitGroup

	mu     sync.Mutex
	got    []msn.MessageReceived
	nudges []string           // who nudged
	sbs    []*msn.Switchboard // switchboards we are in, newest last
	invs   int                // invitations accepted
	files  []receivedFile     // files offered to the contact, each accepted
}

// receivedFile is a file a contact accepted: its name, its bytes, and
// AcceptFile's error.
type receivedFile struct {
	name string
	data []byte
	err  error
}

// signIn logs the contact in (online) and starts reading its events: it
// accepts every invitation and records every message.
func (n *msnNetwork) signIn(t *testing.T, passport string) *contact {
	t.Helper()
	c := &contact{t: t, net: n, passport: passport}
	c.login(t)
	t.Cleanup(c.signOut)
	return c
}

func (c *contact) login(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cl, err := c.net.srv.Login(ctx, c.passport, "pw-"+c.passport)
	if err != nil {
		t.Fatalf("%s: login: %v", c.passport, err)
	}
	c.mu.Lock()
	c.client = cl
	c.sbs = nil
	c.mu.Unlock()
	c.done = make(chan struct{})
	go c.readEvents(cl, c.done)
}

func (c *contact) readEvents(cl *msn.Client, done chan struct{}) {
	defer close(done)
	for ev := range cl.Events() {
		switch ev := ev.(type) {
		case msn.Invitation:
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				sb, err := cl.Accept(ctx, ev)
				if err != nil {
					c.t.Logf("%s: accepting a chat from %s: %v", c.passport, ev.From, err)
					return
				}
				c.mu.Lock()
				c.sbs = append(c.sbs, sb)
				c.invs++
				c.mu.Unlock()
			}()
		case msn.MessageReceived:
			c.mu.Lock()
			c.got = append(c.got, ev)
			c.mu.Unlock()
		case msn.FileOffer:
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				var buf bytes.Buffer
				err := cl.AcceptFile(ctx, ev.ID, &buf)
				c.mu.Lock()
				c.files = append(c.files, receivedFile{name: ev.Name, data: buf.Bytes(), err: err})
				c.mu.Unlock()
			}()
		case msn.NudgeReceived:
			c.mu.Lock()
			c.nudges = append(c.nudges, ev.From)
			c.mu.Unlock()
		case msn.SwitchboardClosed:
			c.mu.Lock()
			for i, sb := range c.sbs {
				if sb == ev.Switchboard {
					c.sbs = append(c.sbs[:i], c.sbs[i+1:]...)
					break
				}
			}
			c.mu.Unlock()
		}
	}
}

// signOut closes the client (the contact goes offline) and waits for its goroutines.
func (c *contact) signOut() {
	c.mu.Lock()
	cl := c.client
	c.client = nil
	c.mu.Unlock()
	if cl == nil {
		return
	}
	cl.Close()
	<-c.done
	c.wg.Wait()
}

// setStatus changes the contact's presence.
func (c *contact) setStatus(t *testing.T, s msn.Status) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.client.SetStatus(ctx, s); err != nil {
		t.Fatalf("%s: set status %s: %v", c.passport, s, err)
	}
}

// setPersonalMessage changes the contact's personal message (MSNP11+).
func (c *contact) setPersonalMessage(t *testing.T, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.client.SetPersonalMessage(ctx, text); err != nil {
		t.Fatalf("%s: set personal message: %v", c.passport, err)
	}
}

// say sends text to the user in a one-to-one switchboard, opening one when
// the contact has none with just the user.
func (c *contact) say(t *testing.T, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for attempt := 0; ; attempt++ {
		sb := c.chatWith(userPassport)
		if sb == nil {
			var err error
			sb, err = c.client.OpenSwitchboard(ctx, userPassport)
			if err != nil {
				t.Fatalf("%s: open chat with %s: %v", c.passport, userPassport, err)
			}
			c.mu.Lock()
			c.sbs = append(c.sbs, sb)
			c.mu.Unlock()
		}
		err := sb.SendText(ctx, text, msn.Format{})
		if err == nil {
			return
		}
		if attempt > 0 || !errors.Is(err, msn.ErrClosed) {
			t.Fatalf("%s: send %q: %v", c.passport, text, err)
		}
		c.forget(sb)
	}
}

// chatWith returns the newest switchboard whose other participants are
// exactly peers.
func (c *contact) chatWith(peers ...string) *msn.Switchboard {
	c.mu.Lock()
	defer c.mu.Unlock()
	want := make([]string, len(peers))
	for i, p := range peers {
		want[i] = strings.ToLower(p)
	}
	slices.Sort(want)
	for i := len(c.sbs) - 1; i >= 0; i-- {
		var have []string
		for _, p := range c.sbs[i].Participants() {
			have = append(have, strings.ToLower(p))
		}
		slices.Sort(have)
		if slices.Equal(have, want) {
			return c.sbs[i]
		}
	}
	return nil
}

// waitChat waits until the contact is in a switchboard with exactly peers.
func (c *contact) waitChat(t *testing.T, peers ...string) *msn.Switchboard {
	t.Helper()
	var sb *msn.Switchboard
	waitFor(t, 15*time.Second, fmt.Sprintf("%s to be in a chat with %v", c.passport, peers), func() bool {
		sb = c.chatWith(peers...)
		return sb != nil
	})
	return sb
}

// sayIn sends text in a switchboard.
func (c *contact) sayIn(t *testing.T, sb *msn.Switchboard, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := sb.SendText(ctx, text, msn.Format{}); err != nil {
		t.Fatalf("%s: send %q: %v", c.passport, text, err)
	}
}

// invite calls peer into a switchboard.
func (c *contact) invite(t *testing.T, sb *msn.Switchboard, peer string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := sb.Invite(ctx, peer); err != nil {
		t.Fatalf("%s: invite %s: %v", c.passport, peer, err)
	}
}

func (c *contact) forget(sb *msn.Switchboard) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.sbs {
		if s == sb {
			c.sbs = append(c.sbs[:i], c.sbs[i+1:]...)
			return
		}
	}
}

// received reports whether the contact got a message from `from` containing text.
func (c *contact) received(from, text string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.got {
		if strings.EqualFold(m.From, from) && strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

// nudgedBy reports whether the contact got a nudge from `from`.
func (c *contact) nudgedBy(from string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.nudges {
		if strings.EqualFold(f, from) {
			return true
		}
	}
	return false
}

// nudge sends the user a nudge in the contact's chat with them.
func (c *contact) nudge(t *testing.T) {
	t.Helper()
	sb := c.chatWith(userPassport)
	if sb == nil {
		t.Fatalf("%s: no chat with %s to nudge in", c.passport, userPassport)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sb.SendNudge(ctx); err != nil {
		t.Fatalf("%s: nudge: %v", c.passport, err)
	}
}

// waitMessage waits until the contact got text from the user.
func (c *contact) waitMessage(t *testing.T, text string) {
	t.Helper()
	waitFor(t, 15*time.Second, fmt.Sprintf("%s to receive %q", c.passport, text), func() bool {
		return c.received(userPassport, text)
	})
}
