package bridge_test

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/bridge"
)

// Uploads count against the account's quota together with the files
// received: one that would exceed it is refused with 413 and a text that
// names the quota and how to make room; "files" lists the uploads (marked
// as sent) after the received files, and "files delete <n>" deletes one,
// which makes room again and ends its link.
func TestUploadQuota(t *testing.T) {
	fe := newFileEnv(t, 1<<20, func(cfg *bridge.Config) {
		cfg.DataDir = t.TempDir()
		cfg.FileQuota = 3000
	})
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	data := fileData(1500)
	if err := <-sendFile(p, "notes.txt", int64(len(data)), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("bob", "PRIVMSG", "notes.txt")

	resp, body := fe.upload(alice, password, "photo.jpg", fileData(1000))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload within the quota: %s %s", resp.Status, body)
	}
	link := resp.Header.Get("Location")
	resp, body = fe.upload(alice, password, "second.jpg", fileData(1000))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "quota of 2.9 KiB") ||
		!strings.Contains(body, "msn files delete <n>") {
		t.Fatalf("upload over the quota (1500 received + 1000 uploaded + 1000): %s %q", resp.Status, body)
	}
	// Without a Content-Length, the body is cut at the room left.
	r2, _ := fe.uploadChunked(alice, password, "over.bin", fileData(600))
	if r2.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked upload over the quota: %s", r2.Status)
	}

	c.send("PRIVMSG msn :files")
	c.expectMsn("1. notes.txt (1.5 KiB) from bob")
	if m := c.expectMsn("2. photo.jpg (1000 B) sent"); !strings.Contains(m.Trailing(), link) {
		t.Errorf("files lists %q, want the link %s", m.Trailing(), link)
	}
	c.expectMsn("2 files, 2.4 KiB of your quota of 2.9 KiB")

	c.send("PRIVMSG msn :files delete 2")
	c.expectMsn("Deleted the file photo.jpg")
	if resp, _ := httpGet(t, link); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted upload's link: %s, want 404", resp.Status)
	}
	if resp, body := fe.upload(alice, password, "second.jpg", fileData(1000)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload after the delete: %s %s", resp.Status, body)
	}
	// An upload counts against the quota of files from contacts too.
	if err := <-sendFile(p, "more.txt", 600, bytes.NewReader(fileData(600))); err == nil {
		t.Error("a file over the quota (with the upload) was accepted")
	}
	c.expectFrom("bob", "NOTICE", "more.txt (600 B), which was declined: your files would exceed the quota")
}

// An expired upload leaves "files" and its quota.
func TestUploadExpiresFromFiles(t *testing.T) {
	fe := newFileEnv(t, 1<<20, func(cfg *bridge.Config) { cfg.DataDir = t.TempDir() })
	c := fe.login("alice", alice, password, allCaps)
	if resp, body := fe.upload(alice, password, "a.txt", []byte("hello")); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	c.send("PRIVMSG msn :files")
	c.expectMsn("1. a.txt (5 B) sent")
	fe.clock.advance(bridge.DefaultFileExpiry + time.Hour)
	c.send("PRIVMSG msn :files")
	c.expectMsn("No files received or uploaded.")
}

