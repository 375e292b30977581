package bridge

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/msn2irc/msn2irc/db"
	"github.com/msn2irc/msn2irc/ircd"
	"github.com/msn2irc/msn2irc/mapping"
)

// DCC SEND offers of received files (set dcc_files true): each attached
// client gets a CTCP DCC SEND from the contact, naming a port of a
// listener of its own on the address the client reached. The listener
// takes one connection, only from the client's own address, for at most
// dccWait, then closes.
const (
	dccWait       = 3 * time.Minute
	maxDCCOffers  = 4           // DCC listeners open at once per account
	dccSendBase   = time.Minute // the time a DCC send may take, plus...
	dccMinRate    = 16 << 10    // ...the file's size at this many bytes per second
	dccMaxAckData = 1 << 20     // bytes of acknowledgements read from a receiver at most
)

// offerDCC offers a received file to each attached client as DCC SEND,
// when the account wants it, within maxDCCOffers.
func (s *session) offerDCC(c *contact, rec db.ReceivedFile) {
	if !s.settings.DCCFiles {
		return
	}
	for _, cl := range s.world.Clients() {
		if s.files.dcc >= maxDCCOffers {
			s.notice("Not every client got the file " + rec.Name + " by DCC: too many DCC offers are open. Its link works.")
			return
		}
		local, ok := cl.LocalAddr().(*net.TCPAddr)
		src := cl.Source()
		if !ok || !src.IsValid() {
			continue
		}
		ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: local.IP})
		if err != nil {
			s.log.Warn("opening a DCC listener", "err", err)
			continue
		}
		port := ln.Addr().(*net.TCPAddr).Port
		s.files.dcc++
		args := "SEND " + urlFileName(rec.Name) + " " + dccAddr(local.IP) + " " + strconv.Itoa(port) + " " + strconv.FormatInt(rec.Size, 10)
		s.world.DeliverTo(cl, ircd.Message{Command: "PRIVMSG", From: c.nick, Text: mapping.CTCP("DCC", args), Time: time.Now()})
		path := filepath.Join(s.b.cfg.DataDir, rec.Path)
		s.spawn(func(ctx context.Context) {
			if err := serveDCC(ctx, ln, src, path, rec.Size); err != nil {
				s.log.Info("a DCC send ended", "err", err)
			}
			s.post(func() { s.files.dcc-- })
		})
	}
}

// dccAddr is an address as DCC writes it: an IPv4 address as a 32-bit
// number, an IPv6 address as text.
func dccAddr(ip net.IP) string {
	if v4 := ip.To4(); v4 != nil {
		return strconv.FormatUint(uint64(binary.BigEndian.Uint32(v4)), 10)
	}
	return ip.String()
}

// serveDCC waits on ln for the client at src, at most dccWait, sends it
// the file and closes ln. Connections from other addresses are closed
// unanswered.
func serveDCC(ctx context.Context, ln *net.TCPListener, src netip.Addr, path string, size int64) error {
	defer ln.Close()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	if err := ln.SetDeadline(time.Now().Add(dccWait)); err != nil {
		return fmt.Errorf("dcc: %w", err)
	}
	for {
		conn, err := ln.AcceptTCP()
		if err != nil {
			return fmt.Errorf("dcc: no connection: %w", err)
		}
		from, _ := netip.ParseAddrPort(conn.RemoteAddr().String())
		if from.Addr().Unmap() != src.Unmap() {
			conn.Close()
			continue
		}
		ln.Close()
		return sendDCC(ctx, conn, path, size)
	}
}

// sendDCC writes the file to conn, then waits for the receiver to close
// or to acknowledge every byte: the last bytes may still be on their way
// to a slow receiver, and closing while its acknowledgements come would
// reset the connection and cut the file. The whole send has dccSendBase
// and the file's size at dccMinRate.
func sendDCC(ctx context.Context, conn *net.TCPConn, path string, size int64) error {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("dcc: the file is gone: %w", err)
	}
	defer f.Close()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		acks := io.LimitReader(conn, dccMaxAckData)
		var ack [4]byte
		for {
			if _, err := io.ReadFull(acks, ack[:]); err != nil {
				return
			}
			if size > 0 && binary.BigEndian.Uint32(ack[:]) == uint32(size) {
				return // every byte arrived (DCC counts modulo 2^32)
			}
		}
	}()
	deadline := time.Now().Add(dccSendBase + time.Duration(size/dccMinRate)*time.Second)
	conn.SetWriteDeadline(deadline)
	if _, err := io.Copy(conn, f); err != nil {
		conn.Close()
		<-drained
		return fmt.Errorf("dcc: send: %w", err)
	}
	conn.CloseWrite()
	conn.SetReadDeadline(deadline)
	<-drained
	return nil
}
