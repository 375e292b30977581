// Command msn2irc is an IRC server that signs in to MSN Messenger for the
// IRC clients that log in to it with an MSN address and password.
//
// Usage:
//
//	msn2irc          run the bridge, configured by MSN2IRC_* environment variables
//	msn2irc demo     run the bridge against an embedded demo MSN network
//	msn2irc -h       list the environment variables and their defaults
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is the program version, shown by VERSION and `msn version`.
const version = "0.1"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the program with its arguments and output streams; it returns
// the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	mode := ""
	if len(args) > 0 {
		mode = args[0]
	}
	switch mode {
	case "-h", "-help", "--help", "help":
		printUsage(stdout)
		return 0
	case "", "demo":
	default:
		fmt.Fprintf(stderr, "msn2irc: unknown argument %q\n\n", mode)
		printUsage(stderr)
		return 2
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(stderr, "msn2irc:", err)
		return 2
	}
	log, err := newLogger(stderr, cfg.LogLevel)
	if err != nil {
		fmt.Fprintln(stderr, "msn2irc:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals()...)
	defer stop()
	// Once the first signal starts the shutdown, a second one stops the
	// program at once (the signals' default), should the shutdown hang.
	context.AfterFunc(ctx, stop)
	if mode == "demo" {
		err = runDemo(ctx, cfg, log, stdout)
	} else {
		err = serve(ctx, cfg, log, nil)
	}
	if err != nil {
		fmt.Fprintln(stderr, "msn2irc:", err)
		return 1
	}
	return 0
}

// stopSignals are the signals that stop the program cleanly: Ctrl-C,
// SIGTERM, and a hangup (its terminal closing), unless it was started to
// outlive one (nohup): asking for an ignored SIGHUP would undo that.
func stopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}
