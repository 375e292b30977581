package bridge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/msn"
)

// defaultOfferWait is how long an offer waits for accept-file when the
// MSN template sets no TransferIdleTimeout (msn's own default).
const defaultOfferWait = 2 * time.Minute

// maxFileOffers bounds the offers waiting for accept-file per account:
// beyond it, new offers above the automatic limit are declined.
const maxFileOffers = 16

// fileState is a session's files from contacts: offers waiting for the
// user, and transfers in progress. Owned by the session goroutine.
type fileState struct {
	offers    []*fileOffer                  // waiting for accept-file or decline-file
	nextOffer int                           // the number of the last offer
	active    map[msn.TransferID]*fileOffer // accepted, being received
	receiving int64                         // bytes of the transfers in progress, for the quota
	uploads   int                           // uploads and DCC SENDs in progress (fileupload.go, dcc.go)
	uploading int64                         // the bytes set aside for them
	dcc       int                           // DCC listeners open (dcc.go)
}

// fileOffer is a file a contact offered.
type fileOffer struct {
	n     int // the number the user answers with
	ev    msn.FileOffer
	name  string // cleanFileName of ev.Name
	timer *time.Timer
}

// onFileOffer takes a file a contact offers: declined above the size
// limit or the quota, accepted up to FileAutoAccept, otherwise offered to
// the user.
func (s *session) onFileOffer(ev msn.FileOffer) {
	c := s.ensureContact(ev.From, "")
	tell := func(text string) { s.tellQuery(c, "NOTICE", text) }
	name := cleanFileName(ev.Name)
	what := name + " (" + sizeText(ev.Size) + ")"
	decline := func(why string) {
		s.declineFile(ev.ID)
		tell(c.nick + " offered the file " + what + ", which was declined: " + why)
	}
	switch {
	case !s.b.filesOn():
		decline("this msn2irc does not take files")
		return
	case ev.Size > s.b.cfg.FileMaxSize:
		decline("it is larger than the limit of " + sizeText(s.b.cfg.FileMaxSize))
		return
	}
	full, err := s.fileRoom(ev.Size)
	if err != nil {
		s.log.Warn("counting the account's files", "err", err)
		decline("msn2irc could not check your file quota")
		return
	}
	if full != "" {
		decline(full)
		return
	}
	o := &fileOffer{ev: ev, name: name}
	if ev.Size <= s.b.cfg.FileAutoAccept {
		s.receiveFile(o)
		return
	}
	if len(s.files.offers) >= maxFileOffers {
		decline("too many offers are waiting for an answer")
		return
	}
	s.files.nextOffer++
	o.n = s.files.nextOffer
	wait := s.b.cfg.MSN.TransferIdleTimeout
	if wait <= 0 {
		wait = defaultOfferWait
	}
	o.timer = s.afterFunc(wait, func() {
		if s.takeOffer(o.n) == nil {
			return
		}
		s.declineFile(ev.ID)
		tell(fmt.Sprintf("The offer of the file %s expired and was declined.", what))
	})
	s.files.offers = append(s.files.offers, o)
	tell(fmt.Sprintf("%s offers file %s: msn accept-file %d or msn decline-file %d", c.nick, what, o.n, o.n))
}

// filesUse is what an account's files take of its quota.
type filesUse struct {
	bytes int64
	files int
}

// filesUsed is what the account's files take of its quota: received
// ones and uploaded ones that have not expired (as "files" lists them,
// though the sweep may not have removed them yet), and the transfers and
// uploads in progress.
func (s *session) filesUsed() (filesUse, error) {
	list, err := s.liveFiles()
	if err != nil {
		return filesUse{}, err
	}
	used, err := s.b.uploadsUsed(s.account)
	if err != nil {
		return filesUse{}, fmt.Errorf("bridge: uploaded files: %w", err)
	}
	used.bytes += s.files.receiving + s.files.uploading
	used.files += len(list) + len(s.files.active) + s.files.uploads
	for _, f := range list {
		used.bytes += f.Size
	}
	return used, nil
}

// fileRoom checks that one more file of size bytes fits the account's
// quota; when it does not, it says why, for the user.
func (s *session) fileRoom(size int64) (string, error) {
	used, err := s.filesUsed()
	if err != nil {
		return "", err
	}
	return s.b.roomText(used, size), nil
}

