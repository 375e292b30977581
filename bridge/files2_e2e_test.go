package bridge_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
	"github.com/msn2irc/msn2irc/msn"
)

// A file above the automatic limit is offered; accept-file takes it,
// decline-file refuses the next.
func TestFileOfferedThenAccepted(t *testing.T) {
	fe := newRecvEnv(t, func(c *bridge.Config) { c.FileAutoAccept = 1000 })
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	data := fileData(5000)
	sent := sendFile(p, "report.pdf", int64(len(data)), bytes.NewReader(data))
	m := c.expectFrom("bob", "NOTICE", "bob offers file report.pdf (4.9 KiB): msn accept-file 1 or msn decline-file 1")
	if m.Params[0] != "alice" {
		t.Errorf("offer not in the query: %v", m)
	}
	c.send("PRIVMSG msn :accept-file 1")
	link := linkIn(t, c.expectFrom("bob", "PRIVMSG", "report.pdf"))
	if err := <-sent; err != nil {
		t.Fatalf("SendFile: %v", err)
	}
	if resp, body := httpGet(t, link); resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("download: %s, %d bytes", resp.Status, len(body))
	}
	sent = sendFile(p, "second.pdf", int64(len(data)), bytes.NewReader(data))
	c.expectFrom("bob", "NOTICE", "accept-file 2")
	c.send("PRIVMSG msn :decline-file 2")
	c.expectMsn("Declined the file second.pdf")
	if err := <-sent; !errors.Is(err, msn.ErrTransferDeclined) {
		t.Fatalf("SendFile = %v, want declined", err)
	}
	if got := len(fe.filesOnDisk(t)); got != 1 {
		t.Errorf("%d files on disk, want the accepted one", got)
	}
}

// A file above the maximum size, or one that would exceed the quota, is
// declined with a notice that says why.
func TestFileTooLargeAndQuota(t *testing.T) {
	fe := newRecvEnv(t, func(c *bridge.Config) { c.FileMaxSize = 3000; c.FileQuota = 4000 })
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	big := fileData(3001)
	if err := <-sendFile(p, "big.iso", int64(len(big)), bytes.NewReader(big)); !errors.Is(err, msn.ErrTransferDeclined) {
		t.Fatalf("SendFile = %v, want declined", err)
	}
	c.expectFrom("bob", "NOTICE", "bob offered the file big.iso (2.9 KiB), which was declined: it is larger than the limit of 2.9 KiB")
	data := fileData(2500)
	if err := <-sendFile(p, "one.bin", int64(len(data)), bytes.NewReader(data)); err != nil {
		t.Fatalf("SendFile: %v", err)
	}
	c.expectFrom("bob", "PRIVMSG", "one.bin")
	if err := <-sendFile(p, "two.bin", int64(len(data)), bytes.NewReader(data)); !errors.Is(err, msn.ErrTransferDeclined) {
		t.Fatalf("SendFile = %v, want declined by the quota", err)
	}
	c.expectFrom("bob", "NOTICE", "two.bin (2.4 KiB), which was declined: your files would exceed the quota of 3.9 KiB (2.4 KiB used)")
	// Deleting one makes room.
	c.send("PRIVMSG msn :files DELETE 1")
	c.expectMsn("Deleted the file one.bin")
	if err := <-sendFile(p, "three.bin", int64(len(data)), bytes.NewReader(data)); err != nil {
		t.Fatalf("SendFile after delete: %v", err)
	}
	c.expectFrom("bob", "PRIVMSG", "three.bin")
}

// trigger is a reader that calls at once, after n bytes were read.
type trigger struct {
	r    io.Reader
	n    int
	at   func()
	once sync.Once
}

func (tr *trigger) Read(p []byte) (int, error) {
	k, err := tr.r.Read(p)
	tr.n -= k
	if tr.n <= 0 {
		tr.once.Do(tr.at)
	}
	return k, err
}

// A transfer the contact cancels, or whose chat drops midway, is reported
// in the query; no link is given and nothing stays on disk.
func TestFileTransferFails(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		fault      func(fe *recvEnv, cancel func())
	}{
		{"cancelled", "bob cancelled it", func(_ *recvEnv, cancel func()) { cancel() }},
		{"dropped", "the chat with bob closed during the transfer", func(fe *recvEnv, _ func()) { fe.msn.DropSB(bob) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fe := newRecvEnv(t, nil)
			c := fe.login("alice", alice, password, allCaps)
			p := fe.peer(bob)
			c.expectCmd("MODE", "&msn", "+v", "bob")
			p.chat(alice)
			data := fileData(2_000_000)
			ctx, cancel := ctxT()
			defer cancel()
			sent := make(chan error, 1)
			go func() {
				sent <- p.c.SendFile(ctx, alice, "big.bin", int64(len(data)),
					&trigger{r: bytes.NewReader(data), n: 50_000, at: func() { tc.fault(fe, cancel) }})
			}()
			m := c.expectFrom("bob", "NOTICE", "did not arrive")
			if want := "The file big.bin (1.9 MiB) from bob did not arrive: " + tc.want + ". Nothing was kept."; m.Trailing() != want {
				t.Errorf("notice %q, want %q", m.Trailing(), want)
			}
			if err := <-sent; err == nil {
				t.Fatal("SendFile succeeded")
			}
			c.sync()
			for _, seen := range c.seen {
				if seen.Command == "PRIVMSG" && strings.Contains(seen.Trailing(), "/files/") {
					t.Errorf("a link for a failed transfer: %v", seen)
				}
			}
			if files := fe.filesOnDisk(t); len(files) != 0 {
				t.Errorf("left on disk: %v", files)
			}
			if !strings.Contains(fe.scrape(t), `msn2irc_file_transfers_failed_total{direction="msn_to_irc"} 1`) {
				t.Error("the failure is not counted")
			}
		})
	}
}

