package bridge

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/msn2irc/msn2irc/internal/source"
	"github.com/msn2irc/msn2irc/ircd"
)

// dccTimeout bounds connecting to a DCC sender, and each wait for its data.
const dccTimeout = time.Minute

// dccSend is a parsed CTCP DCC SEND offer.
type dccSend struct {
	name    string // as the client named it, not cleaned
	ip      netip.Addr
	port    int
	size    int64 // -1 when the offer has none
	passive bool  // port 0 with a token: the client wants us to listen
}

// parseDCCSend parses the arguments of a CTCP DCC: "SEND name ip port
// [size [token]]", where name may be in double quotes and ip is an IPv4
// address as a decimal number, or an address in text.
func parseDCCSend(args string) (dccSend, error) {
	sub, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	if !strings.EqualFold(sub, "SEND") {
		return dccSend{}, fmt.Errorf("DCC %s is not supported on MSN; only DCC SEND of a file is", strings.ToUpper(cleanFileName(sub)))
	}
	rest = strings.TrimSpace(rest)
	var d dccSend
	if strings.HasPrefix(rest, `"`) {
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return dccSend{}, errors.New("the DCC SEND offer is malformed")
		}
		d.name, rest = rest[1:1+end], rest[2+end:]
	} else {
		d.name, rest, _ = strings.Cut(rest, " ")
	}
	f := strings.Fields(rest)
	if len(f) < 2 {
		return dccSend{}, errors.New("the DCC SEND offer is malformed")
	}
	if n, err := strconv.ParseUint(f[0], 10, 32); err == nil {
		d.ip = netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	} else if a, err := netip.ParseAddr(f[0]); err == nil && a.Zone() == "" {
		// A zone ("%eth0") is no address to connect to, and is text
		// from the client that a refusal would quote.
		d.ip = a.Unmap()
	} else {
		return dccSend{}, errors.New("the DCC SEND offer names no valid address")
	}
	port, err := strconv.ParseUint(f[1], 10, 16)
	if err != nil {
		return dccSend{}, errors.New("the DCC SEND offer names no valid port")
	}
	d.port = int(port)
	d.size = -1
	if len(f) >= 3 {
		if d.size, err = strconv.ParseInt(f[2], 10, 64); err != nil || d.size < 0 {
			return dccSend{}, errors.New("the DCC SEND offer names no valid size")
		}
	}
	d.passive = d.port == 0
	return d, nil
}

