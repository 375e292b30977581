package msntest

import (
	"bytes"
	"strings"
)

// checkP2P applies Escargot's rules for P2P data to a switchboard MSG:
// P2P content (application/x-msnmsgrp2p) must be sent with ack D, or the
// connection is closed; P2P content sent with D needs a P2P-Dest header
// and at least a binary header and footer, or it is answered with 282 and
// not relayed. Other content sent with D is relayed like ack A. It returns whether to relay the message and
// whether to keep the connection.
func (sc *sbConn) checkP2P(trid, ack string, payload []byte) (relay, keep bool) {
	head, body, _ := bytes.Cut(payload, []byte("\r\n\r\n"))
	var ct, dest string
	for line := range strings.SplitSeq(string(head), "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "content-type":
			ct, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(v)), ";")
		case "p2p-dest":
			dest = strings.TrimSpace(v)
		}
	}
	isP2P := strings.TrimSpace(ct) == "application/x-msnmsgrp2p"
	if isP2P && ack != "D" {
		return false, false
	}
	if isP2P && (dest == "" || len(body) < 48+4) {
		sc.err(282, trid)
		return false, true
	}
	return true, true
}
