package msn_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/internal/benchtest"
	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// P2P over the in-process switchboard: alice and bob are both msn.Clients,
// so each test exercises the sending and the receiving side.

var p2pVersions = []string{"MSNP9", "MSNP12", "MSNP18"}

// p2pPair signs alice and bob in at ver and opens a chat between them.
func p2pPair(t *testing.T, ver string, tweak ...func(*msn.Config)) (*msntest.Server, *msn.Client, *msn.Client) {
	t.Helper()
	srv := newServer(t, msntest.Options{})
	alice := login(t, srv, "alice@example.com", ver, tweak...)
	bob := login(t, srv, "bob@example.com", ver, tweak...)
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	call(t, ctx, alice, bob, "bob@example.com")
	return srv, alice, bob
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 7))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// sendAsync runs SendFile in a goroutine; the channel gets its result.
func sendAsync(ctx context.Context, from *msn.Client, to, name string, size int64, r io.Reader) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- from.SendFile(ctx, to, name, size, r) }()
	return ch
}

// receive waits for a file offer on c and accepts it into w; the channel
// gets AcceptFile's result.
func receive(t *testing.T, ctx context.Context, c *msn.Client, w io.Writer) (msn.FileOffer, <-chan error) {
	t.Helper()
	offer := waitEv[msn.FileOffer](t, c, nil)
	ch := make(chan error, 1)
	go func() { ch <- c.AcceptFile(ctx, offer.ID, w) }()
	return offer, ch
}

func TestP2PFileBothWays(t *testing.T) {
	for _, ver := range p2pVersions {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			_, alice, bob := p2pPair(t, ver)
			ctx, cancel := context.WithTimeout(context.Background(), 4*matrixTimeout)
			defer cancel()
			for _, dir := range []struct {
				from, to *msn.Client
				name     string
				size     int
			}{{alice, bob, "photo ünï.jpg", 100_000}, {bob, alice, "notes.txt", 1202}, {alice, bob, "empty", 0}} {
				data := randomBytes(dir.size)
				sent := sendAsync(ctx, dir.from, dir.to.Passport(), dir.name, int64(len(data)), bytes.NewReader(data))
				var got bytes.Buffer
				offer, accepted := receive(t, ctx, dir.to, &got)
				if offer.From != dir.from.Passport() || offer.Name != dir.name || offer.Size != int64(len(data)) {
					t.Fatalf("offer = %+v", offer)
				}
				if err := <-sent; err != nil {
					t.Fatalf("SendFile: %v", err)
				}
				if err := <-accepted; err != nil {
					t.Fatalf("AcceptFile: %v", err)
				}
				if !bytes.Equal(got.Bytes(), data) {
					t.Fatalf("%s: received %d bytes, not the %d sent", dir.name, got.Len(), len(data))
				}
				end := waitEv(t, dir.to, func(e msn.FileTransferEnded) bool { return e.ID == offer.ID })
				if end.Err != nil || end.Bytes != int64(len(data)) {
					t.Fatalf("ended = %+v", end)
				}
			}
		})
	}
}

func TestP2PDeclined(t *testing.T) {
	_, alice, bob := p2pPair(t, "MSNP12")
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	sent := sendAsync(ctx, alice, "bob@example.com", "x.bin", 10, bytes.NewReader(make([]byte, 10)))
	offer := waitEv[msn.FileOffer](t, bob, nil)
	if err := bob.DeclineFile(ctx, offer.ID); err != nil {
		t.Fatal(err)
	}
	if err := <-sent; !errors.Is(err, msn.ErrTransferDeclined) {
		t.Fatalf("SendFile = %v, want ErrTransferDeclined", err)
	}
}

func TestP2PDisplayPicture(t *testing.T) {
	for _, ver := range p2pVersions {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			_, alice, bob := p2pPair(t, ver)
			ctx, cancel := context.WithTimeout(context.Background(), 2*matrixTimeout)
			defer cancel()
			pic := randomBytes(9000)
			if err := bob.SetDisplayPicture(ctx, pic); err != nil {
				t.Fatal(err)
			}
			pc := waitEv(t, alice, func(e msn.PresenceChanged) bool {
				return e.Passport == "bob@example.com" && !e.Picture.IsZero()
			})
			if pc.Picture.Size != int64(len(pic)) || pc.Picture != bob.DisplayPicture() {
				t.Fatalf("picture = %+v, want %+v", pc.Picture, bob.DisplayPicture())
			}
			if pic, ok := alice.Picture("bob@example.com"); !ok || pic != pc.Picture {
				t.Errorf("contact picture = %+v, %v", pic, ok)
			}
			var got bytes.Buffer
			if err := alice.FetchObject(ctx, "bob@example.com", pc.Picture, &got); err != nil {
				t.Fatalf("FetchObject: %v", err)
			}
			if !bytes.Equal(got.Bytes(), pic) {
				t.Fatalf("fetched %d bytes, not the picture", got.Len())
			}
			// An object bob no longer has is declined.
			if err := bob.SetDisplayPicture(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if err := alice.FetchObject(ctx, "bob@example.com", pc.Picture, io.Discard); !errors.Is(err, msn.ErrNoPicture) {
				t.Fatalf("FetchObject of a cleared picture = %v, want ErrNoPicture", err)
			}
		})
	}
}

