package msn

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The file-transfer context of an INVITE (base64): header length, version
// 2, file size, type (1: no preview), the name in UTF-16LE in 520 bytes,
// 30 unknown bytes and 0xFFFFFFFF; version 3 (WLM) adds 64 bytes and may
// carry a preview after them.
const (
	fileContextLen  = 574
	fileNameBytes   = 520
	fileNameOffset  = 20
	maxFileNameRune = 259
)

// fileContext builds the INVITE context for a file.
func fileContext(name string, size int64) string {
	b := make([]byte, fileContextLen)
	le := binary.LittleEndian
	le.PutUint32(b[0:], fileContextLen)
	le.PutUint32(b[4:], 2)
	le.PutUint64(b[8:], uint64(size))
	le.PutUint32(b[16:], 1)
	u := utf16.Encode([]rune(name))
	if len(u) > maxFileNameRune {
		u = u[:maxFileNameRune]
	}
	for i, r := range u {
		le.PutUint16(b[fileNameOffset+2*i:], r)
	}
	le.PutUint32(b[fileContextLen-4:], 0xFFFFFFFF)
	return base64.StdEncoding.EncodeToString(b)
}

// parseFileContext reads the name and size of a file-transfer context.
func parseFileContext(s string) (name string, size int64, err error) {
	if len(s) > maxSLP {
		return "", 0, fmt.Errorf("msn: file context too long")
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return "", 0, fmt.Errorf("msn: file context: %w", err)
	}
	if len(b) < fileNameOffset+fileNameBytes {
		return "", 0, fmt.Errorf("msn: file context of %d bytes", len(b))
	}
	le := binary.LittleEndian
	if v := le.Uint32(b[4:]); v != 2 && v != 3 {
		return "", 0, fmt.Errorf("msn: file context version %d", v)
	}
	n := le.Uint64(b[8:])
	if n > 1<<62 {
		return "", 0, fmt.Errorf("msn: file size %d", n)
	}
	u := make([]uint16, 0, fileNameBytes/2)
	for i := 0; i < fileNameBytes; i += 2 {
		r := le.Uint16(b[fileNameOffset+i:])
		if r == 0 {
			break
		}
		u = append(u, r)
	}
	return sanitizeFileName(string(utf16.Decode(u))), int64(n), nil
}

// sanitizeFileName removes control characters and invalid UTF-8; the name
// is still no safe path.
func sanitizeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// onInvite answers a contact's session INVITE.
func (c *Client) onInvite(s *Switchboard, from string, m *slpMessage) {
	sid64, _ := strconv.ParseUint(m.Body.get("sessionid"), 10, 32)
	app, _ := strconv.ParseUint(m.Body.get("appid"), 10, 32)
	sid := uint32(sid64)
	decline := func() {
		_ = c.sendSLP(s, from, m.reply(603, "Decline"), []field{{"SessionID", strconv.FormatUint(sid64, 10)}})
	}
	if sid == 0 {
		decline()
		return
	}
	switch strings.ToUpper(m.Body.get("euf-guid")) {
	case eufFile:
		name, size, err := parseFileContext(m.Body.get("context"))
		if err != nil {
			c.log.Debug("file offer ignored", "from", from, "err", err)
			decline()
			return
		}
		cl := &p2pCall{kind: kindFile, sb: s, peer: from, callID: m.CallID, sessionID: sid, appID: uint32(app),
			incoming: true, invite: m, name: name, size: size, offered: true}
		if !c.newCall(cl) {
			decline()
			return
		}
		if size > c.cfg.MaxFileSize {
			decline()
			c.endCall(cl, fmt.Errorf("%w: %d bytes, at most %d", ErrFileTooLarge, size, c.cfg.MaxFileSize))
			return
		}
		c.events.push(FileOffer{ID: cl.id, Switchboard: s, From: from, Name: name, Size: size})
	case eufObject:
		c.serveObject(s, from, m, sid, uint32(app), decline)
	default:
		decline()
	}
}

// accept answers an INVITE with 200 OK.
func (c *Client) acceptInvite(cl *p2pCall) error {
	return c.sendSLP(cl.sb, cl.peer, cl.invite.reply(200, "OK"), []field{{"SessionID", strconv.FormatUint(uint64(cl.sessionID), 10)}})
}

