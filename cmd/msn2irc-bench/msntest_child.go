package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// msnAddrs is what the msntest child prints when ready.
type msnAddrs struct {
	Server   string `json:"server"`
	Nexus    string `json:"nexus"`
	LoginURL string `json:"login_url"`
	SB       string `json:"sb"`
}

// serveMSNTest is the hidden "serve-msntest" subcommand: it runs msntest with
// the bench's accounts in this process, so that its CPU and memory are not
// counted as the bridge's, prints its addresses and serves until stdin ends.
func serveMSNTest(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve-msntest", flag.ContinueOnError)
	var l layout
	var sizes string
	verbose := fs.Bool("v", false, "log every protocol line")
	fs.IntVar(&l.Peers, "peers", 1, "peers")
	fs.IntVar(&l.Users, "users", 0, "users")
	fs.IntVar(&l.UserContacts, "user-contacts", 0, "contacts per user")
	fs.StringVar(&sizes, "login-sizes", "", "contact counts for login accounts")
	fs.IntVar(&l.LoginReps, "login-reps", 0, "accounts per login size")
	fs.IntVar(&l.Directs, "directs", 2, "direct clients")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if l.LoginSizes, err = parseInts(sizes); err != nil {
		return err
	}
	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := msntest.New(msntest.Options{CorrectNexusURL: true, Logger: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := populate(srv, l); err != nil {
		return err
	}
	ready := msnAddrs{Server: srv.NSAddr(), Nexus: srv.NexusURL(), LoginURL: srv.LoginURL(), SB: srv.SBAddr()}
	return serveControl(ready, func(cmd string, args []string) (any, error) {
		switch cmd {
		case "stats":
			return selfStats(true), nil
		case "cpu":
			return selfStats(false).CPUSeconds, nil
		case "online":
			if len(args) != 1 {
				return nil, errors.New("usage: online passport")
			}
			return srv.Online(args[0]), nil
		}
		return nil, fmt.Errorf("unknown command %q", cmd)
	})
}

// populate creates the layout's accounts and contact lists.
func populate(srv *msntest.Server, l layout) error {
	add := func(a account) error { return srv.AddAccount(a.Passport, a.Password, "") }
	both := msn.ForwardList | msn.AllowList
	maxPool := l.UserContacts
	for _, n := range l.LoginSizes {
		maxPool = max(maxPool, n)
	}
	// Pool contacts get accounts too, so that they are real (offline) users.
	for i := 0; i < maxPool; i++ {
		if err := srv.AddAccount(l.poolContact(i), "pw-pool", ""); err != nil {
			return err
		}
	}
	for i := 0; i < l.Peers; i++ {
		if err := add(l.peer(i)); err != nil {
			return err
		}
	}
	withContacts := func(a account, n int, peer *account) error {
		if err := add(a); err != nil {
			return err
		}
		if peer != nil {
			if err := srv.AddContact(a.Passport, peer.Passport, both); err != nil {
				return err
			}
			if err := srv.AddContact(peer.Passport, a.Passport, msn.AllowList); err != nil {
				return err
			}
		}
		for i := 0; i < n; i++ {
			if err := srv.AddContact(a.Passport, l.poolContact(i), both); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < l.Users; i++ {
		p := l.userPeer(i)
		if err := withContacts(l.user(i), l.UserContacts, &p); err != nil {
			return err
		}
	}
	for i := 0; i < l.Directs; i++ {
		p := l.peer(0)
		if err := withContacts(l.direct(i), 0, &p); err != nil {
			return err
		}
	}
	for _, n := range l.LoginSizes {
		for r := 0; r < l.LoginReps; r++ {
			if err := withContacts(l.bridgeLogin(n, r), n, nil); err != nil {
				return err
			}
			if err := withContacts(l.bareLogin(n, r), n, nil); err != nil {
				return err
			}
		}
	}
	return nil
}
