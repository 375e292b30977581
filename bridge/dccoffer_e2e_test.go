package bridge_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// offeredByDCC has bob send alice a file called name holding data, with
// dcc_files on, and returns her client, the DCC SEND offer it gets and
// the offer's fields.
func offeredByDCC(t *testing.T, name string, data []byte) (*client, *irc.Message, []string) {
	t.Helper()
	fe := newRecvEnv(t, nil)
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	c.send("PRIVMSG msn :set dcc_files true")
	c.expectMsn("dcc_files=true")
	p.chat(alice)
	if err := <-sendFile(p, name, int64(len(data)), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	m := c.expectFrom("bob", "PRIVMSG", "\x01DCC SEND ")
	return c, m, strings.Fields(strings.Trim(m.Trailing(), "\x01"))
}

// With set dcc_files true, a received file is also offered to the client
// as DCC SEND from the contact, on the address the client reached; the
// listener answers only the client's own address, and the client that
// connects gets the bytes.
func TestFileOfferedByDCC(t *testing.T) {
	data := fileData(200_000)
	c, m, f := offeredByDCC(t, "song name.mp3", data)
	if len(f) != 6 || f[2] != "song_name.mp3" || f[5] != strconv.Itoa(len(data)) || m.Params[0] != "alice" {
		t.Fatalf("DCC offer %q", m.Trailing())
	}
	n, _ := strconv.ParseUint(f[3], 10, 32)
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, uint32(n))
	if !ip.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Errorf("DCC address %v, want the one the client reached", ip)
	}
	addr := net.JoinHostPort(ip.String(), f[4])
	// Another address is refused.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: waitTime}
	if other, err := d.Dial("tcp", addr); err == nil {
		other.SetReadDeadline(time.Now().Add(waitTime))
		if got, _ := io.ReadAll(other); len(got) != 0 {
			t.Errorf("a connection from another address got %d bytes", len(got))
		}
		other.Close()
	}
	conn, err := net.DialTimeout("tcp", addr, waitTime)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(waitTime))
	got, err := io.ReadAll(conn)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("DCC: %d bytes (%v), want the %d sent", len(got), err, len(data))
	}
	// The link works as well.
	c.sync()
	for _, seen := range c.seen {
		if seen.Command == "PRIVMSG" && strings.Contains(seen.Trailing(), "song name.mp3") {
			return
		}
	}
	t.Error("no link message besides the DCC offer")
}
