package msn

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// maxObjectSize bounds a display picture, fetched or set.
const maxObjectSize = 4 << 20

// FetchObject fetches a contact's MSN object (their display picture, as
// PresenceChanged.Picture gives it) over P2P and writes its data to w as
// it arrives. It returns nil once the whole object arrived and matched its
// SHA1D; on an error what was written is not the picture. MSNP9 and later.
func (c *Client) FetchObject(ctx context.Context, contact string, obj MSNObject, w io.Writer) error {
	if obj.IsZero() || obj.Raw == "" {
		return fmt.Errorf("msn: fetch object: %w: no object", ErrNoPicture)
	}
	if obj.Size <= 0 || obj.Size > maxObjectSize {
		return fmt.Errorf("msn: fetch object: %w: %d bytes", ErrFileTooLarge, obj.Size)
	}
	cl, err := c.newSessionCall(ctx, kindObject, contact, P2PAppObject, obj.Size)
	if err != nil {
		return fmt.Errorf("msn: fetch object: %w", err)
	}
	p := c.p2p()
	p.mu.Lock()
	cl.w, cl.accepted, cl.sum, cl.want = w, true, sha1.New(), obj.SHA1D
	p.mu.Unlock()
	context64 := base64.StdEncoding.EncodeToString([]byte(obj.Raw + "\x00"))
	if err := c.invite(ctx, cl, eufObject, context64); err != nil {
		if err == ErrTransferDeclined {
			err = fmt.Errorf("%w (declined)", ErrNoPicture)
		}
		return fmt.Errorf("msn: fetch object: %w", err)
	}
	select {
	case <-cl.done:
	case <-ctx.Done():
		c.abortCall(cl, fmt.Errorf("msn: fetch object: %w", ctx.Err()))
	}
	cl.writesDone() // w is the caller's again
	if cl.err != nil {
		return fmt.Errorf("msn: fetch object: %w", cl.err)
	}
	return nil
}

// SetDisplayPicture makes data (an image, at most 4 MiB) the user's
// display picture: its MSN object is sent with every CHG from now on
// (MSNP9+), at once when the user is online, and contacts who ask for it
// get data. nil clears it.
func (c *Client) SetDisplayPicture(ctx context.Context, data []byte) error {
	if len(data) > maxObjectSize {
		return fmt.Errorf("msn: set display picture: %w: %d bytes", ErrFileTooLarge, len(data))
	}
	p := c.p2p()
	p.mu.Lock()
	if len(data) == 0 {
		p.picture, p.object = nil, MSNObject{}
	} else {
		p.picture = bytes.Clone(data)
		p.object = NewDisplayPicture(c.Passport(), data)
	}
	p.mu.Unlock()
	if st := c.Status(); st != StatusOffline && c.Version() >= 9 {
		if err := c.SetStatus(ctx, st); err != nil {
			return fmt.Errorf("msn: set display picture: %w", err)
		}
	}
	return nil
}

// DisplayPicture returns the user's own MSN object (zero when none).
func (c *Client) DisplayPicture() MSNObject {
	p := c.p2p()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.object
}

// msnobjParam is the CHG parameter of the user's own object, URL-encoded,
// or "" when there is none.
func (c *Client) msnobjParam() string {
	o := c.DisplayPicture()
	if o.IsZero() {
		return ""
	}
	return strings.ReplaceAll(url.QueryEscape(o.Raw), "+", "%20")
}

// parseMSNObjParam reads the URL-encoded msnobj of a presence line; the
// zero object when absent or unreadable.
func parseMSNObjParam(s string) MSNObject {
	if s == "" || len(s) > 3*maxMSNObject {
		return MSNObject{}
	}
	raw, err := url.PathUnescape(s)
	if err != nil {
		return MSNObject{}
	}
	o, err := ParseMSNObject(raw)
	if err != nil {
		return MSNObject{}
	}
	return o
}

// serveObject answers an INVITE for an MSN object: the user's display
// picture when its SHA1D matches, sent as a data preparation message and
// the data; a decline otherwise.
func (c *Client) serveObject(s *Switchboard, from string, m *slpMessage, sid, appID uint32, decline func()) {
	raw, err := base64.StdEncoding.DecodeString(m.Body.get("context"))
	if err != nil {
		decline()
		return
	}
	want, err := ParseMSNObject(string(raw))
	p := c.p2p()
	p.mu.Lock()
	pic, own := p.picture, p.object
	p.mu.Unlock()
	if err != nil || own.IsZero() || want.SHA1D != own.SHA1D {
		decline()
		return
	}
	if appID == 0 {
		appID = P2PAppObject
	}
	cl := &p2pCall{kind: kindObject, sb: s, peer: from, callID: m.CallID, sessionID: sid, appID: appID,
		incoming: true, invite: m, size: int64(len(pic))}
	if !c.newCall(cl) {
		decline()
		return
	}
	if err := c.acceptInvite(cl); err != nil {
		c.endCall(cl, err)
		return
	}
	c.mu.Lock()
	if c.down || c.closing {
		c.mu.Unlock()
		c.endCall(cl, ErrClosed)
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		prep := P2PHeader{SessionID: sid, Identifier: p.nextID(), TotalSize: 4}
		if err := c.sendP2P(s, from, prep, make([]byte, 4), appID, nil); err != nil {
			c.endCall(cl, err)
			return
		}
		_ = c.streamData(context.Background(), cl, bytes.NewReader(pic), P2PFlagObject)
	}()
}
