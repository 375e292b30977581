package msntest

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// FuzzCheckP2P feeds arbitrary switchboard payloads and acks to the P2P
// relay rules: P2P content is relayed only with ack D, a P2P-Dest and at
// least a binary header and footer; refusing it keeps the connection
// unless the ack is not D; other content is always relayed.
func FuzzCheckP2P(f *testing.F) {
	p2p := "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: bob@example.com\r\n\r\n"
	f.Add(p2p+string(make([]byte, 52)), "D")
	f.Add(p2p+string(make([]byte, 51)), "D")
	f.Add(p2p+string(make([]byte, 52)), "A")
	f.Add("Content-Type: APPLICATION/X-MSNMSGRP2P ; x\r\n\r\n"+string(make([]byte, 60)), "D")
	f.Add("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhi", "D")
	f.Add("Content-Type: application/x-msnmsgrp2p\r\nP2P-Dest:\r\n\r\n", "N")
	f.Add("Content-Type: application/x-msnmsgrp2p\nP2P-Dest: b\n\n\x00", "D")
	f.Add("", "")
	f.Add(strings.Repeat("P2P-Dest: x\r\n", 1000), "U")
	client, server := net.Pipe()
	f.Cleanup(func() { client.Close(); server.Close() })
	go io.Copy(io.Discard, client)
	sc := &sbConn{w: newWire(server, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	f.Fuzz(func(t *testing.T, payload, ack string) {
		relay, keep := sc.checkP2P("1", ack, []byte(payload))
		head, body, _ := strings.Cut(payload, "\r\n\r\n")
		// Header lines end in CRLF, as on the wire.
		var isP2P, dest bool
		for _, line := range strings.Split(strings.ToLower(head), "\r\n") {
			k, v, _ := strings.Cut(line, ":")
			v, _, _ = strings.Cut(v, ";")
			switch strings.TrimSpace(k) {
			case "content-type":
				isP2P = strings.TrimSpace(v) == "application/x-msnmsgrp2p"
			case "p2p-dest":
				dest = strings.TrimSpace(v) != ""
			}
		}
		if !keep && (ack == "D" || !isP2P) {
			t.Fatalf("ack %q, payload %q: connection closed", ack, payload)
		}
		if relay && isP2P && (ack != "D" || len(body) < 52 || !dest) {
			t.Fatalf("ack %q, payload %q: relayed", ack, payload)
		}
	})
}