// stepReader serves data and calls at(n) once, when n bytes were read.
type stepReader struct {
	r    io.Reader
	n    int
	read int
	at   func()
	once sync.Once
}

func (s *stepReader) Read(p []byte) (int, error) {
	if s.read >= s.n {
		s.once.Do(s.at)
	}
	n, err := s.r.Read(p)
	s.read += n
	return n, err
}

// stepWriter takes data and calls at once n bytes were written.
type stepWriter struct {
	n       int
	written int
	at      func()
	once    sync.Once
}

func (s *stepWriter) Write(p []byte) (int, error) {
	s.written += len(p)
	if s.written >= s.n {
		s.once.Do(s.at)
	}
	return len(p), nil
}

func TestP2PCancelledByReceiver(t *testing.T) {
	_, alice, bob := p2pPair(t, "MSNP12")
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	data := randomBytes(2_000_000)
	sent := sendAsync(ctx, alice, "bob@example.com", "big.bin", int64(len(data)), bytes.NewReader(data))
	actx, acancel := context.WithCancel(ctx)
	defer acancel()
	offer, accepted := receive(t, actx, bob, &stepWriter{n: 50_000, at: acancel})
	if err := <-accepted; !errors.Is(err, context.Canceled) {
		t.Fatalf("AcceptFile = %v, want context.Canceled", err)
	}
	end := waitEv(t, bob, func(e msn.FileTransferEnded) bool { return e.ID == offer.ID })
	if end.Err == nil || end.Bytes >= end.Size {
		t.Fatalf("ended = %+v: a cancelled transfer reported complete", end)
	}
	if err := <-sent; !errors.Is(err, msn.ErrTransferCancelled) {
		t.Fatalf("SendFile = %v, want ErrTransferCancelled", err)
	}
}

// heldWriter holds its second Write until release is closed, and says
// when it is inside it.
type heldWriter struct {
	calls   int
	entered chan struct{}
	release chan struct{}
	inWrite atomic.Bool
}

func (w *heldWriter) Write(p []byte) (int, error) {
	if w.calls++; w.calls == 2 {
		w.inWrite.Store(true)
		close(w.entered)
		<-w.release
		w.inWrite.Store(false)
	}
	return len(p), nil
}

// A cancelled AcceptFile returns only once the switchboard reader is out
// of the writer: its caller then flushes and closes it.
func TestP2PCancelledWaitsForTheWrite(t *testing.T) {
	_, alice, bob := p2pPair(t, "MSNP12")
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	data := randomBytes(200_000)
	sendAsync(ctx, alice, "bob@example.com", "f.bin", int64(len(data)), bytes.NewReader(data))
	w := &heldWriter{entered: make(chan struct{}), release: make(chan struct{})}
	var release sync.Once
	defer release.Do(func() { close(w.release) }) // never leave the reader held
	actx, acancel := context.WithCancel(ctx)
	defer acancel()
	_, accepted := receive(t, actx, bob, w)
	<-w.entered
	acancel()
	select {
	case err := <-accepted:
		t.Fatalf("AcceptFile returned (%v) while a chunk was being written", err)
	case <-time.After(50 * time.Millisecond): // it waits: the write is held
	}
	release.Do(func() { close(w.release) })
	if err := <-accepted; !errors.Is(err, context.Canceled) || w.inWrite.Load() {
		t.Fatalf("AcceptFile = %v, in a write %v", err, w.inWrite.Load())
	}
}

func TestP2PCancelledBySender(t *testing.T) {
	_, alice, bob := p2pPair(t, "MSNP18")
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	data := randomBytes(2_000_000)
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	sent := sendAsync(sctx, alice, "bob@example.com", "big.bin", int64(len(data)), &stepReader{r: bytes.NewReader(data), n: 50_000, at: scancel})
	var got bytes.Buffer
	offer, accepted := receive(t, ctx, bob, &got)
	if err := <-sent; !errors.Is(err, context.Canceled) {
		t.Fatalf("SendFile = %v, want context.Canceled", err)
	}
	if err := <-accepted; !errors.Is(err, msn.ErrTransferCancelled) {
		t.Fatalf("AcceptFile = %v, want ErrTransferCancelled", err)
	}
	end := waitEv(t, bob, func(e msn.FileTransferEnded) bool { return e.ID == offer.ID })
	if !errors.Is(end.Err, msn.ErrTransferCancelled) || end.Bytes >= end.Size {
		t.Fatalf("ended = %+v", end)
	}
}