// roomText says why one more file of size bytes does not fit beside
// used, or "" when it does.
func (b *Bridge) roomText(used filesUse, size int64) string {
	switch {
	case used.files >= b.cfg.FileCount:
		return fmt.Sprintf("you keep %d files already, the most msn2irc keeps per account; msn files lists them, msn files delete <n> deletes one", used.files)
	case used.bytes+size > b.cfg.FileQuota:
		return quotaText(b.cfg.FileQuota, used.bytes)
	}
	return ""
}

// declineFile refuses an offer, off the session goroutine.
func (s *session) declineFile(id msn.TransferID) {
	client := s.client
	if client == nil {
		return
	}
	s.spawn(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, s.b.cfg.RequestTimeout)
		defer cancel()
		if err := client.DeclineFile(ctx, id); err != nil {
			s.log.Debug("declining a file", "err", err)
		}
	})
}

// takeOffer removes the waiting offer numbered n and returns it, or nil.
func (s *session) takeOffer(n int) *fileOffer {
	for i, o := range s.files.offers {
		if o.n == n {
			s.files.offers = append(s.files.offers[:i], s.files.offers[i+1:]...)
			if o.timer != nil {
				o.timer.Stop()
			}
			return o
		}
	}
	return nil
}

// offerByID returns the number of the waiting offer of transfer id, or 0.
func (s *session) offerByID(id msn.TransferID) int {
	for _, o := range s.files.offers {
		if o.ev.ID == id {
			return o.n
		}
	}
	return 0
}

// receiveBuffer is the write buffer of a file being received: MSN sends
// it in chunks of about 1200 bytes, and a write to the file for each
// chunk took most of the bridge's CPU during a transfer.
const receiveBuffer = 64 << 10

// countingWriter counts what passes to w.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// errShortFile is a transfer that ended without error but with fewer
// bytes than offered.
var errShortFile = errors.New("the transfer ended before the whole file arrived")

// errNotStored is a file msn2irc could not write or store (the log says
// why).
var errNotStored = errors.New("msn2irc could not store it")

