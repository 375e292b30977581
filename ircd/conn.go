package ircd

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"gopkg.in/irc.v4"
)

// Client is one connection attached to a world.
type Client struct {
	id     uint64
	srv    *Server
	conn   net.Conn
	remote string
	host   string
	src    netip.Addr // the IP address of remote (Source)
	lineAt time.Time  // when the line being handled was read (by its read loop); zero before

	out        sendQueue     // lines for writeLoop
	done       chan struct{} // closed when the connection is to end
	writerDone chan struct{} // closed when finishWriting has returned
	closeOnce  sync.Once
	cancel     context.CancelFunc

	mu         sync.Mutex
	nick       string // "*" before NICK
	caps       capBitSet
	capVersion int32
	world      *World
	monitor    map[string]string // casefolded nick -> nick as given; nil when empty
	metaSubs   []string          // metadata keys subscribed to (METADATA SUB), at most MetadataMaxSubs
	account    string
	closing    bool
	flush      bool   // write queued lines before closing
	errorText  string // text of the final ERROR, "" for none
	capture    []captured
	capturing  bool
	capLines   int // lines of capture the client got as a recipient (sendRecipient)
	capBytes   int // their bytes (lineSize); both bounded as the send queue is
	batchSeq   uint64
	pending    []func(context.Context)
	confirms   []confirm // Confirm PINGs not answered yet, oldest first

	// Reader goroutine only.
	reg        *registration // nil once registered
	registered bool
	guestUntil time.Time     // when a guest is disconnected unless it logged in; zero for none
	queryTurns *rate.Limiter // the client's queries (queryTurn); nil until the first

	guest      bool // counted as a guest (connLimits); guarded by srv.limits.mu
	regCounted bool // counted as registered from its address (connLimits); guarded by srv.limits.mu
}

func newClient(s *Server, conn net.Conn) *Client {
	id := s.nextID.Add(1)
	remote := "unknown"
	if a := conn.RemoteAddr(); a != nil {
		remote = a.String()
	}
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	host = cleanWord(host)
	if host == "pipe" || host == "" {
		host = "localhost"
	}
	c := &Client{
		id:         id,
		srv:        s,
		conn:       conn,
		remote:     remote,
		host:       host,
		src:        sourceOf(conn),
		out:        newSendQueue(s.cfg.SendQueue, s.cfg.SendQueueBytes),
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
		nick:       "*",
		reg:        new(registration),
	}
	return c
}

// logAt logs msg about the connection with args (slog.Attr values). The
// connection's attributes are added here rather than kept in a logger of
// its own: most connections log a few lines in their life.
func (c *Client) logAt(level slog.Level, msg string, args ...any) {
	ctx := context.Background()
	if !c.srv.log.Enabled(ctx, level) {
		return
	}
	c.srv.log.Log(ctx, level, msg, append([]any{slog.Uint64("conn", c.id), slog.String("remote", c.remote)}, args...)...)
}

// ID is unique per server for the life of the process.
func (c *Client) ID() uint64 { return c.id }

// Nick is the client's current nick.
func (c *Client) Nick() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nick
}

// HasCap reports whether the client enabled an IRCv3 capability.
func (c *Client) HasCap(name string) bool {
	bit, ok := capBits[name]
	return ok && c.hasCap(bit)
}

func (c *Client) hasCap(bit capBitSet) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.caps.has(bit)
}

// RemoteAddr is the client's address.
func (c *Client) RemoteAddr() string { return c.remote }

// LocalAddr is the address of this server's side of the connection: the
// one the client reached; nil for a connection without one (a pipe).
func (c *Client) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// Source is the IP address the client connected from, IPv4-mapped IPv6
// addresses unmapped; the zero Addr when the connection has none (a pipe).
func (c *Client) Source() netip.Addr { return c.src }

// Account is the account the client logged in to with SASL or PASS, "" for a guest.
func (c *Client) Account() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.account
}

// World returns the world the client is attached to, nil before registration.
func (c *Client) World() *World {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.world
}

func (c *Client) currentWorld() *World { return c.World() }

