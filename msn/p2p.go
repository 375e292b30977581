package msn

import (
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// The P2P sessions of a client: file transfers both ways and MSN objects
// (display pictures), negotiated with MSNSLP and carried over the
// switchboard with the contact. Each session is a p2pCall, keyed by its
// MSNSLP Call-ID and, once agreed, by (contact, session id): several run
// at once, on one switchboard or several. Incoming P2P messages are handled
// on the switchboard's reader goroutine; data received is written to the
// caller's writer from there, chunk by chunk, so nothing holds a whole
// file. Data is sent from the caller's goroutine with at most p2pWindow
// messages waiting for the server's ACK.

// p2pWindow is how many P2P messages may wait for their switchboard ACK.
const p2pWindow = 16

// maxP2PCalls bounds the sessions a client keeps at once (offers included).
const maxP2PCalls = 64

// maxIncomingP2PPerPeer bounds the sessions one contact's invitations
// hold at once, so that offers a contact never follows up cannot take
// every session from the other contacts and the user's own transfers.
const maxIncomingP2PPerPeer = 8

type p2pKind int

const (
	kindFile p2pKind = iota
	kindObject
)

// p2pCall is one P2P session. Its fields are guarded by p2pState.mu,
// except that the data fields (w, got, sum) belong to the switchboard
// reader that writes the data.
type p2pCall struct {
	id        TransferID
	kind      p2pKind
	sb        *Switchboard
	peer      string
	callID    string
	sessionID uint32
	appID     uint32
	incoming  bool             // the contact invited
	invite    *slpMessage      // the contact's INVITE, answered by us
	name      string           // file name
	size      int64            // file or object size
	offered   bool             // a FileOffer event was sent: FileTransferEnded follows
	accepted  bool             // the data may flow
	answer    chan *slpMessage // the response to our INVITE
	dataID    uint32           // identifier of our data message, acknowledged when delivered
	done      chan struct{}    // closed when the call ends
	err       error
	timer     *time.Timer

	// Receiving data.
	writing sync.Mutex // held while a chunk is written to w (writesDone)
	w       io.Writer
	got     int64
	sum     hash.Hash // of an object's data, checked against want
	want    string
	prepOK  bool // the data preparation message of an object arrived
}

type p2pKey struct {
	peer string // lower case
	sid  uint32
}

type slpKey struct {
	peer string
	id   uint32
}

// slpPartial is an MSNSLP message arriving in chunks.
type slpPartial struct {
	buf []byte
	sb  *Switchboard // its chunks come on it: dropped when it closes
	seq uint64       // when its first chunk came, to evict the oldest
}

// maxSLPPartialPerPeer bounds the MSNSLP messages one contact may have
// half sent, so that a contact that never finishes them cannot take the
// room every other contact's messages need; a contact sends them one at a
// time.
const maxSLPPartialPerPeer = 4

// p2pState is the P2P part of a Client.
type p2pState struct {
	mu       sync.Mutex
	seq      TransferID
	msgID    uint32
	calls    map[string]*p2pCall // by Call-ID
	sessions map[p2pKey]*p2pCall
	byID     map[TransferID]*p2pCall
	partial  map[slpKey]*slpPartial // MSNSLP messages arriving in chunks, at most maxP2PCalls
	partSeq  uint64                 // the seq of the last slpPartial
	picture  []byte                 // the user's display picture
	object   MSNObject
}

func (c *Client) p2p() *p2pState {
	c.p2pOnce.Do(func() {
		c.p2ps = &p2pState{
			msgID:    rand.Uint32N(1<<30) + 4,
			calls:    map[string]*p2pCall{},
			sessions: map[p2pKey]*p2pCall{},
			byID:     map[TransferID]*p2pCall{},
			partial:  map[slpKey]*slpPartial{},
		}
	})
	return c.p2ps
}

// nextID returns a new P2P message identifier.
func (p *p2pState) nextID() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgID++
	return p.msgID
}

// addLocked records a new call; false when too many are open, or too
// many of the contact's invitations for one it invited. p.mu held.
func (p *p2pState) addLocked(cl *p2pCall) bool {
	if len(p.calls) >= maxP2PCalls {
		return false
	}
	if cl.incoming {
		n := 0
		for _, o := range p.calls {
			if o.incoming && strings.EqualFold(o.peer, cl.peer) {
				n++
			}
		}
		if n >= maxIncomingP2PPerPeer {
			return false
		}
	}
	p.seq++
	cl.id = p.seq
	cl.done = make(chan struct{})
	p.calls[cl.callID] = cl
	p.byID[cl.id] = cl
	if cl.sessionID != 0 {
		p.sessions[p2pKey{strings.ToLower(cl.peer), cl.sessionID}] = cl
	}
	return true
}

