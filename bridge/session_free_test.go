package bridge

import (
	"bufio"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
	"weak"
)

// A session that ended is freed: nothing of the bridge, the IRC server or
// the MSN client keeps it, with its contacts and world, once its last
// client left. A bridge that kept them would grow with every login.
func TestEndedSessionIsFreed(t *testing.T) {
	bridge, _, addr := servedBridge(t, "alice@example.com", "bob@example.com")
	var sessions []weak.Pointer[session]
	for range 3 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write([]byte("PASS alice@example.com:pw\r\nNICK alice\r\nUSER alice 0 * :Alice\r\n")); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the welcome: %v", err)
			}
			if strings.Contains(line, " 366 ") {
				break
			}
		}
		bridge.mu.Lock()
		sessions = append(sessions, weak.Make(bridge.sessions["alice@example.com"]))
		bridge.mu.Unlock()
		conn.Write([]byte("QUIT\r\n"))
		conn.Close()
		deadline := time.Now().Add(10 * time.Second)
		for bridge.SessionCount() > 0 {
			if time.Now().After(deadline) {
				t.Fatal("the session did not end after its client left")
			}
			time.Sleep(time.Millisecond)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		live := 0
		for _, p := range sessions {
			if p.Value() != nil {
				live++
			}
		}
		if live == 0 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Logf("%s", buf[:runtime.Stack(buf, true)])
			t.Fatalf("%d of %d ended sessions are still in memory", live, len(sessions))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