// A link with a wrong token is 404; once the file expired, its link is
// 404 too, it leaves "files", and the sweep deletes it from the disk.
func TestFileLinkTokenAndExpiry(t *testing.T) {
	fe := newRecvEnv(t, func(c *bridge.Config) { c.FileExpiry = 24 * time.Hour })
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	data := fileData(1234)
	if err := <-sendFile(p, "notes.txt", int64(len(data)), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	link := linkIn(t, c.expectFrom("bob", "PRIVMSG", "notes.txt"))
	token := regexp.MustCompile(`/files/([^/]+)/`).FindStringSubmatch(link)[1]
	other := strings.Replace(link, token, "A"+token[1:], 1)
	if token[0] == 'A' {
		other = strings.Replace(link, token, "B"+token[1:], 1)
	}
	for _, u := range []string{other, fe.web.URL + "/files/short/notes.txt", strings.Replace(link, "notes.txt", "other-name", 1)} {
		resp, _ := httpGet(t, u)
		if want := http.StatusNotFound; u != strings.Replace(link, "notes.txt", "other-name", 1) && resp.StatusCode != want {
			t.Errorf("%s: %s, want 404", u, resp.Status)
		}
		if u == strings.Replace(link, "notes.txt", "other-name", 1) && resp.StatusCode != 200 {
			t.Errorf("the name is cosmetic, yet %s: %s", u, resp.Status)
		}
	}
	c.send("PRIVMSG msn :files")
	if m := c.expectMsn("1. notes.txt (1.2 KiB) from bob"); !strings.Contains(m.Trailing(), link) {
		t.Errorf("files lists %q, want the link %s", m.Trailing(), link)
	}
	fe.clock.advance(25 * time.Hour)
	if resp, _ := httpGet(t, link); resp.StatusCode != http.StatusNotFound {
		t.Errorf("expired link: %s, want 404", resp.Status)
	}
	c.send("PRIVMSG msn :files")
	c.expectMsn("No files received or uploaded.")
	if n, err := bridge.SweepFiles(fe.bridge); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if files := fe.filesOnDisk(t); len(files) != 0 {
		t.Errorf("the sweep left %v", files)
	}
}

// A name from the network never reaches the file system: a path, a NUL
// and a very long name are stored under a random name, shown cleaned and
// shortened, and made harmless in the link.
func TestFileHostileNames(t *testing.T) {
	fe := newRecvEnv(t, nil)
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	for _, name := range []string{"../../etc/passwd", "a\x00b/../../c", strings.Repeat("x/", 400) + ".."} {
		data := fileData(100)
		if err := <-sendFile(p, name, int64(len(data)), bytes.NewReader(data)); err != nil {
			t.Fatalf("SendFile %q: %v", name, err)
		}
		m := c.expectFrom("bob", "PRIVMSG", "sent the file")
		link := linkIn(t, m)
		cosmetic := link[strings.LastIndex(link, "/")+1:]
		if strings.Contains(cosmetic, "..") || strings.ContainsAny(cosmetic, "\x00\\") || len(cosmetic) > 80 || cosmetic == "" {
			t.Errorf("link name %q", cosmetic)
		}
		if len(m.Trailing()) > 400 || strings.ContainsRune(m.Trailing(), 0) {
			t.Errorf("announcement %q", m.Trailing())
		}
		if resp, body := httpGet(t, link); resp.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Errorf("download of %q: %s", name, resp.Status)
		}
	}
	files := fe.filesOnDisk(t)
	if len(files) != 3 {
		t.Fatalf("files: %v", files)
	}
	for _, f := range files {
		if !regexp.MustCompile(`^files/[0-9a-f]{32}/[0-9a-f]{32}$`).MatchString(f) {
			t.Errorf("stored as %q", f)
		}
	}
}

// An offer nobody answers expires with the transfer idle timeout: the
// user is told it expired, the contact gets a decline, and accept-file
// no longer takes it.
func TestFileOfferExpires(t *testing.T) {
	fe := newRecvEnv(t, func(c *bridge.Config) {
		c.FileAutoAccept = 100
		c.MSN.TransferIdleTimeout = 300 * time.Millisecond
	})
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	data := fileData(1000)
	sent := sendFile(p, "late.txt", int64(len(data)), bytes.NewReader(data))
	c.expectFrom("bob", "NOTICE", "accept-file 1")
	c.expectFrom("bob", "NOTICE", "The offer of the file late.txt (1000 B) expired and was declined.")
	if err := <-sent; !errors.Is(err, msn.ErrTransferDeclined) {
		t.Fatalf("SendFile of an offer left unanswered = %v, want ErrTransferDeclined", err)
	}
	c.send("PRIVMSG msn :accept-file 1")
	c.expectMsn("No file offer 1 is waiting")
	if files := fe.filesOnDisk(t); len(files) != 0 {
		t.Errorf("on disk: %v", files)
	}
}