// onDCC takes a DCC SEND from the user's client (connected from src) to a
// contact: it connects to src only, whatever address the offer names,
// receives the file, then sends it to the contact over MSN.
func (s *session) onDCC(src netip.Addr, m ircd.Message, args string) {
	target := m.Target
	c, ok := s.contacts[m.TargetAccount]
	if !ok || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "&") {
		s.messageStatus(statusFileNotSent, target, "DCC SEND to "+target+" refused: files go to a contact's nick only.")
		return
	}
	refuse := func(why string) {
		s.messageStatus(statusFileNotSent, c.nick, "The file was not sent to "+c.nick+": "+why)
	}
	if s.b.cfg.Uploads.Dir == "" {
		refuse("this msn2irc does not take files.")
		return
	}
	if s.client == nil {
		refuse(errNotConnected.Error() + ".")
		return
	}
	if v := s.client.Version(); v < 9 {
		refuse(noFilesText(v) + ".")
		return
	}
	// Presence is known only for contacts on the forward list (as in
	// sendTo): MSN would refuse the file once taken from the client.
	if c.knownOffline() {
		refuse(c.nick + " is offline; files go only to contacts who are online.")
		return
	}
	d, err := parseDCCSend(args)
	switch {
	case err != nil:
		refuse(err.Error() + ".")
		return
	case d.passive:
		refuse("passive (reverse) DCC is not supported; turn it off in your IRC client so that it listens for the transfer.")
		return
	case !src.IsValid() || d.ip != src.Unmap():
		refuse("the DCC offer names the address " + d.ip.String() + ", but msn2irc connects only to the address your IRC connection comes from; set your client's DCC address to it (irssi: dcc_own_ip; WeeChat: xfer.network.own_ip).")
		return
	case source.Trusted(src, s.b.cfg.TrustedNets):
		// The address is a proxy's or a bouncer's, not the user's
		// machine: a port there is another service of that host.
		refuse("your IRC connection comes through a host that carries many users (a bouncer or a proxy), so msn2irc cannot reach your client; upload the file instead (/msg msn help).")
		return
	case d.port < 1024:
		refuse(fmt.Sprintf("the DCC offer names port %d; msn2irc connects only to ports from 1024 on, where IRC clients listen for DCC.", d.port))
		return
	case d.size < 0:
		refuse("the DCC offer gives no file size.")
		return
	case d.size > s.b.cfg.Uploads.MaxSize:
		refuse(fmt.Sprintf("it is larger than %d bytes, the most msn2irc sends.", s.b.cfg.Uploads.MaxSize))
		return
	}
	dir, err := s.b.accountDir(s.account)
	if err != nil {
		s.log.Warn("DCC SEND", "err", err)
		refuse("msn2irc could not store it.")
		return
	}
	// The file counts against the quota like an upload in progress,
	// until it has gone and is removed.
	full, err := s.fileRoom(d.size)
	if err != nil {
		s.log.Warn("counting the account's files", "err", err)
		full = "msn2irc could not check your file quota"
	}
	if full != "" {
		refuse(full + ".")
		return
	}
	if err := s.takeFileSlot(); err != nil {
		refuse(err.Error() + ".")
		return
	}
	s.files.uploads++
	s.files.uploading += d.size
	f := outgoingFile{name: cleanFileName(d.name), size: d.size, temporary: true}
	addr := netip.AddrPortFrom(src.Unmap(), uint16(d.port))
	client, passport, nick := s.client, c.passport, c.nick
	s.spawn(func(ctx context.Context) {
		defer s.post(func() { s.unreserveUpload(d.size) })
		path, err := receiveDCC(ctx, addr, d.size, dir)
		if err != nil {
			s.log.Info("DCC SEND failed", "err", err)
			s.post(func() {
				s.outFiles--
				s.messageStatus(statusFileNotSent, nick, f.name+" was not sent to "+nick+": receiving it from your IRC client failed ("+dccReason(err)+").")
			})
			return
		}
		f.path = path
		s.sendFile(ctx, client, passport, nick, f)
	})
}

// dccReason says, for the user, why receiving a DCC SEND failed.
func dccReason(err error) string {
	var ne net.Error
	var short errShortDCC
	switch {
	case errors.As(err, &short):
		return short.Error()
	case errors.As(err, &ne) && ne.Timeout():
		return "your client did not answer in time"
	case errors.Is(err, context.Canceled):
		return "the MSN session ended"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return "msn2irc could not connect to your client"
	}
	return "the connection failed"
}

// errShortDCC is a DCC connection that closed before the whole file came.
type errShortDCC struct{ got, size int64 }

func (e errShortDCC) Error() string {
	return fmt.Sprintf("the connection closed after %d of %d bytes", e.got, e.size)
}

// receiveDCC connects to a DCC sender at addr and reads exactly size
// bytes into a new file of dir, acknowledging each read with the total
// received so far (4 bytes, big-endian, modulo 2^32) as DCC SEND
// expects. It returns the file's path; on error no file is left.
func receiveDCC(ctx context.Context, addr netip.AddrPort, size int64, dir string) (path string, err error) {
	dialer := net.Dialer{Timeout: dccTimeout}
	conn, err := dialer.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return "", fmt.Errorf("dcc: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	f, err := os.CreateTemp(dir, ".part-*") // 0600
	if err != nil {
		return "", fmt.Errorf("dcc: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("dcc: %w", cerr)
		}
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	buf := make([]byte, 32<<10)
	var ack [4]byte
	var got int64
	for got < size {
		conn.SetReadDeadline(time.Now().Add(dccTimeout))
		n, rerr := conn.Read(buf[:min(int64(len(buf)), size-got)])
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return "", fmt.Errorf("dcc: %w", err)
			}
			got += int64(n)
			binary.BigEndian.PutUint32(ack[:], uint32(got))
			conn.SetWriteDeadline(time.Now().Add(dccTimeout))
			conn.Write(ack[:]) // a sender that left is seen by the next read
		}
		if rerr != nil && got < size {
			if ctx.Err() != nil {
				return "", fmt.Errorf("dcc: %w", ctx.Err())
			}
			var ne net.Error
			if errors.As(rerr, &ne) && ne.Timeout() {
				return "", fmt.Errorf("dcc: %w", rerr)
			}
			return "", errShortDCC{got, size}
		}
	}
	return f.Name(), nil
}