func TestP2PSwitchboardDropped(t *testing.T) {
	for _, ver := range []string{"MSNP9", "MSNP18"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			srv, alice, bob := p2pPair(t, ver)
			ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
			defer cancel()
			data := randomBytes(2_000_000)
			sent := sendAsync(ctx, alice, "bob@example.com", "big.bin", int64(len(data)), bytes.NewReader(data))
			offer, accepted := receive(t, ctx, bob, &stepWriter{n: 50_000, at: func() { srv.DropSB("bob@example.com") }})
			if err := <-accepted; !errors.Is(err, msn.ErrClosed) {
				t.Fatalf("AcceptFile = %v, want ErrClosed", err)
			}
			end := waitEv(t, bob, func(e msn.FileTransferEnded) bool { return e.ID == offer.ID })
			if !errors.Is(end.Err, msn.ErrClosed) || end.Bytes >= end.Size {
				t.Fatalf("ended = %+v: the user must learn the transfer failed", end)
			}
			if err := <-sent; err == nil {
				t.Fatal("SendFile succeeded after the switchboard dropped")
			}
		})
	}
}

func TestP2PThreeAtOnce(t *testing.T) {
	_, alice, bob := p2pPair(t, "MSNP18")
	ctx, cancel := context.WithTimeout(context.Background(), 4*matrixTimeout)
	defer cancel()
	files := map[string][]byte{"a.bin": randomBytes(300_001), "b.bin": randomBytes(200_002), "c.bin": randomBytes(100_003)}
	var sent []<-chan error
	for name, data := range files {
		sent = append(sent, sendAsync(ctx, alice, "bob@example.com", name, int64(len(data)), bytes.NewReader(data)))
	}
	got := map[string]*bytes.Buffer{}
	var accepted []<-chan error
	for range files {
		offer := waitEv[msn.FileOffer](t, bob, nil)
		buf := &bytes.Buffer{}
		got[offer.Name] = buf
		ch := make(chan error, 1)
		go func() { ch <- bob.AcceptFile(ctx, offer.ID, buf) }()
		accepted = append(accepted, ch)
	}
	for i := range sent {
		if err := <-sent[i]; err != nil {
			t.Fatalf("SendFile: %v", err)
		}
		if err := <-accepted[i]; err != nil {
			t.Fatalf("AcceptFile: %v", err)
		}
	}
	for name, data := range files {
		if !bytes.Equal(got[name].Bytes(), data) {
			t.Errorf("%s: %d bytes received, not the %d sent", name, got[name].Len(), len(data))
		}
	}
}

// countingWriter hashes what it gets and samples the live heap at each
// MiB.
type countingWriter struct {
	n       int64
	h       interface{ Write([]byte) (int, error) }
	maxHeap uint64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.h.Write(p)
	if w.n/(1<<20) != (w.n+int64(len(p)))/(1<<20) {
		w.maxHeap = max(w.maxHeap, benchtest.LiveHeap())
	}
	w.n += int64(len(p))
	return len(p), nil
}

// patternReader yields size pseudo-random bytes without holding them.
type patternReader struct {
	left int64
	r    *rand.PCG
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.left)]
	for i := range b {
		b[i] = byte(p.r.Uint64())
	}
	p.left -= int64(len(b))
	return len(b), nil
}

// A 20 MB file passes with the receiver's heap staying far below its size.
func TestP2PLargeFileStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("20 MB over the switchboard")
	}
	_, alice, bob := p2pPair(t, "MSNP12")
	ctx, cancel := context.WithTimeout(context.Background(), 20*matrixTimeout)
	defer cancel()
	const size = 20 << 20
	want := sha1.New()
	io.Copy(want, &patternReader{left: size, r: rand.NewPCG(1, 2)})
	base := benchtest.LiveHeap()
	sent := sendAsync(ctx, alice, "bob@example.com", "big.bin", size, &patternReader{left: size, r: rand.NewPCG(1, 2)})
	w := &countingWriter{h: sha1.New()}
	_, accepted := receive(t, ctx, bob, w)
	if err := <-sent; err != nil {
		t.Fatalf("SendFile: %v", err)
	}
	if err := <-accepted; err != nil {
		t.Fatalf("AcceptFile: %v", err)
	}
	if w.n != size || !bytes.Equal(w.h.(interface{ Sum([]byte) []byte }).Sum(nil), want.Sum(nil)) {
		t.Fatalf("received %d bytes, or not the ones sent", w.n)
	}
	if grown := int64(w.maxHeap) - int64(base); grown > size/2 {
		t.Errorf("the heap grew by %d bytes during a %d-byte transfer: the file is held", grown, size)
	}
}

