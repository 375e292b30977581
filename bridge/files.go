package bridge

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
)

// Defaults of the file settings of Config and UploadConfig.
const (
	DefaultFileAutoAccept = 10 << 20  // 10 MiB
	DefaultFileMaxSize    = 100 << 20 // 100 MiB
	DefaultFileQuota      = 500 << 20 // 500 MiB
	DefaultFileCount      = 1000      // the quota counts bytes, and empty files would take none
	DefaultFileExpiry     = 7 * 24 * time.Hour
)

// fileSweepEvery is how often expired files are deleted.
const fileSweepEvery = time.Hour

// fileSweepBatch bounds the expired files one store query returns.
const fileSweepBatch = 500

// filesSubdir is the directory of received files in the data directory:
// one subdirectory per account, named by a hash of the account.
const filesSubdir = "files"

// tmpPrefix starts the name of a file still being received.
const tmpPrefix = "tmp-"

// fileStore is the received files in the store: see the methods of
// *db.Store of the same names.
type fileStore interface {
	AddReceivedFile(ctx context.Context, f db.ReceivedFile) (int64, error)
	ReceivedFiles(ctx context.Context, account string) ([]db.ReceivedFile, error)
	ReceivedFileByToken(ctx context.Context, tokenHash []byte) (db.ReceivedFile, error)
	ExpiredFiles(ctx context.Context, t time.Time, limit int) ([]db.ReceivedFile, error)
	DeleteReceivedFile(ctx context.Context, account string, id int64) error
}

// filesOn reports whether the bridge takes files from contacts: it needs
// a data directory.
func (b *Bridge) filesOn() bool { return b.cfg.DataDir != "" }

// SetFileURL sets the public base URL of the download links (ending in
// "/", e.g. "https://msn.example.org/"). Call it before serving clients.
func (b *Bridge) SetFileURL(base string) {
	b.fileURL = strings.TrimSuffix(base, "/") + "/"
}

// accountDirName is the name of an account's directory of files: a hash
// of the account, so that no name from the network reaches the file
// system.
func accountDirName(account string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(account)))
	return hex.EncodeToString(sum[:16])
}

// uploadDirName is the name of an account's directory of uploads, the
// first part of their links: keyed (UploadConfig.Key), in the shape of
// accountDirName. Uploads made before there was a key stay under
// accountDirName until they expire: their links are served (any
// directory of that shape is), and sent when the user pastes one.
func (b *Bridge) uploadDirName(account string) string {
	key := b.cfg.Uploads.Key
	if len(key) == 0 {
		return accountDirName(account)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(strings.ToLower(account)))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// accountFileDir returns the path of the account's directory of files
// relative to the data directory, and creates it (0700).
func (b *Bridge) accountFileDir(account string) (rel string, err error) {
	rel = filepath.Join(filesSubdir, accountDirName(account))
	if err := os.MkdirAll(filepath.Join(b.cfg.DataDir, rel), 0o700); err != nil {
		return "", fmt.Errorf("bridge: files directory: %w", err)
	}
	return rel, nil
}

// linkKeyFile is the key of the download tokens in the data directory:
// with a file's nonce from the store it makes the file's token again (for
// "msn files"), while the store alone holds only the token's hash.
const linkKeyFile = "link.key"

// linkKey returns the key of the download tokens, read from the data
// directory or created there (0600) the first time. A key that cannot be
// read is an error, never replaced: a new key would list every file
// received before under a wrong link. One of the wrong length (a disk
// that lost it) is replaced; the links stay valid, "msn files" lists
// the files received before without theirs.
func (b *Bridge) linkKey() ([]byte, error) {
	b.keyOnce.Do(func() {
		path := filepath.Join(b.cfg.DataDir, linkKeyFile)
		key, err := os.ReadFile(path)
		switch {
		case err == nil && len(key) == 32:
			b.key = key
			return
		case err == nil:
			b.log.Warn("the key of the download links is damaged; making a new one", "path", linkKeyFile, "bytes", len(key))
		case !errors.Is(err, fs.ErrNotExist):
			b.keyErr = fmt.Errorf("bridge: link key: %w", err)
			return
		}
		key = make([]byte, 32)
		rand.Read(key) // never fails (crypto/rand)
		if err := os.MkdirAll(b.cfg.DataDir, 0o700); err != nil {
			b.keyErr = fmt.Errorf("bridge: link key: %w", err)
			return
		}
		if err := writeFileAtomic(path, key); err != nil {
			b.keyErr = fmt.Errorf("bridge: link key: %w", err)
			return
		}
		b.key = key
	})
	return b.key, b.keyErr
}

// withoutPath is err without the file path it names: an uploaded file's
// path holds its link's token, which no log may show.
func withoutPath(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	case errors.As(err, &le):
		return fmt.Errorf("%s: %w", le.Op, le.Err)
	}
	return err
}

