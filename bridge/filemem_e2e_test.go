package bridge_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/internal/benchtest"
)

// patternReader reads left bytes of a pseudo-random pattern without
// holding them.
type patternReader struct {
	left int64
	r    *rand.PCG
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(b)), p.left)
	for i := range n {
		b[i] = byte(p.r.Uint64())
	}
	p.left -= n
	return int(n), nil
}

// heapWatch samples the live heap until stop, and returns the most.
func heapWatch() (stop func() uint64) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var most uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			most = max(most, benchtest.LiveHeap())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return most }
}

// A 50 MB file passes through msn2irc to disk and out of its link without
// being held whole: the heap grows by far less than the file.
func TestFileLargeStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB over the switchboard")
	}
	const size = 50 << 20
	fe := newRecvEnv(t, func(c *bridge.Config) { c.FileAutoAccept = size })
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	want := sha256.New()
	io.Copy(want, &patternReader{left: size, r: rand.NewPCG(5, 6)})
	base := benchtest.LiveHeap()
	stop := heapWatch()
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := p.c.SendFile(ctx, alice, "big.bin", size, &patternReader{left: size, r: rand.NewPCG(5, 6)}); err != nil {
		t.Fatalf("SendFile: %v", err)
	}
	link := linkIn(t, c.expectFrom("bob", "PRIVMSG", "big.bin"))
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	n, err := io.Copy(got, resp.Body)
	resp.Body.Close()
	most, stopped := stop(), true
	if err != nil || n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("downloaded %d bytes (%v), or not the ones sent", n, err)
	}
	if grown := int64(most) - int64(base); grown > size/4 {
		t.Errorf("the heap grew by %d bytes while a %d-byte file passed: it is held", grown, size)
	}
	t.Logf("heap grew by at most %d KiB", (int64(most)-int64(base))>>10)
}

// A download longer than the listener's write timeout is not cut: the
// handler extends the deadline of its own request.
func TestFileDownloadOutlastsWriteTimeout(t *testing.T) {
	fe := newRecvEnv(t, nil)
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	const size = 8 << 20
	data := fileData(size)
	sent := sendFile(p, "slow.bin", size, bytes.NewReader(data))
	link := linkIn(t, c.expectFrom("bob", "PRIVMSG", "slow.bin"))
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(bridge.FilePattern, fe.bridge.FileHandler())
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.WriteTimeout = 50 * time.Millisecond
	srv.Start()
	defer srv.Close()
	resp, err := http.Get(strings.Replace(link, fe.web.URL, srv.URL, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head := make([]byte, 1024)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	// Reading slowly is the point here: the server's write timeout passes
	// while the rest of the file waits to be read.
	time.Sleep(200 * time.Millisecond)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(append(head, rest...), data) {
		t.Fatalf("download cut after %d bytes: %v", len(head)+len(rest), err)
	}
}
