package msn

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// slpFrom is an MSNSLP message from "from" to alice as switchboard MSG
// lines, in P2P chunks of at most chunk bytes with the identifier id.
func slpFrom(from string, id uint32, slp []byte, chunk int) string {
	var out strings.Builder
	for off := 0; off < len(slp); off += chunk {
		end := min(off+chunk, len(slp))
		h := P2PHeader{Identifier: id, Offset: uint64(off), TotalSize: uint64(len(slp)), MessageSize: uint32(end - off)}
		out.WriteString(p2pMsgFrom(from, h, slp[off:end]))
	}
	return out.String()
}

// p2pMsgFrom is one switchboard MSG from "from" carrying a P2P message.
func p2pMsgFrom(from string, h P2PHeader, data []byte) string {
	payload := p2pPayload("alice@example.com", h, data, 0)
	name, _, _ := strings.Cut(from, "@")
	return fmt.Sprintf("MSG %s %s %d\r\n%s", from, name, len(payload), payload)
}

// fileInviteFrom is a file-transfer INVITE from "from" for the session sid.
func fileInviteFrom(from string, sid uint32) []byte {
	m := &slpMessage{Method: "INVITE", To: "alice@example.com", From: from, Branch: newMachineGUID(),
		CallID: newMachineGUID(), ContentType: slpSessionReq}
	return m.bytes([]field{{"EUF-GUID", eufFile}, {"SessionID", strconv.FormatUint(uint64(sid), 10)},
		{"AppID", "2"}, {"Context", fileContext("a.txt", 10)}})
}

// offersUntilText counts the FileOffer events by sender until a
// MessageReceived, which the caller sent after the offers.
func offersUntilText(t *testing.T, c *Client) map[string]int {
	t.Helper()
	got := map[string]int{}
	for {
		switch e := nextEvent(t, c).(type) {
		case FileOffer:
			got[e.From]++
		case MessageReceived:
			return got
		}
	}
}

// partialsOf counts the half-sent MSNSLP messages kept, of peer or, when
// peer is "", of everyone.
func partialsOf(c *Client, peer string) int {
	p := c.p2p()
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for k := range p.partial {
		if peer == "" || k.peer == peer {
			n++
		}
	}
	return n
}

// Contacts that start MSNSLP messages and never finish them neither fill
// the reassembly room for everyone else (each keeps at most
// maxSLPPartialPerPeer, and the oldest give way) nor outlive their
// switchboard: another contact's offer in two chunks still arrives.
func TestSLPHalfSentMessagesGiveWay(t *testing.T) {
	s := loginAs(t, 12, nil)
	sb, sp := openSB(t, s, newFakeServer(t))
	var b strings.Builder
	unfinished := func(from string, id uint32) {
		h := P2PHeader{Identifier: id, TotalSize: 30000, MessageSize: 1000}
		b.WriteString(p2pMsgFrom(from, h, make([]byte, 1000)))
	}
	for i := range uint32(maxP2PCalls) {
		unfinished("bob@example.com", 2000+i)
	}
	for i := range uint32(maxP2PCalls) { // 16 contacts × 4 fill the room
		unfinished(fmt.Sprintf("u%d@example.com", i/maxSLPPartialPerPeer), 3000+i)
	}
	b.WriteString(slpFrom("carol@example.com", 1000, fileInviteFrom("carol@example.com", 77), 600))
	sp.sendRaw(b.String())
	sp.sendPayload("MSG carol@example.com Carol", textFromBob)
	if got := offersUntilText(t, s.c); got["carol@example.com"] != 1 {
		t.Errorf("offers %v: carol's offer in two chunks was dropped", got)
	}
	if n, all := partialsOf(s.c, "bob@example.com"), partialsOf(s.c, ""); n > maxSLPPartialPerPeer || all > maxP2PCalls {
		t.Errorf("%d half-sent MSNSLP messages kept, %d of them bob's; want at most %d and %d", all, n, maxP2PCalls, maxSLPPartialPerPeer)
	}
	sb.Close()
	if n := partialsOf(s.c, ""); n != 0 {
		t.Errorf("%d half-sent MSNSLP messages kept after their switchboard closed", n)
	}
}

// One contact's offers hold at most maxIncomingP2PPerPeer sessions: the
// rest are declined without asking the user, and another contact's offer
// still reaches them.
func TestP2PContactOffersCapped(t *testing.T) {
	s := loginAs(t, 12, nil)
	_, sp := openSB(t, s, newFakeServer(t))
	var b strings.Builder
	for i := range uint32(maxP2PCalls) {
		b.WriteString(slpFrom("bob@example.com", 5000+i, fileInviteFrom("bob@example.com", 100+i), p2pChunk))
	}
	b.WriteString(slpFrom("carol@example.com", 9000, fileInviteFrom("carol@example.com", 999), p2pChunk))
	sp.sendRaw(b.String())
	sp.sendPayload("MSG carol@example.com Carol", textFromBob)
	got := offersUntilText(t, s.c)
	if got["bob@example.com"] != maxIncomingP2PPerPeer || got["carol@example.com"] != 1 {
		t.Errorf("offers %v, want %d of bob's and carol's", got, maxIncomingP2PPerPeer)
	}
}

// A contact's MSNSLP message names a Call-ID; another contact who learns
// it (a group chat relays every P2P message to everyone in it) cannot
// end that transfer with a BYE of its own.
func TestP2PByeFromAnotherContactIgnored(t *testing.T) {
	s := loginAs(t, 12, nil)
	_, sp := openSB(t, s, newFakeServer(t))
	inv := &slpMessage{Method: "INVITE", To: "alice@example.com", From: "bob@example.com", Branch: newMachineGUID(),
		CallID: newMachineGUID(), ContentType: slpSessionReq}
	sp.sendRaw(slpFrom("bob@example.com", 1000, inv.bytes([]field{{"EUF-GUID", eufFile}, {"SessionID", "77"},
		{"AppID", "2"}, {"Context", fileContext("a.txt", 10)}}), p2pChunk))
	offer := waitFor[FileOffer](t, s.c)
	bye := &slpMessage{Method: "BYE", To: "alice@example.com", From: "carol@example.com", Branch: newMachineGUID(),
		CallID: inv.CallID, ContentType: slpSessionClose}
	sp.sendRaw(slpFrom("carol@example.com", 2000, bye.bytes(nil), p2pChunk))
	sp.sendPayload("MSG carol@example.com Carol", textFromBob)
	for {
		switch e := nextEvent(t, s.c).(type) {
		case FileTransferEnded:
			if e.ID == offer.ID {
				t.Fatalf("bob's offer ended by carol's BYE: %+v", e)
			}
		case MessageReceived:
			return
		}
	}
}