// uploadsOnDisk lists the regular files under the upload directory.
func (fe *fileEnv) uploadsOnDisk(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(fe.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The periodic sweep deletes an expired upload from the disk (with its
// name), with no upload or download to trigger it.
func TestUploadSwept(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	fe.login("alice", alice, password, allCaps)
	if resp, body := fe.upload(alice, password, "a.txt", []byte("hello")); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	bridge.Sweep(fe.bridge)
	if files := fe.uploadsOnDisk(t); len(files) != 2 {
		t.Fatalf("before it expired, the sweep left %v, want the file and its name", files)
	}
	fe.clock.advance(bridge.DefaultFileExpiry + time.Hour)
	bridge.Sweep(fe.bridge)
	if files := fe.uploadsOnDisk(t); len(files) != 0 {
		t.Errorf("the sweep left %v", files)
	}
}

// A bridge deletes the uploads that expired while it was stopped as it
// starts.
func TestUploadSweptAtStart(t *testing.T) {
	fe := newFileEnv(t, 1<<20, nil)
	fe.login("alice", alice, password, allCaps)
	if resp, body := fe.upload(alice, password, "a.txt", []byte("hello")); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	later := time.Now().Add(bridge.DefaultFileExpiry + time.Hour)
	b := bridge.NewBridge(bridge.Config{Uploads: bridge.UploadConfig{Dir: fe.dir}, Now: func() time.Time { return later }})
	defer func() {
		ctx, cancel := ctxT()
		defer cancel()
		b.Close(ctx, "test over")
	}()
	deadline := time.Now().Add(waitTime)
	for len(fe.uploadsOnDisk(t)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("a new bridge left the expired upload: %v", fe.uploadsOnDisk(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Uploads at once cannot together pass the quota: an upload in progress
// holds the room it may fill, so a second one that would not fit beside
// it is refused at once; the room is given back once the first is
// stored, where its file then counts.
func TestUploadsAtOnceShareTheQuota(t *testing.T) {
	fe := newFileEnv(t, 1<<20, func(cfg *bridge.Config) {
		cfg.DataDir = t.TempDir()
		cfg.FileQuota = 3000
	})
	fe.login("alice", alice, password, allCaps)

	body, bodyW := io.Pipe()
	req, err := http.NewRequest("POST", fe.bridge.UploadURL(), body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 2500
	req.SetBasicAuth(alice, password)
	req.Header.Set("Content-Disposition", `attachment; filename="slow.bin"`)
	first := make(chan int, 1)
	go func() {
		resp, err := fe.http.Do(req)
		if err != nil {
			t.Error(err)
			first <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	// The first upload is reading its body once its file is on the disk.
	deadline := time.Now().Add(waitTime)
	for !slices.ContainsFunc(fe.uploadsOnDisk(t), func(p string) bool { return strings.HasPrefix(filepath.Base(p), ".part-") }) {
		if time.Now().After(deadline) {
			t.Fatal("the first upload never started writing its file")
		}
		pollPause()
	}

	if resp, body := fe.upload(alice, password, "second.bin", fileData(2500)); resp.StatusCode != http.StatusRequestEntityTooLarge ||
		!strings.Contains(body, "quota of 2.9 KiB") {
		t.Errorf("a second upload while the first holds 2500 of 3000 bytes: %s %q, want 413 naming the quota", resp.Status, body)
	}
	if _, err := bodyW.Write(fileData(2500)); err != nil {
		t.Fatal(err)
	}
	bodyW.Close()
	if code := <-first; code != http.StatusCreated {
		t.Fatalf("the first upload: %d, want 201", code)
	}
	if resp, body := fe.upload(alice, password, "third.bin", fileData(400)); resp.StatusCode != http.StatusCreated {
		t.Errorf("an upload that fits beside the stored first one: %s %q", resp.Status, body)
	}
	if resp, body := fe.upload(alice, password, "fourth.bin", fileData(400)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("an upload past the quota (2500 + 400 + 400 of 3000): %s %q", resp.Status, body)
	}
}

// The quota counts files as well as bytes: empty files from a contact,
// which take no bytes, stop at FileCount, and so do uploads.
func TestFileCountBound(t *testing.T) {
	fe := newFileEnv(t, 1<<20, func(cfg *bridge.Config) {
		cfg.DataDir = t.TempDir()
		cfg.FileCount = 3
	})
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	for i := range 2 {
		name := fmt.Sprintf("empty%d.txt", i)
		if err := <-sendFile(p, name, 0, bytes.NewReader(nil)); err != nil {
			t.Fatalf("empty file %d: %v", i, err)
		}
		c.expectFrom("bob", "PRIVMSG", name)
	}
	if resp, body := fe.upload(alice, password, "photo.jpg", fileData(10)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("the third file, uploaded: %s %s", resp.Status, body)
	}
	if err := <-sendFile(p, "empty2.txt", 0, bytes.NewReader(nil)); err == nil {
		t.Error("a fourth file (empty) was accepted past FileCount 3")
	}
	c.expectFrom("bob", "NOTICE", "empty2.txt (0 B), which was declined: you keep 3 files already")
	if resp, body := fe.upload(alice, password, "more.jpg", fileData(10)); resp.StatusCode != http.StatusRequestEntityTooLarge ||
		!strings.Contains(body, "you keep 3 files already") {
		t.Errorf("an upload past FileCount: %s %q", resp.Status, body)
	}
	c.send("PRIVMSG msn :files delete 1")
	c.expectMsn("Deleted the file empty0.txt")
	if resp, body := fe.upload(alice, password, "more.jpg", fileData(10)); resp.StatusCode != http.StatusCreated {
		t.Errorf("an upload once a file was deleted: %s %q", resp.Status, body)
	}
}

// Files that expired count no more against the quota, though the hourly
// sweep has not removed them yet: "files" no longer lists them, and a
// file that fits beside the ones it lists is taken.
func TestExpiredFilesLeaveTheQuota(t *testing.T) {
	fe := newFileEnv(t, 1<<20, func(cfg *bridge.Config) {
		cfg.DataDir = t.TempDir()
		cfg.FileQuota = 3000
	})
	c := fe.login("alice", alice, password, allCaps)
	p := fe.peer(bob)
	c.expectCmd("MODE", "&msn", "+v", "bob")
	p.chat(alice)
	if err := <-sendFile(p, "old.txt", 2000, bytes.NewReader(fileData(2000))); err != nil {
		t.Fatal(err)
	}
	c.expectFrom("bob", "PRIVMSG", "old.txt")
	if resp, body := fe.upload(alice, password, "old.jpg", fileData(500)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s %s", resp.Status, body)
	}
	fe.clock.advance(bridge.DefaultFileExpiry + time.Minute)
	c.send("PRIVMSG msn :files")
	c.expectMsn("No files received or uploaded.")

	if resp, body := fe.upload(alice, password, "new.jpg", fileData(2900)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("an upload of 2900 of 3000 bytes beside expired files only: %s %q", resp.Status, body)
	}
	// The upload swept the expired upload, not the expired received file.
	if err := <-sendFile(p, "new.txt", 100, bytes.NewReader(fileData(100))); err != nil {
		t.Fatalf("a file that fits beside the upload and an expired file: %v", err)
	}
	c.expectFrom("bob", "PRIVMSG", "new.txt")
}