// serve runs the connection: it reads until the end, then has the writer
// send what is left.
func (c *Client) serve(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	c.cancel = cancel
	defer cancel()
	stop := context.AfterFunc(parent, func() { c.quit("Server shutting down") })
	defer stop()

	c.logAt(slog.LevelDebug, "connected")
	c.readLoop(ctx)
	c.abort("")
	c.runPending(ctx) // callbacks queued by Transfer, to keep Attached/Detached paired
	w := c.currentWorld()
	if w != nil {
		w.detach(c) // before the last lines are flushed: the world stops counting it now
	}
	<-c.writerDone // finishWriting wrote what is queued and the final ERROR, then closed
	if w != nil {
		func() {
			defer c.srv.recoverConn(c)
			hctx, hcancel := context.WithTimeout(context.WithoutCancel(ctx), handleTimeout)
			defer hcancel()
			w.h.Detached(hctx, c)
		}()
	}
	c.logAt(slog.LevelDebug, "disconnected")
}

// Disconnect ends the connection after the lines queued so far and
// ERROR :reason are written. Safe from any goroutine.
func (c *Client) Disconnect(reason string) { c.quit(reason) }

// quit ends the connection after the queued lines and ERROR :reason are written.
func (c *Client) quit(reason string) { c.end(reason, true) }

// abort ends the connection at once; reason, if any, is sent when the
// socket takes it without waiting.
func (c *Client) abort(reason string) { c.end(reason, false) }

func (c *Client) end(reason string, flush bool) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closing = true
		c.flush = flush
		c.errorText = reason
		c.confirms = nil // never answered now: forget them and what they hold
		if flush {
			// The replies of the command that ended the connection (a
			// 464 before its ERROR) go out before writeLoop's last lines.
			for _, l := range c.capture {
				if p := c.prepareLocked(l.m); p != nil {
					c.push(p)
				}
			}
		}
		c.capture, c.capturing = nil, false
		c.capLines, c.capBytes = 0, 0
		c.mu.Unlock()
		close(c.done)
		go c.finishWriting() // the last lines, then the connection is closed
		if c.cancel != nil {
			c.cancel()
		}
	})
}

// send queues m for the client, filtering tags and commands by its caps.
// While the client's reader runs a command, m is captured with the
// command's replies (endCapture). It never blocks: a full queue
// disconnects the client.
func (c *Client) send(m *irc.Message) { c.sendAs(m, false) }

// sendRecipient is send for a line the client gets as a recipient: a
// change the world announces to every client (a contact's presence, nick
// or modes; a channel the world opens, drawn whole), and the messages of
// sendDelivered. While a command of the client runs, such a line is
// captured too, to keep its place among the command's replies (a replay
// follows the welcome), but counted as if queued: lines that keep coming
// while the command waits on the handler (Handler.Message has no
// deadline) drop the client as a full queue would, instead of piling up
// in memory. The command's own replies are not counted: a reply longer
// than the queue goes out whole (enqueueReplies).
func (c *Client) sendRecipient(m *irc.Message) { c.sendAs(m, true) }

// sendDelivered is sendRecipient for a message the client receives
// (PRIVMSG, NOTICE, TAGMSG): one that arrives while a command runs is
// never taken for the command's response (labelLocked). It reports
// whether the line was queued for the client (or captured): not when the
// client is leaving.
func (c *Client) sendDelivered(m *irc.Message) bool {
	return c.sendLine(captured{m: m, recipient: true, delivered: true})
}

// sendAs is send when recipient is false, sendRecipient when it is true.
func (c *Client) sendAs(m *irc.Message, recipient bool) {
	c.sendLine(captured{m: m, recipient: recipient})
}

