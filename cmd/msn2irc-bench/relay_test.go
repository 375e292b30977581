package main

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

// TestNSRelayRewritesSwitchboards checks that the relay hop keeps the
// notification server stream intact, payloads included, and points XFR SB and
// RNG at switchboard relays that reach the real switchboard.
func TestNSRelayRewritesSwitchboards(t *testing.T) {
	sbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sbLn.Close()
	nsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer nsLn.Close()
	sbAddr := sbLn.Addr().String()
	const payload = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile\r\n\r\n"
	nsDone := make(chan struct{})
	go func() {
		defer close(nsDone)
		c, err := nsLn.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		if line != "XFR 5 SB\r\n" {
			t.Errorf("server got %q through the relay", line)
		}
		io.WriteString(c, "MSG Hotmail Hotmail "+strconv.Itoa(len(payload))+"\r\n"+payload+
			"XFR 5 SB "+sbAddr+" CKI 17262740.1050826919.32308\r\n"+
			"RNG 11752099 "+sbAddr+" CKI 849102291.520491113 bob@example.com Bob\r\n")
	}()
	sbDone := make(chan struct{})
	go func() {
		defer close(sbDone)
		c, err := sbLn.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "hello through the relay\r\n")
	}()

	r, err := newNSRelay(nsLn.Addr().String(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := net.Dial("tcp", r.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "XFR 5 SB\r\n")
	rd := msn.NewReader(c, msn.ServerPayloads)
	msg, err := rd.ReadCommand()
	if err != nil || msg.Name != "MSG" || string(msg.Payload) != payload {
		t.Fatalf("MSG through the relay: %v, %v", msg, err)
	}
	xfr, err := rd.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	rng, err := rd.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	if xfr.String() == "XFR 5 SB "+sbAddr+" CKI 17262740.1050826919.32308" || xfr.Param(3) != "CKI" {
		t.Errorf("XFR not rewritten: %v", xfr)
	}
	if rng.Param(1) != xfr.Param(2) || rng.Param(4) != "bob@example.com" {
		t.Errorf("RNG %v does not point at the same relay as %v", rng, xfr)
	}
	sb, err := net.Dial("tcp", xfr.Param(2))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	sb.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(sb).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "hello through the relay" {
		t.Errorf("switchboard relay gave %q, %v", line, err)
	}
	<-nsDone
	<-sbDone
}