// newCall registers a call and starts its silence timer.
func (c *Client) newCall(cl *p2pCall) bool {
	p := c.p2p()
	p.mu.Lock()
	ok := p.addLocked(cl)
	if ok {
		cl.timer = time.AfterFunc(c.cfg.TransferIdleTimeout, func() {
			err := fmt.Errorf("msn: transfer: %w: nothing arrived for %v", ErrTimeout, c.cfg.TransferIdleTimeout)
			p.mu.Lock()
			unanswered := cl.kind == kindFile && cl.incoming && !cl.accepted
			p.mu.Unlock()
			if unanswered {
				// The user never answered the offer: the contact is
				// told it was declined, not that it was cancelled.
				if c.endCall(cl, err) {
					_ = c.sendDecline(cl)
				}
				return
			}
			c.abortCall(cl, err)
		})
	}
	p.mu.Unlock()
	return ok
}

// touchCall restarts cl's silence timer.
func (c *Client) touchCall(cl *p2pCall) {
	p := c.p2p()
	p.mu.Lock()
	if cl.timer != nil {
		cl.timer.Reset(c.cfg.TransferIdleTimeout)
	}
	p.mu.Unlock()
}

// writesDone waits until no chunk of cl is being written to its writer.
// Once the call ended, none is written after it (onData checks under
// writing): the caller may then close or flush the writer.
func (cl *p2pCall) writesDone() {
	cl.writing.Lock()
	//lint:ignore SA2001 the critical section is empty on purpose: it waits for onData's
	cl.writing.Unlock()
}

// endCall ends cl with err (nil: completed) and reports it when the user
// was offered it. It returns false when cl had ended already.
func (c *Client) endCall(cl *p2pCall, err error) bool {
	p := c.p2p()
	p.mu.Lock()
	select {
	case <-cl.done:
		p.mu.Unlock()
		return false
	default:
	}
	cl.err = err
	close(cl.done)
	if cl.timer != nil {
		cl.timer.Stop()
	}
	delete(p.calls, cl.callID)
	delete(p.byID, cl.id)
	if cl.sessionID != 0 {
		k := p2pKey{strings.ToLower(cl.peer), cl.sessionID}
		if p.sessions[k] == cl {
			delete(p.sessions, k)
		}
	}
	offered := cl.offered
	p.mu.Unlock()
	if offered {
		c.events.push(FileTransferEnded{ID: cl.id, From: cl.peer, Name: cl.name, Size: cl.size, Bytes: cl.got, Err: err})
	}
	return true
}

// abortCall ends cl with err and tells the contact (BYE).
func (c *Client) abortCall(cl *p2pCall, err error) {
	if c.endCall(cl, err) {
		c.sendBye(cl)
	}
}

// sendBye closes cl's session on the contact's side.
func (c *Client) sendBye(cl *p2pCall) {
	m := &slpMessage{Method: "BYE", To: cl.peer, From: c.Passport(), Branch: newMachineGUID(),
		CallID: cl.callID, ContentType: slpSessionClose}
	_ = c.sendSLP(cl.sb, cl.peer, m, nil)
}

// sendP2P writes one P2P message (ack D) without waiting; done, when not
// nil, gets the server's outcome.
func (c *Client) sendP2P(s *Switchboard, peer string, h P2PHeader, data []byte, appID uint32, done func(error)) error {
	if done == nil {
		done = func(error) {}
	}
	s.touch()
	return s.l.start(time.Now(), c.cfg.RequestTimeout, "MSG", []string{string(AckData)}, p2pPayload(peer, h, data, appID), []string{"ACK", "NAK"}, OutcomeFunc(done))
}

// sendSLP sends an MSNSLP message in as many chunks as it needs.
func (c *Client) sendSLP(s *Switchboard, peer string, m *slpMessage, body []field) error {
	b := m.bytes(body)
	h := P2PHeader{Identifier: c.p2p().nextID(), TotalSize: uint64(len(b))}
	for off := 0; off < len(b); off += p2pChunk {
		end := min(off+p2pChunk, len(b))
		h.Offset = uint64(off)
		if err := c.sendP2P(s, peer, h, b[off:end], P2PAppSLP, nil); err != nil {
			return fmt.Errorf("msn: P2P: %w", err)
		}
	}
	return nil
}

