package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"

	"github.com/msn2irc/msn2irc/msn"
)

// tcpRelay is a plain TCP forwarder: every connection accepted on its
// listener is connected to target and bytes are copied both ways unchanged.
// It is the "one extra hop" baseline for latency.
type tcpRelay struct {
	ln     net.Listener
	target string
	log    *slog.Logger
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	// rewrite, when set, is applied to the server-to-client stream instead of
	// a byte copy: it is used on the notification server connection so that
	// switchboard addresses point at relays too.
	rewrite func(dst io.Writer, src io.Reader) error
}

func newTCPRelay(target string, log *slog.Logger, rewrite func(dst io.Writer, src io.Reader) error) (*tcpRelay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	r := &tcpRelay{ln: ln, target: target, log: log, conns: map[net.Conn]struct{}{}, rewrite: rewrite}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// Addr returns the address clients connect to.
func (r *tcpRelay) Addr() string { return r.ln.Addr().String() }

func (r *tcpRelay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

func (r *tcpRelay) untrack(c net.Conn) {
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
}

func (r *tcpRelay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go r.serve(c)
	}
}

func (r *tcpRelay) serve(client net.Conn) {
	defer r.wg.Done()
	server, err := net.Dial("tcp", r.target)
	if err != nil {
		r.log.Warn("relay: dial", "target", r.target, "err", err)
		client.Close()
		return
	}
	if !r.track(client) || !r.track(server) {
		client.Close()
		server.Close()
		return
	}
	defer r.untrack(client)
	defer r.untrack(server)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(server, client)
		closeWrite(server)
	}()
	go func() {
		defer wg.Done()
		if r.rewrite != nil {
			_ = r.rewrite(client, server)
		} else {
			_, _ = io.Copy(client, server)
		}
		closeWrite(client)
	}()
	wg.Wait()
	client.Close()
	server.Close()
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// Close stops the relay and closes every connection through it.
func (r *tcpRelay) Close() error {
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	err := r.ln.Close()
	r.wg.Wait()
	return err
}

// nsRelay relays a notification server connection, rewriting the switchboard
// addresses in XFR SB and RNG so that switchboard connections go through plain
// relays as well. Only the notification server stream is parsed; switchboard
// traffic, which carries the messages being timed, is copied byte for byte.
type nsRelay struct {
	*tcpRelay
	log    *slog.Logger
	mu     sync.Mutex
	sbs    map[string]*tcpRelay // real switchboard address -> relay
	closed bool
}

func newNSRelay(target string, log *slog.Logger) (*nsRelay, error) {
	n := &nsRelay{log: log, sbs: map[string]*tcpRelay{}}
	base, err := newTCPRelay(target, log, n.rewriteStream)
	if err != nil {
		return nil, err
	}
	n.tcpRelay = base
	return n, nil
}

func (n *nsRelay) sbRelay(addr string) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return "", net.ErrClosed
	}
	if r, ok := n.sbs[addr]; ok {
		return r.Addr(), nil
	}
	r, err := newTCPRelay(addr, n.log, nil)
	if err != nil {
		return "", err
	}
	n.sbs[addr] = r
	return r.Addr(), nil
}

func (n *nsRelay) rewriteStream(dst io.Writer, src io.Reader) error {
	rd := msn.NewReader(src, msn.ServerPayloads)
	bw := bufio.NewWriter(dst)
	var buf []byte
	for {
		cmd, err := rd.ReadCommand()
		if err != nil {
			return err
		}
		// XFR trid SB host:port CKI cookie; RNG sid host:port CKI cookie from name.
		switch {
		case cmd.Name == "XFR" && cmd.Param(1) == "SB":
			if a, err := n.sbRelay(cmd.Params[2]); err == nil {
				cmd.Params[2] = a
			}
		case cmd.Name == "RNG" && strings.Contains(cmd.Param(1), ":"):
			if a, err := n.sbRelay(cmd.Params[1]); err == nil {
				cmd.Params[1] = a
			}
		}
		if cmd.Payload != nil && len(cmd.Params) > 0 {
			// AppendCommand adds the length itself.
			cmd.Params = cmd.Params[:len(cmd.Params)-1]
		}
		buf, err = msn.AppendCommand(buf[:0], cmd)
		if err != nil {
			return err
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
}

// Close stops the notification relay and every switchboard relay.
func (n *nsRelay) Close() error {
	n.mu.Lock()
	n.closed = true
	sbs := n.sbs
	n.sbs = nil
	n.mu.Unlock()
	for _, r := range sbs {
		r.Close()
	}
	return n.tcpRelay.Close()
}