// incomingFile returns the offered file transfer id, not yet answered.
func (c *Client) incomingFile(id TransferID) (*p2pCall, error) {
	p := c.p2p()
	p.mu.Lock()
	defer p.mu.Unlock()
	cl := p.byID[id]
	if cl == nil || !cl.incoming || cl.kind != kindFile || cl.accepted {
		return nil, fmt.Errorf("msn: transfer %d: %w", id, ErrNoTransfer)
	}
	return cl, nil
}

// AcceptFile takes the file offered as id (FileOffer) and writes its data
// to w as it arrives, on the switchboard's reader goroutine: a slow writer
// holds up that switchboard. It returns when the transfer ends, with the
// error FileTransferEnded also reports (nil once every byte was written);
// cancelling ctx cancels the transfer (the contact gets BYE). At most
// the offered size is ever written.
func (c *Client) AcceptFile(ctx context.Context, id TransferID, w io.Writer) error {
	cl, err := c.incomingFile(id)
	if err != nil {
		return err
	}
	p := c.p2p()
	p.mu.Lock()
	cl.w, cl.accepted = w, true
	p.mu.Unlock()
	c.touchCall(cl)
	if err := c.acceptInvite(cl); err != nil {
		c.endCall(cl, err)
		return err
	}
	select {
	case <-cl.done:
	case <-ctx.Done():
		c.abortCall(cl, fmt.Errorf("msn: transfer: %w", ctx.Err()))
		<-cl.done
	}
	cl.writesDone() // w is the caller's again
	return cl.err
}

// DeclineFile refuses the file offered as id (603 Decline). No
// FileTransferEnded follows.
func (c *Client) DeclineFile(ctx context.Context, id TransferID) error {
	cl, err := c.incomingFile(id)
	if err != nil {
		return err
	}
	p := c.p2p()
	p.mu.Lock()
	cl.offered = false
	p.mu.Unlock()
	c.endCall(cl, ErrTransferDeclined)
	return c.sendDecline(cl)
}

// sendDecline answers the contact's invitation of cl with 603 Decline.
func (c *Client) sendDecline(cl *p2pCall) error {
	if err := c.sendSLP(cl.sb, cl.peer, cl.invite.reply(603, "Decline"), []field{{"SessionID", strconv.FormatUint(uint64(cl.sessionID), 10)}}); err != nil {
		return fmt.Errorf("msn: decline file: %w", err)
	}
	return nil
}

// CancelFile stops a file transfer from a contact that was accepted (or
// declines one not yet answered): the contact gets BYE, and
// FileTransferEnded reports context.Canceled.
func (c *Client) CancelFile(id TransferID) error {
	p := c.p2p()
	p.mu.Lock()
	cl := p.byID[id]
	p.mu.Unlock()
	if cl == nil || cl.kind != kindFile || !cl.incoming {
		return fmt.Errorf("msn: transfer %d: %w", id, ErrNoTransfer)
	}
	c.abortCall(cl, fmt.Errorf("msn: transfer: %w", context.Canceled))
	return nil
}

// onData takes one chunk of a session's data.
func (c *Client) onData(cl *p2pCall, h P2PHeader, data []byte) {
	p := c.p2p()
	p.mu.Lock()
	w, accepted, got, incoming := cl.w, cl.accepted, cl.got, cl.incoming
	prep := cl.kind == kindObject && !cl.prepOK && h.TotalSize == 4 && h.Flags&P2PFlagObject == 0
	if prep {
		cl.prepOK = true
	}
	p.mu.Unlock()
	if w == nil || !accepted || cl.kind == kindFile && !incoming {
		return // data we did not ask for
	}
	if prep {
		_ = c.sendP2P(cl.sb, cl.peer, ackHeader(h, p.nextID()), nil, cl.appID, nil)
		c.touchCall(cl)
		return
	}
	if h.TotalSize != uint64(cl.size) || h.Offset != uint64(got) {
		c.abortCall(cl, fmt.Errorf("%w: chunk at %d of %d, expected %d of %d", errP2PMalformed, h.Offset, h.TotalSize, got, cl.size))
		return
	}
	cl.writing.Lock()
	select {
	case <-cl.done:
		cl.writing.Unlock()
		return // ended meanwhile: w is its owner's again
	default:
	}
	_, werr := w.Write(data)
	if werr == nil && cl.sum != nil {
		cl.sum.Write(data)
	}
	cl.writing.Unlock()
	if werr != nil {
		c.abortCall(cl, fmt.Errorf("msn: transfer: writing: %w", werr))
		return
	}
	p.mu.Lock()
	cl.got += int64(len(data))
	got = cl.got
	p.mu.Unlock()
	c.touchCall(cl)
	if got < cl.size {
		return
	}
	_ = c.sendP2P(cl.sb, cl.peer, ackHeader(h, p.nextID()), nil, cl.appID, nil)
	var err error
	if cl.sum != nil && base64.StdEncoding.EncodeToString(cl.sum.Sum(nil)) != cl.want {
		err = fmt.Errorf("%w: the data does not match SHA1D", ErrNoPicture)
	}
	if c.endCall(cl, err) {
		c.sendBye(cl) // the receiver closes the session
	}
}

