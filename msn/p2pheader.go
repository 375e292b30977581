package msn

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// P2P (MSNC, "MSNP2P") messages travel in switchboard MSGs of type
// application/x-msnmsgrp2p, sent with ack D: a 48-byte binary header
// (P2Pv1, little-endian), up to p2pChunk bytes of data, and a 4-byte
// big-endian footer, the application id. Only P2Pv1 is spoken: the
// client id never advertises P2Pv2, so peers fall back to these headers.

// P2PHeaderLen and P2PFooterLen are the sizes of a P2Pv1 header and footer.
const (
	P2PHeaderLen = 48
	P2PFooterLen = 4
)

// p2pChunk is the data carried by one P2P message, as Messenger sends it
// over a switchboard.
const p2pChunk = 1202

// P2P header flags.
const (
	P2PFlagNone     uint32 = 0x0
	P2PFlagNak      uint32 = 0x1
	P2PFlagAck      uint32 = 0x2
	P2PFlagWaiting  uint32 = 0x4
	P2PFlagError    uint32 = 0x8  // a binary error: the session is unknown or broken
	P2PFlagObject   uint32 = 0x20 // MSN object (display picture) data
	P2PFlagClose    uint32 = 0x40 // the session is closed (sent on a cancelled transfer)
	P2PFlagTLPError uint32 = 0x80 // transport error
	P2PFlagFileData uint32 = 0x01000030
)

// P2P application ids (the footer).
const (
	P2PAppSLP            uint32 = 0
	P2PAppObject         uint32 = 1
	P2PAppFile           uint32 = 2
	P2PAppDisplayPicture uint32 = 12 // WLM 2009 sends display pictures with 12
)

// P2PHeader is the P2Pv1 binary header.
type P2PHeader struct {
	SessionID    uint32 // 0 while the session is negotiated (MSNSLP)
	Identifier   uint32 // message id; every chunk of a message carries the same one
	Offset       uint64 // of this chunk's data in the message
	TotalSize    uint64 // of the whole message's data
	MessageSize  uint32 // of this chunk's data
	Flags        uint32
	AckSessionID uint32 // for an ack: the Identifier acknowledged
	AckUniqueID  uint32 // for an ack: the AckSessionID of the message acknowledged
	AckDataSize  uint64 // for an ack: the TotalSize acknowledged
}

// errP2PMalformed reports a P2P message that cannot be read.
var errP2PMalformed = errors.New("msn: malformed P2P message")

// ParseP2P reads a P2P message body (after the MIME headers): its header,
// its data (aliasing b) and its footer. The data must be exactly
// MessageSize bytes, and lie within TotalSize.
func ParseP2P(b []byte) (P2PHeader, []byte, uint32, error) {
	var h P2PHeader
	if len(b) < P2PHeaderLen+P2PFooterLen {
		return h, nil, 0, fmt.Errorf("%w: %d bytes", errP2PMalformed, len(b))
	}
	le := binary.LittleEndian
	h.SessionID = le.Uint32(b[0:])
	h.Identifier = le.Uint32(b[4:])
	h.Offset = le.Uint64(b[8:])
	h.TotalSize = le.Uint64(b[16:])
	h.MessageSize = le.Uint32(b[24:])
	h.Flags = le.Uint32(b[28:])
	h.AckSessionID = le.Uint32(b[32:])
	h.AckUniqueID = le.Uint32(b[36:])
	h.AckDataSize = le.Uint64(b[40:])
	data := b[P2PHeaderLen : len(b)-P2PFooterLen]
	if uint64(len(data)) != uint64(h.MessageSize) {
		return h, nil, 0, fmt.Errorf("%w: %d bytes of data, header says %d", errP2PMalformed, len(data), h.MessageSize)
	}
	if h.Offset > h.TotalSize || uint64(h.MessageSize) > h.TotalSize-h.Offset {
		return h, nil, 0, fmt.Errorf("%w: chunk at %d+%d beyond %d", errP2PMalformed, h.Offset, h.MessageSize, h.TotalSize)
	}
	return h, data, binary.BigEndian.Uint32(b[len(b)-P2PFooterLen:]), nil
}

// AppendP2P appends a P2P message body: h (with MessageSize set to
// len(data)), data and the footer.
func AppendP2P(b []byte, h P2PHeader, data []byte, appID uint32) []byte {
	h.MessageSize = uint32(len(data))
	le := binary.LittleEndian
	b = le.AppendUint32(b, h.SessionID)
	b = le.AppendUint32(b, h.Identifier)
	b = le.AppendUint64(b, h.Offset)
	b = le.AppendUint64(b, h.TotalSize)
	b = le.AppendUint32(b, h.MessageSize)
	b = le.AppendUint32(b, h.Flags)
	b = le.AppendUint32(b, h.AckSessionID)
	b = le.AppendUint32(b, h.AckUniqueID)
	b = le.AppendUint64(b, h.AckDataSize)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, appID)
}

// p2pPayload is a whole MSG payload carrying one P2P message to dest.
func p2pPayload(dest string, h P2PHeader, data []byte, appID uint32) []byte {
	head := "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: " + dest + "\r\n\r\n"
	b := make([]byte, 0, len(head)+P2PHeaderLen+len(data)+P2PFooterLen)
	b = append(b, head...)
	return AppendP2P(b, h, data, appID)
}

// ackHeader is the P2P acknowledgement of a complete message h.
func ackHeader(h P2PHeader, id uint32) P2PHeader {
	return P2PHeader{
		SessionID:    h.SessionID,
		Identifier:   id,
		TotalSize:    h.TotalSize,
		Flags:        P2PFlagAck,
		AckSessionID: h.Identifier,
		AckUniqueID:  h.AckSessionID,
		AckDataSize:  h.TotalSize,
	}
}
