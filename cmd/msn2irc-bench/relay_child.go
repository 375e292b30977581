package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// relayAddr is what the relay child prints when ready.
type relayAddr struct {
	Addr string `json:"addr"`
}

// serveRelay is the hidden "serve-relay" subcommand: the plain TCP relay hop
// (an nsRelay in front of the MSN server) in a process of its own, as
// msn2irc runs in a process of its own, so that both hops pay for waking a
// process that was waiting on its sockets.
func serveRelay(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve-relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "MSN notification server to relay to (host:port)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target == "" {
		return fmt.Errorf("-target is required")
	}
	r, err := newNSRelay(*target, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer r.Close()
	return serveControl(relayAddr{Addr: r.Addr()}, func(cmd string, args []string) (any, error) {
		if cmd == "cpu" {
			return selfStats(false).CPUSeconds, nil
		}
		return nil, fmt.Errorf("unknown command %q", cmd)
	})
}

// startRelayChild runs the relay hop in its own process, in front of target.
func startRelayChild(ctx context.Context, self, target string, stderr io.Writer) (*child, string, error) {
	var ready relayAddr
	c, err := startChild(ctx, "relay", self, []string{"serve-relay", "-target", target}, nil, stderr, &ready)
	if err != nil {
		return nil, "", err
	}
	return c, ready.Addr, nil
}
