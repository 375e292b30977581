// Command msn2irc-bench measures msn2irc: relay latency, throughput, login to
// ready, memory per idle session and CPU per message, each as a ratio to a
// direct MSN client on the same server, and prints a table (and JSON with
// -json). See BENCHMARKS.md.
//
// It runs msntest, the bridge and the latency baseline's relay hop in
// processes of their own, by re-running itself with the hidden subcommands
// serve-msntest, serve-bridge and serve-relay, so that the MSN server's and
// the bench clients' costs are not counted as the bridge's, and the relay hop
// and the bridge pay alike for waking a process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(mainCode(os.Args[1:], os.Stdout, os.Stderr))
}

func mainCode(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		var err error
		switch args[0] {
		case "serve-msntest":
			err = serveMSNTest(args[1:], stderr)
		case "serve-bridge":
			err = serveBridge(args[1:], stderr)
		case "serve-relay":
			err = serveRelay(args[1:], stderr)
		default:
			return benchMain(args, stdout, stderr)
		}
		if err != nil {
			fmt.Fprintf(stderr, "msn2irc-bench %s: %v\n", args[0], err)
			return 1
		}
		return 0
	}
	return benchMain(args, stdout, stderr)
}

func benchMain(args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "msn2irc-bench: %v\n", err)
		return 2
	}
	if o.Self, err = os.Executable(); err != nil {
		fmt.Fprintf(stderr, "msn2irc-bench: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "msn2irc-bench: %v\n", err)
		return 1
	}
	printTable(stdout, res)
	if o.JSONPath != "" {
		if err := writeJSON(o.JSONPath, res); err != nil {
			fmt.Fprintf(stderr, "msn2irc-bench: %v\n", err)
			return 1
		}
	}
	if len(res.Errors) > 0 {
		return 1
	}
	return 0
}