// sendLine captures l while a command of the client runs, and queues its
// line otherwise. It reports whether it did either: not when the client
// is leaving, its queue is full, or it must not get the line.
func (c *Client) sendLine(l captured) bool {
	m := l.m
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return false
	}
	if c.capturing {
		if l.recipient {
			size := lineSize(m)
			if !c.out.fits(c.capLines, c.capBytes, 1, size) {
				c.mu.Unlock()
				c.sendQueueFull()
				return false
			}
			c.capLines++
			c.capBytes += size
		}
		c.capture = append(c.capture, l)
		c.mu.Unlock()
		return true
	}
	out := c.prepareLocked(m)
	if out == nil {
		c.mu.Unlock()
		return false
	}
	// Queued with mu held: a client that starts leaving (end) after the
	// check above takes this line with the rest, or drops them all.
	n := c.push(out)
	c.mu.Unlock()
	if n == 0 {
		c.sendQueueFull()
		return false
	}
	return true
}

// prepareLocked copies m with only the tags the client negotiated; it returns
// nil when the client must not get m at all.
func (c *Client) prepareLocked(m *irc.Message) *irc.Message {
	if m.Command == "TAGMSG" && !c.caps.has(capMessageTags) {
		return nil
	}
	if m.Prefix != nil && c.allTagsAllowedLocked(m.Tags) {
		return m // lines are never changed once sent: share it
	}
	out := &irc.Message{Prefix: m.Prefix, Command: m.Command, Params: m.Params}
	if m.Prefix == nil {
		out.Prefix = c.srv.prefix
	}
	for k, v := range m.Tags {
		if !c.tagAllowedLocked(k) {
			continue
		}
		if out.Tags == nil {
			out.Tags = make(irc.Tags, len(m.Tags))
		}
		out.Tags[k] = v
	}
	return out
}

// allTagsAllowedLocked reports whether the client may get every tag of tags.
func (c *Client) allTagsAllowedLocked(tags irc.Tags) bool {
	for k := range tags {
		if !c.tagAllowedLocked(k) {
			return false
		}
	}
	return true
}

func (c *Client) tagAllowedLocked(k string) bool {
	switch k {
	case "time":
		return c.caps.has(capServerTime)
	case "batch":
		return c.caps.has(capBatch)
	case "label":
		return c.caps.has(capLabeledResponse)
	case "account":
		return c.caps.has(capAccountTag)
	case "bot":
		return c.caps.has(capMessageTags)
	}
	return c.caps.has(capMessageTags)
}

// reply sends a numeric or other answer from the server to this client.
func (c *Client) reply(cmd string, params ...string) { c.replyAs(false, cmd, params...) }

// replyAs is reply, sent as sendAs sends it: as a recipient or not.
func (c *Client) replyAs(recipient bool, cmd string, params ...string) {
	c.sendAs(&irc.Message{Prefix: c.srv.prefix, Command: cmd, Params: params}, recipient)
}

// numeric sends a numeric with the client's nick first.
func (c *Client) numeric(code string, params ...string) {
	c.reply(code, append([]string{c.Nick()}, params...)...)
}

// post queues fn to run on the client's reader goroutine and wakes it.
func (c *Client) post(fn func(context.Context)) {
	c.mu.Lock()
	c.pending = append(c.pending, fn)
	c.mu.Unlock()
	_ = c.conn.SetReadDeadline(time.Now())
}

// closed reports whether the connection is ending.
func (c *Client) closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

func (c *Client) hasPending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending) > 0
}

func (c *Client) runPending(ctx context.Context) {
	for {
		c.mu.Lock()
		fns := c.pending
		c.pending = nil
		c.mu.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, fn := range fns {
			hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handleTimeout)
			c.startCapture()
			fn(hctx)
			c.endCapture("")
			cancel()
		}
	}
}

// redactLine keeps secrets out of debug logs: credentials, and the text of
// a message the world's handler says carries a secret (SecretChecker). The
// text of a message before registration, which has no world to ask, is
// left out too.
func (c *Client) redactLine(m *irc.Message, line string) string {
	switch m.Command {
	case "PASS", "AUTHENTICATE", "OPER":
		return m.Command + " [redacted]"
	case "PRIVMSG", "NOTICE":
		w := c.currentWorld()
		secret := w == nil
		for _, target := range strings.Split(m.Param(0), ",") {
			secret = secret || w.secret(Message{Command: m.Command, Target: target, Text: m.Param(1)})
		}
		if secret {
			return m.Command + " " + m.Param(0) + " :[redacted]"
		}
	}
	return line
}