// onP2P handles one P2P message from a switchboard.
func (s *Switchboard) onP2P(from string, m *mimeMessage) {
	c := s.c
	if !c.p2pForMe(m.header.get("p2p-dest")) {
		return
	}
	h, data, _, err := ParseP2P(m.body)
	if err != nil {
		c.log.Debug("P2P message ignored", "from", from, "err", err)
		return
	}
	p := c.p2p()
	peer := strings.ToLower(from)
	if h.Flags&P2PFlagAck != 0 {
		// The acknowledgement of our whole data message: delivered.
		p.mu.Lock()
		var hit *p2pCall
		for _, cl := range p.calls {
			if strings.EqualFold(cl.peer, from) && cl.dataID != 0 && cl.dataID == h.AckSessionID && h.AckDataSize == uint64(cl.size) {
				hit = cl
			}
		}
		p.mu.Unlock()
		if hit != nil {
			c.endCall(hit, nil)
		}
		return
	}
	if h.SessionID == 0 {
		s.onSLPChunk(from, peer, h, data)
		return
	}
	p.mu.Lock()
	cl := p.sessions[p2pKey{peer, h.SessionID}]
	p.mu.Unlock()
	if cl == nil {
		return
	}
	if h.Flags&(P2PFlagError|P2PFlagClose|P2PFlagTLPError|P2PFlagNak) != 0 {
		c.endCall(cl, ErrTransferCancelled)
		return
	}
	c.onData(cl, h, data)
}

// p2pForMe reports whether a P2P-Dest names this endpoint: the user's
// address, and at MSNP16+ this machine when an endpoint is named.
func (c *Client) p2pForMe(dest string) bool {
	addr, guid, hasGUID := strings.Cut(strings.TrimSpace(dest), ";")
	if !strings.EqualFold(addr, c.Passport()) {
		return false
	}
	return !hasGUID || strings.EqualFold(strings.Trim(guid, "{}"), strings.Trim(c.MachineGUID(), "{}"))
}

// onSLPChunk collects an MSNSLP message and handles it once whole.
func (s *Switchboard) onSLPChunk(from, peer string, h P2PHeader, data []byte) {
	c := s.c
	p := c.p2p()
	if h.TotalSize > maxSLP {
		return
	}
	k := slpKey{peer, h.Identifier}
	p.mu.Lock()
	e := p.partial[k]
	if e == nil {
		e = &slpPartial{sb: s}
	}
	if uint64(len(e.buf)) != h.Offset {
		delete(p.partial, k) // out of order: drop it, the peer times out
		p.mu.Unlock()
		return
	}
	e.buf = append(e.buf, data...)
	buf := e.buf
	whole := uint64(len(buf)) == h.TotalSize
	if whole {
		delete(p.partial, k)
	} else if e.seq == 0 {
		p.makeRoomLocked(peer)
		p.partSeq++
		e.seq = p.partSeq
		p.partial[k] = e
	}
	p.mu.Unlock()
	if !whole {
		return
	}
	_ = c.sendP2P(s, from, ackHeader(h, p.nextID()), nil, P2PAppSLP, nil)
	m, err := parseSLP(buf)
	if err != nil {
		c.log.Debug("MSNSLP message ignored", "from", from, "err", err)
		return
	}
	c.onSLP(s, from, m)
}

// makeRoomLocked evicts the oldest half-sent MSNSLP message of peer when
// it has maxSLPPartialPerPeer, or the oldest of all when maxP2PCalls are
// kept, so that a new one fits. p.mu held.
func (p *p2pState) makeRoomLocked(peer string) {
	var oldest, peerOldest slpKey
	var oldestSeq, peerSeq uint64
	n := 0
	for k, e := range p.partial {
		if oldestSeq == 0 || e.seq < oldestSeq {
			oldest, oldestSeq = k, e.seq
		}
		if k.peer == peer {
			n++
			if peerSeq == 0 || e.seq < peerSeq {
				peerOldest, peerSeq = k, e.seq
			}
		}
	}
	switch {
	case n >= maxSLPPartialPerPeer:
		delete(p.partial, peerOldest)
	case len(p.partial) >= maxP2PCalls:
		delete(p.partial, oldest)
	}
}

// onSLP handles a whole MSNSLP message.
func (c *Client) onSLP(s *Switchboard, from string, m *slpMessage) {
	p := c.p2p()
	p.mu.Lock()
	cl := p.calls[m.CallID]
	p.mu.Unlock()
	// A Call-ID is no secret (a group chat relays every P2P message to
	// everyone in it): only the contact of the call may answer or end it.
	ours := cl != nil && strings.EqualFold(cl.peer, from)
	switch {
	case m.Method == "INVITE" && m.ContentType == slpSessionReq && cl == nil:
		c.onInvite(s, from, m)
	case m.Method == "INVITE":
		// Direct connection set-up (transreqbody) and anything else: the
		// data goes through the switchboard.
		_ = c.sendSLP(s, from, m.reply(603, "Decline"), []field{{"SessionID", m.Body.get("sessionid")}})
	case m.Method == "BYE" && ours:
		c.endCall(cl, ErrTransferCancelled)
	case m.Method == "" && ours:
		select {
		case cl.answer <- m:
		default:
		}
	}
}
