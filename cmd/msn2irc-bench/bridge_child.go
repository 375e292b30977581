package main

import (
	"errors"
	"io"
)

// serveBridge is the hidden "serve-bridge" subcommand.
func serveBridge(args []string, stderr io.Writer) error {
	return errors.New("not available yet")
}