// An MSNFTP invitation (MSN Messenger 4-5) is declined and reported.
func TestP2PLegacyInvitationDeclined(t *testing.T) {
	srv := newServer(t, msntest.Options{})
	alice := login(t, srv, "alice@example.com", "MSNP9")
	bob := login(t, srv, "bob@example.com", "MSNP9")
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	asb, _, _ := call(t, ctx, alice, bob, "bob@example.com")
	inv := "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n" +
		"Application-Name: File Transfer\r\nApplication-GUID: {5D3E02AB-6190-11d3-BBBB-00C04F795683}\r\n" +
		"Invitation-Command: INVITE\r\nInvitation-Cookie: 4242\r\nApplication-File: old\x01.txt\r\nApplication-FileSize: 1234\r\nConnectivity: N\r\n\r\n"
	if err := asb.Send(ctx, msn.AckNAK, []byte(inv)); err != nil {
		t.Fatal(err)
	}
	ev := waitEv[msn.LegacyFileInvitation](t, bob, nil)
	if ev.From != "alice@example.com" || ev.Name != "old.txt" || ev.Size != 1234 {
		t.Fatalf("legacy invitation = %+v", ev)
	}
	if u := waitEv[msn.UnsupportedContent](t, alice, nil); u.Description != "a cancelled invitation" {
		t.Fatalf("alice got %+v", u)
	}
}

// An offer nobody answers, and a contact who goes silent, end the
// transfer after Config.TransferIdleTimeout: the user is told, and the
// contact gets a decline for the offer.
func TestP2PSilentTransferTimesOut(t *testing.T) {
	srv := newServer(t, msntest.Options{})
	alice := login(t, srv, "alice@example.com", "MSNP12")
	bob := login(t, srv, "bob@example.com", "MSNP12", func(c *msn.Config) { c.TransferIdleTimeout = 300 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	call(t, ctx, alice, bob, "bob@example.com")
	// The reader blocks until stuck is closed: alice's side goes silent
	// once bob accepts.
	stuck := make(chan struct{})
	sent := sendAsync(ctx, alice, "bob@example.com", "f.bin", 5000, blockingReader(stuck))
	offer := waitEv[msn.FileOffer](t, bob, nil)
	end := waitEv(t, bob, func(e msn.FileTransferEnded) bool { return e.ID == offer.ID })
	if !errors.Is(end.Err, msn.ErrTimeout) {
		t.Fatalf("unanswered offer ended with %v, want ErrTimeout", end.Err)
	}
	if err := <-sent; !errors.Is(err, msn.ErrTransferDeclined) {
		t.Fatalf("SendFile of an offer left unanswered = %v, want ErrTransferDeclined (603)", err)
	}

	// Accepted, then nothing arrives.
	sent = sendAsync(ctx, alice, "bob@example.com", "g.bin", 5000, blockingReader(stuck))
	_, accepted := receive(t, ctx, bob, io.Discard)
	if err := <-accepted; !errors.Is(err, msn.ErrTimeout) && !errors.Is(err, msn.ErrTransferCancelled) {
		t.Fatalf("AcceptFile of a silent transfer = %v", err)
	}
	close(stuck)
	if err := <-sent; err == nil {
		t.Fatal("SendFile succeeded")
	}
}

type blockingReader chan struct{}

func (b blockingReader) Read([]byte) (int, error) {
	<-b
	return 0, io.ErrUnexpectedEOF
}

// The client id claims P2P in its first version only, and the user's
// display picture goes out with CHG.
func TestP2PCapabilitiesAndCHG(t *testing.T) {
	for v := 9; v <= 18; v++ {
		if id := msn.SupportedClientID(v); id>>28 == 0 {
			t.Errorf("MSNP%d: client id %#x has no MSNC number", v, id)
		}
	}
	srv := newServer(t, msntest.Options{})
	var cap lineRecorder
	alice := login(t, srv, "alice@example.com", "MSNP18", func(c *msn.Config) {
		c.ClientIDFor = msn.SupportedClientID
		c.Logger = slog.New(&cap)
	})
	ctx, cancel := context.WithTimeout(context.Background(), matrixTimeout)
	defer cancel()
	if err := alice.SetDisplayPicture(ctx, []byte("png")); err != nil {
		t.Fatal(err)
	}
	line := strings.TrimPrefix(cap.last("-> CHG "), "-> ")
	f := strings.Fields(line)
	if len(f) != 5 || !strings.HasSuffix(f[3], ":0") || !strings.HasPrefix(f[4], "%3Cmsnobj%20Creator%3D%22alice%40example.com%22") {
		t.Fatalf("CHG = %q: want the extended capabilities 0 (no P2Pv2) and the msnobj", line)
	}
}
