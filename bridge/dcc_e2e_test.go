package bridge_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
)

// dccSender plays an IRC client's DCC SEND: it listens, serves data to the
// one connection it gets, and reads the receiver's acknowledgements until
// the last one counts every byte. The channel gets the error of the
// transfer, nil when the receiver acknowledged all of data.
func dccSender(t *testing.T, data []byte) (port int, done <-chan error) {
	t.Helper()
	return dccSenderHeld(t, data, nil)
}

// dccSenderHeld is dccSender that, when hold is not nil, sends nothing on
// the connection until hold is closed.
func dccSenderHeld(t *testing.T, data []byte, hold <-chan struct{}) (port int, done <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() {
		defer ln.Close()
		conn, err := ln.Accept()
		if err != nil {
			ch <- err
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(waitTime))
		acks := make(chan error, 1)
		go func() {
			var ack [4]byte
			for {
				if _, err := io.ReadFull(conn, ack[:]); err != nil {
					acks <- fmt.Errorf("reading acks: %w", err)
					return
				}
				if binary.BigEndian.Uint32(ack[:]) == uint32(len(data)) {
					acks <- nil
					return
				}
			}
		}()
		if hold != nil {
			<-hold
		}
		if _, err := conn.Write(data); err != nil {
			ch <- err
			return
		}
		ch <- <-acks
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port, ch
}

// A DCC SEND from the user's client to a contact's nick is received from
// the client's own address and reaches the contact byte for byte.
func TestDCCSendToContact(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	data := bytes.Repeat([]byte{0, 1, 2, 0xfe, 'd', 'c', 'c'}, 20000)
	port, done := dccSender(t, data)
	c.send(fmt.Sprintf("PRIVMSG bob :\x01DCC SEND \"my file.bin\" %d %d %d\x01", 127<<24|1, port, len(data)))
	offer, received := p.receiveFile()
	if err := <-done; err != nil {
		t.Fatalf("the DCC sender: %v", err)
	}
	if offer.Name != "my file.bin" || !bytes.Equal(received, data) {
		t.Errorf("bob received %q, %d bytes; want my file.bin, %d bytes, the same", offer.Name, len(received), len(data))
	}
	c.expectFileNote("NOTE", "FILE_SENT", "bob", "delivered")
}

// A DCC SEND naming an address other than the client's own is refused
// with a notice that says why; so is a passive DCC.
func TestDCCSendForeignAddressRefused(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	c := fe.login("alice", alice, password, allCaps)
	fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.send(fmt.Sprintf("PRIVMSG bob :\x01DCC SEND file.bin %d 5000 10\x01", 10<<24|1<<16|2<<8|3))
	m := c.expectFileNote("FAIL", "FILE_NOT_SENT", "bob", "10.1.2.3")
	if !strings.Contains(m.Trailing(), "connects only to the address your IRC connection comes from") {
		t.Errorf("refusal %q", m.Trailing())
	}
	c.send(fmt.Sprintf("PRIVMSG bob :\x01DCC SEND file.bin %d 0 10 77\x01", 127<<24|1))
	c.expectFileNote("FAIL", "FILE_NOT_SENT", "bob", "passive (reverse) DCC is not supported")
	// A service's port (SSH, SMTP) is no IRC client's DCC.
	c.send(fmt.Sprintf("PRIVMSG bob :\x01DCC SEND file.bin %d 22 10\x01", 127<<24|1))
	c.expectFileNote("FAIL", "FILE_NOT_SENT", "bob", "ports from 1024")
}

// From a trusted address (a bouncer host, a proxy on msn2irc's own
// machine), a DCC SEND is refused without a connection: the address is
// not the user's machine, and its ports are other services'.
func TestDCCSendThroughAProxyRefused(t *testing.T) {
	fe := newFileEnv(t, 1<<20, func(c *bridge.Config) {
		c.TrustedNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	c := fe.login("alice", alice, password, allCaps)
	fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	port, done := dccSender(t, []byte("hello"))
	c.send(fmt.Sprintf("PRIVMSG bob :\x01DCC SEND hello.txt %d %d 5\x01", 127<<24|1, port))
	c.expectFileNote("FAIL", "FILE_NOT_SENT", "bob", "carries many users")
	select {
	case err := <-done:
		t.Errorf("msn2irc connected through the proxy's address (%v)", err)
	default:
	}
}

// Before MSNP9 MSN carries no files: a DCC SEND is refused at once with
// the reason, before msn2irc takes the file from the client.
func TestDCCSendBeforeMSNP9Refused(t *testing.T) {
	e := newEnvWith(t, "MSNP8", func(cfg *bridge.Config) {
		cfg.Uploads = bridge.UploadConfig{Dir: t.TempDir(), MaxSize: 1 << 20}
	})
	c := e.login("alice", alice, password, allCaps)
	e.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	port, done := dccSender(t, []byte("hello"))
	c.send(fmt.Sprintf("PRIVMSG bob :\x01DCC SEND hello.txt %d %d 5\x01", 127<<24|1, port))
	c.expectFileNote("FAIL", "FILE_NOT_SENT", "bob", "MSNP9")
	select {
	case err := <-done:
		t.Errorf("msn2irc took the file from the client (%v) though it cannot send it", err)
	default:
	}
}

// A DCC SEND to a contact known to be offline is refused at once, saying
// so, before msn2irc takes the file from the client: MSN could not
// deliver it.
func TestDCCSendToOfflineContactRefused(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	c := fe.login("alice", alice, password, allCaps)
	port, done := dccSender(t, []byte("hello"))
	c.send(fmt.Sprintf("PRIVMSG dave :\x01DCC SEND hello.txt %d %d 5\x01", 127<<24|1, port))
	c.expectFileNote("FAIL", "FILE_NOT_SENT", "dave", "dave is offline")
	select {
	case err := <-done:
		t.Errorf("msn2irc took the file from the client (%v) though dave is offline", err)
	default:
	}
}

// A file received from the client by DCC counts against the account's
// quota like an upload, from the moment it starts until it has gone to
// the contact: one that would not fit is refused without a connection
// to the client, and an upload beside one in progress is refused.
func TestDCCSendCountsAgainstTheQuota(t *testing.T) {
	fe := newFileEnv(t, 1<<20, func(cfg *bridge.Config) {
		cfg.DataDir = t.TempDir()
		cfg.FileQuota = 3000
	})
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")

	port, done := dccSender(t, fileData(4000))
	c.send(fmt.Sprintf("PRIVMSG bob :\x01DCC SEND big.bin %d %d 4000\x01", 127<<24|1, port))
	c.expectFileNote("FAIL", "FILE_NOT_SENT", "bob", "quota of 2.9 KiB")
	select {
	case err := <-done:
		t.Errorf("msn2irc took a file over the quota from the client (%v)", err)
	default:
	}

	data := fileData(2500)
	hold := make(chan struct{})
	port, done = dccSenderHeld(t, data, hold)
	c.send(fmt.Sprintf("PRIVMSG bob :\x01DCC SEND slow.bin %d %d %d\x01", 127<<24|1, port, len(data)))
	waitFor(t, "the DCC file on the disk", func() bool {
		return slices.ContainsFunc(fe.uploadsOnDisk(t), func(p string) bool { return strings.HasPrefix(filepath.Base(p), ".part-") })
	})
	if resp, body := fe.upload(alice, password, "beside.bin", fileData(1000)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("an upload beside a DCC reception of 2500 of 3000 bytes: %s %q, want 413", resp.Status, body)
	}
	close(hold)
	if _, got := p.receiveFile(); !bytes.Equal(got, data) {
		t.Errorf("bob received %d bytes, want %d", len(got), len(data))
	}
	if err := <-done; err != nil {
		t.Fatalf("the DCC sender: %v", err)
	}
	c.expectFileNote("NOTE", "FILE_SENT", "bob", "delivered")
	// Sent and removed, it no longer counts.
	waitFor(t, "the room of the sent file", func() bool {
		resp, _ := fe.upload(alice, password, "after.bin", fileData(1000))
		return resp.StatusCode == http.StatusCreated
	})
}