// p2pSwitchboard returns a switchboard with only peer in it, opening one
// when there is none.
func (c *Client) p2pSwitchboard(ctx context.Context, peer string) (*Switchboard, error) {
	c.mu.Lock()
	sbs := make([]*Switchboard, 0, len(c.sbs))
	for s := range c.sbs {
		sbs = append(sbs, s)
	}
	c.mu.Unlock()
	for _, s := range sbs {
		if ps := s.Participants(); len(ps) == 1 && strings.EqualFold(ps[0], peer) && !s.l.isClosed() {
			return s, nil
		}
	}
	return c.OpenSwitchboard(ctx, peer)
}

// invite sends cl's INVITE and waits for the answer; nil on 200 OK.
func (c *Client) invite(ctx context.Context, cl *p2pCall, euf, context string) error {
	m := &slpMessage{Method: "INVITE", To: cl.peer, From: c.Passport(), Branch: newMachineGUID(),
		CallID: cl.callID, ContentType: slpSessionReq}
	body := []field{{"EUF-GUID", euf}, {"SessionID", strconv.FormatUint(uint64(cl.sessionID), 10)},
		{"AppID", strconv.FormatUint(uint64(cl.appID), 10)}, {"Context", context}}
	if err := c.sendSLP(cl.sb, cl.peer, m, body); err != nil {
		c.endCall(cl, err)
		return err
	}
	select {
	case r := <-cl.answer:
		c.touchCall(cl)
		switch r.Status {
		case 200:
			return nil
		case 603:
			c.endCall(cl, ErrTransferDeclined)
			return ErrTransferDeclined
		default:
			err := fmt.Errorf("msn: transfer: the contact answered %d %s", r.Status, sanitizeText(r.Reason))
			c.endCall(cl, err)
			return err
		}
	case <-cl.done:
		return cl.err
	case <-ctx.Done():
		c.abortCall(cl, fmt.Errorf("msn: transfer: %w", ctx.Err()))
		return cl.err
	}
}

// newSessionCall is a call this client starts with peer.
func (c *Client) newSessionCall(ctx context.Context, kind p2pKind, peer string, appID uint32, size int64) (*p2pCall, error) {
	if v := c.Version(); v < 9 {
		return nil, fmt.Errorf("msn: P2P at MSNP%d: %w", v, ErrUnsupported)
	}
	if err := checkPassport(peer); err != nil {
		return nil, fmt.Errorf("msn: P2P: %w", err)
	}
	s, err := c.p2pSwitchboard(ctx, peer)
	if err != nil {
		return nil, err
	}
	cl := &p2pCall{kind: kind, sb: s, peer: peer, callID: newMachineGUID(), sessionID: rand.Uint32N(1<<30) + 4,
		appID: appID, size: size, answer: make(chan *slpMessage, 1)}
	if !c.newCall(cl) {
		return nil, fmt.Errorf("msn: P2P: too many transfers at once")
	}
	return cl, nil
}

// SendFile offers a file to a contact (over a switchboard with them,
// opened when needed) and sends size bytes read from r once they accept.
// It returns nil when the contact's client acknowledged the whole file,
// ErrTransferDeclined, ErrTransferCancelled when the contact cancelled
// midway, an error wrapping ErrClosed when the switchboard dropped,
// ErrTimeout when the contact went silent, or the error of r. Cancelling
// ctx cancels the transfer (BYE), except while a Read of r blocks: r is
// read on the caller's goroutine. MSNP9 and later.
func (c *Client) SendFile(ctx context.Context, to, name string, size int64, r io.Reader) error {
	if size < 0 {
		return fmt.Errorf("msn: send file: negative size")
	}
	cl, err := c.newSessionCall(ctx, kindFile, to, P2PAppFile, size)
	if err != nil {
		return fmt.Errorf("msn: send file: %w", err)
	}
	cl.name = sanitizeFileName(name)
	if err := c.invite(ctx, cl, eufFile, fileContext(cl.name, size)); err != nil {
		return fmt.Errorf("msn: send file: %w", err)
	}
	if err := c.streamData(ctx, cl, r, P2PFlagFileData); err != nil {
		return fmt.Errorf("msn: send file: %w", err)
	}
	select {
	case <-cl.done:
	case <-ctx.Done():
		c.abortCall(cl, fmt.Errorf("msn: transfer: %w", ctx.Err()))
	}
	if cl.err != nil {
		return fmt.Errorf("msn: send file: %w", cl.err)
	}
	return nil
}

