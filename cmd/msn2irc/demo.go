package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// Demo accounts: two people to log in as, and scripted contacts.
const (
	demoPassword = "demo"
	demoUser     = "me@demo.msn"
	demoUser2    = "you@demo.msn"
	demoBob      = "bob@demo.msn"   // answers messages
	demoCarol    = "carol@demo.msn" // changes status and personal message
	demoDave     = "dave@demo.msn"  // comes and goes
	demoErin     = "erin@demo.msn"  // changes her friendly name
	demoFrank    = "frank@demo.msn" // asks to be added
)

// runDemo runs the bridge against an embedded MSN network with demo
// accounts and scripted contacts.
func runDemo(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	network, err := msntest.New(msntest.Options{})
	if err != nil {
		return fmt.Errorf("demo network: %w", err)
	}
	defer network.Close()
	if err := setupDemoAccounts(network); err != nil {
		return fmt.Errorf("demo accounts: %w", err)
	}
	cfg.MSNServer = network.NSAddr()
	cfg.MSNNexus = network.NexusURL()
	cfg.MSNLoginURL = network.LoginURL()
	if _, set := os.LookupEnv("MSN2IRC_DB"); !set {
		dir, err := os.MkdirTemp("", "msn2irc-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.DB = filepath.Join(dir, "demo.db")
	}

	botCtx, stopBots := context.WithCancel(ctx)
	var bots sync.WaitGroup
	defer func() {
		stopBots()
		bots.Wait()
	}()
	startBots(botCtx, &bots, network, log.With("component", "demo"))

	return serve(ctx, cfg, log, func(addrs []net.Addr) {
		host, port := "127.0.0.1", "6667"
		for _, a := range addrs {
			h, p, _ := net.SplitHostPort(a.String())
			host, port = h, p
			break
		}
		fmt.Fprintf(stdout, `
msn2irc demo: an embedded MSN network is running, with these accounts
(password %q for all):

  %-16s you: log in as this one
  %-16s a second account, to chat with yourself from another client
  %-16s Bob answers your messages (try "hello", "group", "file", a /me, or send him a file)
  %-16s Carol changes her status and personal message
  %-16s Dave comes online and goes away again (messages to him wait in the outbox)
  %-16s Erin keeps changing her friendly name
  %-16s Frank asked to add you (msn pending / accept / deny)

Connect an IRC client to %s port %s with the server password
"%s:%s", for example:

  irssi -c %s -p %s -w %s:%s
  /connect %s %s %s:%s        (in a running irssi)

Then: /msg bob hello   /whois carol   /msg msn help   Press Ctrl-C to stop.

`, demoPassword, demoUser, demoUser2, demoBob, demoCarol, demoDave, demoErin, demoFrank,
			host, port, demoUser, demoPassword,
			host, port, demoUser, demoPassword,
			host, port, demoUser, demoPassword)
	})
}

// setupDemoAccounts creates the demo accounts and their contact lists.
func setupDemoAccounts(n *msntest.Server) error {
	accounts := []struct{ passport, name string }{
		{demoUser, "Me"},
		{demoUser2, "You"},
		{demoBob, "Bob (answers)"},
		{demoCarol, "Carol"},
		{demoDave, "Dave"},
		{demoErin, "Erin"},
		{demoFrank, "Frank"},
	}
	for _, a := range accounts {
		if err := n.AddAccount(a.passport, demoPassword, a.name); err != nil {
			return err
		}
	}
	for _, p := range []string{demoUser2, demoBob, demoCarol, demoDave, demoErin} {
		if err := n.Befriend(demoUser, p); err != nil {
			return err
		}
	}
	for _, p := range []string{demoBob, demoCarol, demoDave, demoErin} {
		if err := n.Befriend(demoUser2, p); err != nil {
			return err
		}
	}
	if err := n.Befriend(demoBob, demoCarol); err != nil {
		return err
	}
	// Frank added both users; they have not answered yet.
	for _, u := range []string{demoUser, demoUser2} {
		if err := n.AddContact(demoFrank, u, msn.ForwardList|msn.AllowList); err != nil {
			return err
		}
	}
	return nil
}

// keywordReply is Bob's answer to a message, or "" when nothing matches.
func keywordReply(text string) string {
	t := strings.ToLower(text)
	switch {
	case strings.HasPrefix(t, "* "):
		return "Ha! You did that on IRC and I saw it on MSN: " + text
	case strings.Contains(t, "group"):
		return "Let me call Carol in: watch this chat become a channel."
	case strings.Contains(t, "file"):
		return demoFileReply
	case strings.Contains(t, "hello"), strings.Contains(t, "hi"), strings.Contains(t, "hey"):
		return "Hello! I am Bob, a scripted MSN contact. Ask me about anything; say \"group\" for a group chat, \"file\" for a file, or send me one."
	case strings.Contains(t, "?"):
		return "Good question. What do you think?"
	case strings.Contains(t, "bye"):
		return "Bye! Come back soon."
	}
	return ""
}

// elizaReply is Bob's fallback: he reflects what was said.
func elizaReply(text string) string {
	words := strings.Fields(text)
	swap := map[string]string{"i": "you", "me": "you", "my": "your", "am": "are", "you": "I", "your": "my", "are": "am"}
	for i, w := range words {
		if r, ok := swap[strings.ToLower(w)]; ok {
			words[i] = r
		}
	}
	return "Why do you say " + strings.TrimRight(strings.Join(words, " "), ".!") + "?"
}