// writeFileAtomic writes data to path (0600) through a temporary file in
// the same directory, renamed over path once written and synced: a crash
// leaves the old file or the new one, never a part of it.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // gone after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// fileToken is the download token of a file with nonce: 128 bits of
// HMAC-SHA256, URL-safe.
func fileToken(key, nonce []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("msn2irc file link\x00"))
	m.Write(nonce)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// newToken returns a new nonce (128 random bits) and the token it makes.
func (b *Bridge) newToken() (nonce []byte, token string, err error) {
	key, err := b.linkKey()
	if err != nil {
		return nil, "", err
	}
	nonce = make([]byte, 16)
	rand.Read(nonce)
	return nonce, fileToken(key, nonce), nil
}

// tokenHash is what the store keeps of a token.
func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// randomName is a name for a file on disk: random, never from the network.
func randomName() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// fileLink is the download link of a file with token: the name is only
// cosmetic (urlFileName), the token alone finds the file.
func (b *Bridge) fileLink(token, name string) string {
	return b.fileURL + "files/" + token + "/" + urlFileName(name)
}

// maxURLNameBytes bounds the cosmetic name in a link.
const maxURLNameBytes = 80

// urlFileName is the cosmetic name at the end of a link: the letters,
// digits, '-' and the dots after a letter or digit of name, the rest
// turned into '_', at most maxURLNameBytes; "file" when nothing is left.
func urlFileName(name string) string {
	var sb strings.Builder
	alnum := false // the last byte written is a letter or a digit
	for _, r := range name {
		if sb.Len() >= maxURLNameBytes {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			sb.WriteRune(r)
			alnum = true
			continue
		case r == '-':
			sb.WriteRune(r)
		case r == '.' && alnum: // never "..", never a leading dot
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
		alnum = false
	}
	out := strings.Trim(sb.String(), "_.")
	if out == "" {
		return "file"
	}
	return out
}

// maxFileNameBytes bounds the name of a file, received or sent, as shown,
// stored and sent to MSN.
const maxFileNameBytes = 120

// sizeText writes a size for people: "512 B", "1.5 KiB", "10.0 MiB".
func sizeText(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// removeFile deletes a file of the data directory given by its stored
// relative path; one already gone is no error.
func (b *Bridge) removeFile(rel string) error {
	if err := os.Remove(filepath.Join(b.cfg.DataDir, rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("bridge: remove file: %w", err)
	}
	return nil
}

// removeStrayTemps deletes the temporary files a previous run left
// behind (it stopped during a transfer). It runs before any session.
func (b *Bridge) removeStrayTemps() {
	matches, _ := filepath.Glob(filepath.Join(b.cfg.DataDir, filesSubdir, "*", tmpPrefix+"*"))
	for _, m := range matches {
		if err := os.Remove(m); err != nil {
			b.log.Warn("removing a partial file of an earlier run", "err", err)
		}
	}
}

// sweepFiles deletes every received file that expired, from the store
// and the disk, and returns how many.
func (b *Bridge) sweepFiles(ctx context.Context) (int, error) {
	n := 0
	for {
		list, err := b.cfg.Store.ExpiredFiles(ctx, b.cfg.Now(), fileSweepBatch)
		if err != nil {
			return n, err
		}
		for _, f := range list {
			if err := b.removeFile(f.Path); err != nil {
				return n, err
			}
			if err := b.cfg.Store.DeleteReceivedFile(ctx, f.Account, f.ID); err != nil {
				return n, err
			}
			n++
		}
		if len(list) < fileSweepBatch {
			return n, nil
		}
	}
}

// sweep deletes what expired: received files, uploaded files, and the
// cached pictures of contacts unused for FileExpiry (beyond the cache's
// size too). It runs at start and every fileSweepEvery.
func (b *Bridge) sweep(ctx context.Context) {
	if b.filesOn() {
		n, err := b.sweepFiles(ctx)
		if err != nil && ctx.Err() == nil {
			b.log.Warn("deleting expired files", "err", err)
		}
		if n > 0 {
			b.log.Info("deleted expired files", "count", n)
		}
	}
	if n := b.sweepUploads(); n > 0 {
		b.log.Info("deleted expired uploads", "count", n)
	}
	if h := b.pictures(); h != nil {
		h.sweep(ctx)
	}
}

// runFileSweeper runs the sweep at start and every fileSweepEvery until
// the bridge closes.
func (b *Bridge) runFileSweeper() {
	defer b.wg.Done()
	t := time.NewTicker(fileSweepEvery)
	defer t.Stop()
	for {
		b.sweep(b.ctx)
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
		}
	}
}
