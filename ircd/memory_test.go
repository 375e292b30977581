package ircd

import (
	"bufio"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"
)

// An idle client, once welcomed, keeps no write buffer and only a small
// read buffer: a bridge holds one per idle session, and thousands of them.
func TestIdleClientMemory(t *testing.T) {
	e := newEnv(t, Config{TrustedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, GuestsPerAddress: 1000})
	const n = 200
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	welcome := func() {
		conn, err := net.Dial("tcp", e.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		nick := "idle" + strings.Repeat("x", len(conns)%8)
		if _, err := conn.Write([]byte("NICK " + nick + "\r\nUSER u 0 * :u\r\nPING :done\r\n")); err != nil {
			t.Fatal(err)
		}
		// Read up to the PONG with a reader that is dropped afterwards.
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(line, "PONG") && strings.Contains(line, "done") {
				return
			}
		}
	}
	welcome() // the guest world and the server's first allocations
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		welcome()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("%d bytes of heap per idle client", per)
	if per > 8192 {
		t.Errorf("an idle client holds %d bytes of heap, want at most 8192", per)
	}
	stacks := (int64(after.StackInuse) - int64(before.StackInuse)) / n
	t.Logf("%d bytes of goroutine stacks per idle client", stacks)
	// The reader and the writer each wait in frames small enough for the
	// garbage collector to halve the stacks that registration grew: 4 KiB
	// each. The race detector's larger frames keep them bigger.
	if !raceEnabled && stacks > 9216 {
		t.Errorf("an idle client's goroutines hold %d bytes of stack, want at most 9216", stacks)
	}
}
