package bridge

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The uploaded files of an account are in its directory of UploadConfig.Dir,
// each under its token (validToken), with the name the client gave beside
// it in <token>.name: the name is shown in "files" and in the link, and
// never becomes a path.

// nameSuffix ends the file holding an upload's name.
const nameSuffix = ".name"

// upload is one uploaded file that has not expired.
type upload struct {
	token    string
	name     string // cleaned (cleanFileName)
	size     int64
	uploaded time.Time
}

// uploadsOn reports whether the bridge keeps files the user sends.
func (b *Bridge) uploadsOn() bool { return b.cfg.Uploads.Dir != "" }

// uploads lists the account's uploaded files that have not expired,
// oldest first.
func (b *Bridge) uploads(account string) ([]upload, error) {
	if !b.uploadsOn() {
		return nil, nil
	}
	dir := filepath.Join(b.cfg.Uploads.Dir, b.uploadDirName(account))
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := b.cfg.Now()
	var out []upload
	for _, e := range entries {
		if !validToken(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() || now.Sub(fi.ModTime()) > b.cfg.Uploads.Expiry {
			continue
		}
		name := "file"
		if raw, err := os.ReadFile(filepath.Join(dir, e.Name()+nameSuffix)); err == nil {
			name = cleanFileName(string(raw))
		}
		out = append(out, upload{token: e.Name(), name: name, size: fi.Size(), uploaded: fi.ModTime()})
	}
	slices.SortFunc(out, func(a, b upload) int { return a.uploaded.Compare(b.uploaded) })
	return out, nil
}

// uploadsUsed is the bytes and the number of the account's uploaded
// files that have not expired: the ones "files" lists, though the sweep
// may not have removed the others yet.
func (b *Bridge) uploadsUsed(account string) (filesUse, error) {
	if !b.uploadsOn() {
		return filesUse{}, nil
	}
	entries, err := os.ReadDir(filepath.Join(b.cfg.Uploads.Dir, b.uploadDirName(account)))
	if errors.Is(err, fs.ErrNotExist) {
		return filesUse{}, nil
	}
	if err != nil {
		return filesUse{}, err
	}
	now := b.cfg.Now()
	var used filesUse
	for _, e := range entries {
		if !validToken(e.Name()) {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && now.Sub(fi.ModTime()) <= b.cfg.Uploads.Expiry {
			used.bytes += fi.Size()
			used.files++
		}
	}
	return used, nil
}

// uploadLinkOf is the link of the account's upload token, named name.
func (b *Bridge) uploadLinkOf(account, token, name string) string {
	return b.cfg.Uploads.BaseURL + "upload/" + b.uploadDirName(account) + "/" + token + "/" + url.PathEscape(name)
}

// removeUpload deletes an uploaded file and its name; one already gone is
// no error.
func (b *Bridge) removeUpload(path string) error {
	for _, p := range []string{path, path + nameSuffix} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// uploadPath is the path of the account's upload token.
func (b *Bridge) uploadPath(account, token string) string {
	return filepath.Join(b.cfg.Uploads.Dir, b.uploadDirName(account), token)
}

// quotaText says the quota is full, and how to make room.
func quotaText(quota, used int64) string {
	return "your files would exceed the quota of " + sizeText(quota) + " (" + sizeText(used) +
		" used); msn files lists them, msn files delete <n> deletes one"
}