// receiveFile accepts an offer and streams the file into a temporary file
// of the account's directory (0600), renamed into place and stored only
// once every byte arrived; a transfer that fails leaves nothing behind.
func (s *session) receiveFile(o *fileOffer) {
	c := s.ensureContact(o.ev.From, "")
	client := s.client
	fail := func(err error) {
		s.declineFile(o.ev.ID)
		s.fileEnded(o, db.ReceivedFile{}, "", err)
	}
	if client == nil {
		fail(errNotConnected)
		return
	}
	rel, err := s.b.accountFileDir(s.account)
	if err != nil {
		s.log.Warn("receiving a file", "err", err)
		fail(errNotStored)
		return
	}
	tmp, err := os.CreateTemp(filepath.Join(s.b.cfg.DataDir, rel), tmpPrefix+"*")
	if err != nil {
		s.log.Warn("receiving a file", "err", err)
		fail(errNotStored)
		return
	}
	if s.files.active == nil {
		s.files.active = map[msn.TransferID]*fileOffer{}
	}
	s.files.active[o.ev.ID] = o
	s.files.receiving += o.ev.Size
	b, account, passport := s.b, s.account, c.passport
	s.spawn(func(ctx context.Context) {
		buf := bufio.NewWriterSize(tmp, receiveBuffer)
		w := &countingWriter{w: buf}
		err := client.AcceptFile(ctx, o.ev.ID, w)
		if ferr := buf.Flush(); err == nil && ferr != nil {
			err = ferr
		}
		if cerr := tmp.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err == nil && w.n != o.ev.Size {
			err = errShortFile
		}
		var rec db.ReceivedFile
		var token string
		if err == nil {
			rec, token, err = b.keepFile(ctx, tmp.Name(), rel, account, passport, o)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
		s.post(func() { s.fileEnded(o, rec, token, err) })
	})
}

// keepFile moves a complete temporary file into place under a random name
// and stores it with a new token.
func (b *Bridge) keepFile(ctx context.Context, tmp, rel, account, passport string, o *fileOffer) (db.ReceivedFile, string, error) {
	path := filepath.Join(rel, randomName())
	if err := os.Rename(tmp, filepath.Join(b.cfg.DataDir, path)); err != nil {
		b.log.Warn("keeping a received file", "err", err)
		return db.ReceivedFile{}, "", errNotStored
	}
	nonce, token, err := b.newToken()
	if err != nil {
		b.log.Warn("keeping a received file", "err", err)
		_ = b.removeFile(path)
		return db.ReceivedFile{}, "", errNotStored
	}
	now := b.cfg.Now()
	rec := db.ReceivedFile{Account: account, Contact: passport, Name: o.name, Size: o.ev.Size, TokenHash: tokenHash(token),
		Nonce: nonce, Path: path, Created: now, Expires: now.Add(b.cfg.FileExpiry), State: db.FileComplete}
	id, err := b.cfg.Store.AddReceivedFile(ctx, rec)
	if err != nil {
		b.log.Warn("storing a received file", "err", err)
		_ = b.removeFile(path)
		return db.ReceivedFile{}, "", errNotStored
	}
	rec.ID = id
	return rec, token, nil
}

// fileEnded tells the user how a transfer ended: a PRIVMSG from the
// contact with the link, kept in the history, or a notice saying why
// nothing was kept.
func (s *session) fileEnded(o *fileOffer, rec db.ReceivedFile, token string, err error) {
	if s.files.active[o.ev.ID] == o {
		delete(s.files.active, o.ev.ID)
		s.files.receiving -= o.ev.Size
	}
	c := s.ensureContact(o.ev.From, "")
	what := o.name + " (" + sizeText(o.ev.Size) + ")"
	if err != nil {
		s.b.cfg.Metrics.FileFailed(metrics.FromMSN)
		s.tellQuery(c, "NOTICE", "The file "+what+" from "+c.nick+" did not arrive: "+transferFailure(c.nick, err)+". Nothing was kept.")
		return
	}
	s.b.cfg.Metrics.FileTransferred(metrics.FromMSN, rec.Size)
	link := s.b.fileLink(token, rec.Name)
	until := " (until " + rec.Expires.UTC().Format("2006-01-02 15:04") + " UTC)"
	// The store keeps the token's hash only: the history and the replay
	// keep the message without the link, which "msn files" makes again.
	s.deliverRecordedAs(ircd.Message{Command: "PRIVMSG", From: c.nick, Time: time.Now(), Text: "sent the file " + what + ": " + link + until},
		"sent the file "+what+until+"; /msg msn files gives its link", queryConversation(c.passport), c.passport, db.KindMessage)
	s.offerDCC(c, rec)
}

// transferFailure says why a transfer failed, for the user.
func transferFailure(nick string, err error) string {
	switch {
	case errors.Is(err, msn.ErrTransferCancelled):
		return nick + " cancelled it"
	case errors.Is(err, msn.ErrClosed):
		return "the chat with " + nick + " closed during the transfer"
	case errors.Is(err, msn.ErrTimeout):
		return "nothing arrived for too long"
	case errors.Is(err, msn.ErrFileTooLarge):
		return "it is larger than allowed"
	case errors.Is(err, context.Canceled):
		return "it was cancelled"
	case errors.Is(err, errNotConnected), errors.Is(err, errShortFile), errors.Is(err, errNotStored):
		return err.Error()
	}
	return "the transfer failed"
}

// onFileTransferEnded handles the end of a transfer nobody waits for: an
// offer the contact withdrew, one left unanswered until msn declined it,
// or one msn declined as too large.
func (s *session) onFileTransferEnded(ev msn.FileTransferEnded) {
	if _, ok := s.files.active[ev.ID]; ok {
		return // receiveFile's goroutine reports it
	}
	n := s.offerByID(ev.ID)
	if n == 0 && !errors.Is(ev.Err, msn.ErrFileTooLarge) {
		return
	}
	if n != 0 {
		s.takeOffer(n)
	}
	c := s.ensureContact(ev.From, "")
	what := cleanFileName(ev.Name) + " (" + sizeText(ev.Size) + ")"
	if n != 0 && errors.Is(ev.Err, msn.ErrTimeout) {
		// Nobody answered it in time: msn declined it.
		s.tellQuery(c, "NOTICE", fmt.Sprintf("The offer of the file %s expired and was declined.", what))
		return
	}
	s.tellQuery(c, "NOTICE", "The offer of the file "+what+" from "+c.nick+" ended: "+transferFailure(c.nick, ev.Err)+".")
}

// tellQuery says something about a file in the query with contact c, from
// c, and records it in the history. Files are one to one, so it is the
// query even when the offer came in a group chat.
func (s *session) tellQuery(c *contact, command, text string) {
	s.deliverRecorded(ircd.Message{Command: command, From: c.nick, Time: time.Now(), Text: text},
		queryConversation(c.passport), c.passport, db.KindMessage)
}