// streamData sends cl.size bytes of r as one P2P data message, in
// chunks, with at most p2pWindow of them waiting for the server's ACK.
// The call ends when the contact acknowledges the message (onP2P).
func (c *Client) streamData(ctx context.Context, cl *p2pCall, r io.Reader, flags uint32) error {
	p := c.p2p()
	id := p.nextID()
	p.mu.Lock()
	cl.dataID = id
	p.mu.Unlock()
	window := make(chan struct{}, p2pWindow)
	buf := make([]byte, p2pChunk)
	h := P2PHeader{SessionID: cl.sessionID, Identifier: id, TotalSize: uint64(cl.size), Flags: flags}
	for off := int64(0); off < cl.size || off == 0 && cl.size == 0; {
		select {
		case window <- struct{}{}:
		case <-cl.done:
			return cl.err
		case <-ctx.Done():
			c.abortCall(cl, fmt.Errorf("msn: transfer: %w", ctx.Err()))
			return cl.err
		}
		n, err := io.ReadFull(r, buf[:min(int64(p2pChunk), cl.size-off)])
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("msn: transfer: the file ended at %d of %d bytes", off+int64(n), cl.size)
			} else {
				err = fmt.Errorf("msn: transfer: reading: %w", err)
			}
			c.abortCall(cl, err)
			return err
		}
		h.Offset = uint64(off)
		err = c.sendP2P(cl.sb, cl.peer, h, buf[:n], cl.appID, func(err error) {
			<-window
			if err != nil {
				c.abortCall(cl, fmt.Errorf("msn: transfer: %w", err))
			}
		})
		if err != nil {
			<-window
			c.endCall(cl, fmt.Errorf("msn: transfer: %w", err))
			return cl.err
		}
		c.touchCall(cl)
		off += int64(n)
		if cl.size == 0 {
			break
		}
	}
	return nil
}

// onMSNFTP answers an MSNFTP file invitation (text/x-msmsgsinvite) with a
// decline and reports it.
func (s *Switchboard) onMSNFTP(from string, m *mimeMessage) bool {
	f := bodyFields(m.body)
	if !strings.EqualFold(f.get("invitation-command"), "INVITE") || !strings.EqualFold(f.get("application-guid"), eufFile) {
		return false
	}
	cookie := f.get("invitation-cookie")
	if _, err := strconv.ParseUint(cookie, 10, 32); err == nil {
		var b bytes.Buffer
		b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n")
		b.WriteString("Invitation-Command: CANCEL\r\nInvitation-Cookie: " + cookie + "\r\nCancel-Code: REJECT_NOT_INSTALLED\r\n\r\n")
		_ = s.l.sendParts("MSG", s.l.nextTrID(), []string{string(AckNAK)}, b.Bytes())
	}
	size, _ := strconv.ParseInt(f.get("application-filesize"), 10, 64)
	s.c.events.push(LegacyFileInvitation{Switchboard: s, From: from, Name: sanitizeText(f.get("application-file")), Size: max(size, 0)})
	return true
}

// p2pSwitchboardClosed ends the transfers of a switchboard that closed,
// and forgets the MSNSLP messages half sent on it.
func (c *Client) p2pSwitchboardClosed(s *Switchboard) {
	p := c.p2p()
	p.mu.Lock()
	for k, e := range p.partial {
		if e.sb == s {
			delete(p.partial, k)
		}
	}
	var ended []*p2pCall
	for _, cl := range p.calls {
		if cl.sb == s {
			ended = append(ended, cl)
		}
	}
	p.mu.Unlock()
	for _, cl := range ended {
		c.endCall(cl, fmt.Errorf("msn: transfer: %w: the switchboard closed", ErrClosed))
	}
}
