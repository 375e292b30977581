package bridge

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/db"
)

// cmdAcceptFile is "accept-file <n>" and "decline-file <n>": the answer
// to an offer larger than the automatic limit.
func (s *session) cmdAcceptFile(name string, args []string, say func(string)) {
	n, err := 0, error(nil)
	if len(args) == 1 {
		n, err = strconv.Atoi(args[0])
	}
	if len(args) != 1 || err != nil || n <= 0 {
		say("Usage: " + name + " <n> (the number of the offer)")
		return
	}
	o := s.takeOffer(n)
	if o == nil {
		say(fmt.Sprintf("No file offer %d is waiting (it was answered, withdrawn or expired).", n))
		return
	}
	what := o.name + " (" + sizeText(o.ev.Size) + ")"
	if name == "decline-file" {
		s.declineFile(o.ev.ID)
		say("Declined the file " + what + ".")
		return
	}
	// The quota may have filled since the offer.
	if full, err := s.fileRoom(o.ev.Size); err != nil || full != "" {
		if err != nil {
			s.log.Warn("counting the account's files", "err", err)
			full = "msn2irc could not check your file quota"
		}
		s.declineFile(o.ev.ID)
		say(fmt.Sprintf("The file %s was declined: %s.", what, full))
		return
	}
	say("Receiving the file " + what + ".")
	s.receiveFile(o)
}

// liveFiles lists the account's received files that have not expired,
// oldest first: their numbers in "files" are their places here.
func (s *session) liveFiles() ([]db.ReceivedFile, error) {
	list, err := s.store.ReceivedFiles(s.ctx, s.account)
	if err != nil {
		return nil, err
	}
	now := s.b.cfg.Now()
	out := list[:0]
	for _, f := range list {
		if now.Before(f.Expires) {
			out = append(out, f)
		}
	}
	return out, nil
}

// cmdFiles is "files" (the list) and "files delete <n>": the files
// received from contacts first, then the ones the user uploaded (marked
// as sent), numbered together.
func (s *session) cmdFiles(args []string, say func(string)) {
	if !s.b.filesOn() && s.b.UploadURL() == "" {
		say("This msn2irc does not take files (its HTTP listener is off).")
		return
	}
	list, err := s.liveFiles()
	if err != nil {
		say("Could not read your files: " + db.Reason(err) + ".")
		return
	}
	ups, err := s.b.uploads(s.account)
	if err != nil {
		s.log.Warn("listing the uploaded files", "err", err)
		say("Could not read your uploaded files.")
		return
	}
	if len(args) == 0 {
		s.listFiles(list, ups, say)
		return
	}
	n := 0
	if len(args) == 2 && strings.EqualFold(args[0], "delete") {
		n, _ = strconv.Atoi(args[1])
	}
	if n <= 0 {
		say("Usage: files [delete <n>]")
		return
	}
	if n > len(list)+len(ups) {
		say(fmt.Sprintf("There is no file %d: files lists them.", n))
		return
	}
	if n > len(list) {
		u := ups[n-len(list)-1]
		if err := s.b.removeUpload(s.b.uploadPath(s.account, u.token)); err != nil {
			s.log.Warn("deleting an uploaded file", "err", err)
			say("Could not delete the file " + u.name + ".")
			return
		}
		say("Deleted the file " + u.name + "; its link no longer works.")
		return
	}
	f := list[n-1]
	if err := s.b.removeFile(f.Path); err != nil {
		s.log.Warn("deleting a received file", "err", err)
		say("Could not delete the file " + f.Name + ".")
		return
	}
	if err := s.store.DeleteReceivedFile(s.ctx, s.account, f.ID); err != nil {
		say("Could not delete the file " + f.Name + ": " + db.Reason(err) + ".")
		return
	}
	say("Deleted the file " + f.Name + "; its link no longer works.")
}

// listFiles says the account's files, received then uploaded, with their
// links and the quota they use.
func (s *session) listFiles(list []db.ReceivedFile, ups []upload, say func(string)) {
	if len(list) == 0 && len(ups) == 0 {
		say("No files received or uploaded.")
		return
	}
	var key []byte
	if len(list) > 0 {
		var err error
		if key, err = s.b.linkKey(); err != nil {
			say("Could not read the key of the links: " + err.Error() + ".")
			return
		}
	}
	now := s.b.cfg.Now()
	var total int64
	for i, f := range list {
		total += f.Size
		say(fmt.Sprintf("%d. %s (%s) from %s, %s ago: %s", i+1, f.Name, sizeText(f.Size), s.contactNick(f.Contact),
			ageText(now.Sub(f.Created)), s.b.fileLink(fileToken(key, f.Nonce), f.Name)))
	}
	for i, u := range ups {
		total += u.size
		say(fmt.Sprintf("%d. %s (%s) sent: uploaded by you %s ago: %s", len(list)+i+1, u.name, sizeText(u.size),
			ageText(now.Sub(u.uploaded)), s.b.uploadLinkOf(s.account, u.token, u.name)))
	}
	say(fmt.Sprintf("%d files, %s of your quota of %s; files delete <n> deletes one.",
		len(list)+len(ups), sizeText(total), sizeText(s.b.cfg.FileQuota)))
}

// contactNick is the nick of a contact by passport, or the passport.
func (s *session) contactNick(passport string) string {
	if c := s.contacts[passport]; c != nil {
		return c.nick
	}
	return passport
}

// ageText writes an age for people: "45s", "12m", "5h", "3d".
func ageText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// removeAccountFiles deletes the account's directories of received and
// uploaded files (forget); the store's rows go with ForgetAccount.
func (s *session) removeAccountFiles() {
	var dirs []string
	if s.b.filesOn() {
		dirs = append(dirs, filepath.Join(s.b.cfg.DataDir, filesSubdir, accountDirName(s.account)))
	}
	if s.b.cfg.Uploads.Dir != "" {
		// The uploads made before there was a key too (uploadDirName).
		dirs = append(dirs, filepath.Join(s.b.cfg.Uploads.Dir, s.b.uploadDirName(s.account)),
			filepath.Join(s.b.cfg.Uploads.Dir, accountDirName(s.account)))
	}
	for _, dir := range dirs {
		if err := os.RemoveAll(dir); err != nil {
			s.log.Warn("deleting the account's files (forget)", "err", err)
		}
	}
}
