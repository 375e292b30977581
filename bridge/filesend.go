package bridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/msn2irc/msn2irc/internal/metrics"
	"github.com/msn2irc/msn2irc/msn"
)

// maxOutgoingFiles bounds the files of one account on their way to
// contacts at once (DCC receptions included).
const maxOutgoingFiles = 4

// The reports about files the user sends.
var (
	statusFileSending = statusKind{"NOTE", "FILE_SENDING"}
	statusFileSent    = statusKind{"NOTE", "FILE_SENT"}
	statusFileNotSent = statusKind{"FAIL", "FILE_NOT_SENT"}
)

// outgoingFile is a file on its way to a contact.
type outgoingFile struct {
	path      string // on disk, under UploadConfig.Dir
	name      string // cleaned, as the contact sees it
	size      int64
	temporary bool // removed once sent (DCC); an upload stays until it expires
}

// uploadLink returns the uploaded file that text names when text is
// exactly the link of one of the session's uploads. isLink reports
// whether text is a link of ours at all (an expired or unknown one is
// reported instead of sent as text).
func (s *session) uploadLink(text string) (f outgoingFile, isLink, ok bool) {
	prefix := s.b.UploadURL()
	text = strings.TrimSpace(text)
	if prefix == "" || !strings.HasPrefix(text, prefix+"/") || strings.ContainsAny(text, " \t") {
		return outgoingFile{}, false, false
	}
	parts := strings.Split(strings.TrimPrefix(text, prefix+"/"), "/")
	if len(parts) != 3 || parts[0] != s.b.uploadDirName(s.account) && parts[0] != accountDirName(s.account) {
		return outgoingFile{}, true, false
	}
	name, err := url.PathUnescape(parts[2])
	if err != nil {
		return outgoingFile{}, true, false
	}
	path, fi, found := s.b.uploadedFile(parts[0], parts[1])
	if !found {
		return outgoingFile{}, true, false
	}
	return outgoingFile{path: path, name: cleanFileName(name), size: fi.Size()}, true, true
}

// sendUploadLink sends the uploaded file that text links to, when it does.
// It reports whether text was a link of ours, handled (sent or refused)
// and not to be sent as a message: the contact gets the file itself,
// whereas the link may name an address only the user can reach.
func (s *session) sendUploadLink(c *contact, text string) bool {
	f, isLink, ok := s.uploadLink(text)
	switch {
	case !isLink:
		return false
	case !ok:
		s.messageStatus(statusFileNotSent, c.nick, "That file was not sent to "+c.nick+": the link is not one of your uploads, or it has expired.")
		return true
	}
	if err := s.takeFileSlot(); err != nil {
		s.messageStatus(statusFileNotSent, c.nick, f.name+" was not sent to "+c.nick+": "+err.Error()+".")
		return true
	}
	client := s.client
	s.spawn(func(ctx context.Context) { s.sendFile(ctx, client, c.passport, c.nick, f) })
	return true
}

// takeFileSlot counts a file on its way, or says why there is no room.
func (s *session) takeFileSlot() error {
	if s.outFiles >= maxOutgoingFiles {
		return fmt.Errorf("%d files are already on their way; wait for one to finish", maxOutgoingFiles)
	}
	s.outFiles++
	return nil
}

// sendFile sends f to the contact over MSN P2P and reports the outcome; it
// runs in a goroutine of its own (SendFile blocks until the contact has
// the whole file) and gives the file's slot back when done.
func (s *session) sendFile(ctx context.Context, client *msn.Client, passport, nick string, f outgoingFile) {
	defer s.post(func() { s.outFiles-- })
	if f.temporary {
		defer os.Remove(f.path)
	}
	report := func(kind statusKind, text string) { s.post(func() { s.messageStatus(kind, nick, text) }) }
	if client == nil {
		report(statusFileNotSent, f.name+" was not sent to "+nick+": "+errNotConnected.Error()+".")
		return
	}
	file, err := os.Open(f.path)
	if err != nil {
		s.log.Warn("opening a file to send", "err", withoutPath(err))
		report(statusFileNotSent, f.name+" was not sent to "+nick+": the file could not be read.")
		return
	}
	defer file.Close()
	if v := client.Version(); v < 9 {
		report(statusFileNotSent, f.name+" was not sent to "+nick+": "+noFilesText(v)+".")
		return
	}
	report(statusFileSending, fmt.Sprintf("Sending %s (%d bytes) to %s.", f.name, f.size, nick))
	err = client.SendFile(ctx, passport, f.name, f.size, io.LimitReader(file, f.size))
	if err == nil {
		s.b.cfg.Metrics.FileTransferred(metrics.ToMSN, f.size)
		report(statusFileSent, f.name+" was delivered to "+nick+".")
		return
	}
	s.log.Info("file not sent", "err", err)
	if errors.Is(err, msn.ErrTransferDeclined) {
		report(statusFileNotSent, nick+" declined "+f.name+".")
		return
	}
	report(statusFileNotSent, f.name+" was not sent to "+nick+": "+sendFileReason(err, nick)+".")
}

// noFilesText says, for the user, that MSN carries no files at MSNP
// version v (before MSNP9).
func noFilesText(v int) string {
	return fmt.Sprintf("MSN carries files from MSNP9 on, and this connection uses MSNP%d", v)
}

// sendFileReason says, for the user, why SendFile failed.
func sendFileReason(err error, nick string) string {
	var se *msn.ServerError
	switch {
	case errors.Is(err, msn.ErrTransferCancelled):
		return nick + " cancelled it"
	case errors.Is(err, msn.ErrTimeout):
		return nick + "'s client stopped answering"
	case errors.Is(err, context.Canceled):
		return "the MSN session ended"
	case errors.Is(err, msn.ErrClosed):
		return "the connection to MSN closed during the transfer"
	case errors.As(err, &se):
		return fmt.Sprintf("MSN refused it (%s; is %s online?)", msn.ErrorText(se.Code), nick)
	}
	return "the transfer failed"
}
