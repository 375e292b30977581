package ircd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gopkg.in/irc.v4"
)

// Line limits (message-tags "Size limit"): 512 bytes of message including
// CRLF, plus 4096 bytes of tags including the leading '@' and the space.
const (
	maxBodyLen = 512
	maxTagsLen = 4096
	maxLineLen = maxTagsLen + maxBodyLen
)

// Client is one connection attached to a world.
type Client struct {
	id     uint64
	srv    *Server
	conn   net.Conn
	remote string
	host   string
	lineAt time.Time        // when the line being handled was read (by its read loop); zero before
	msgCtx *lazyDeadlineCtx // the context of the last Handler.Message call (messageCtx)

	out        chan *irc.Message // made with the writer (startWriter); never closed
	w          writer
	done       chan struct{} // closed when the connection is to end
	writerDone chan struct{}
	closeOnce  sync.Once
	cancel     context.CancelFunc

	mu         sync.Mutex
	nick       string // "*" before NICK
	caps       capBitSet
	capVersion int32
	world      *World
	monitor    map[string]string // casefolded nick -> nick as given; nil when empty
	account    string
	closing    bool
	flush      bool   // write queued lines before closing
	errorText  string // text of the final ERROR, "" for none
	capture    []*irc.Message
	capturing  bool
	batchSeq   uint64
	pending    []func(context.Context)

	// Reader goroutine only.
	reg        *registration // nil once registered
	registered bool
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
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
		nick:       "*",
		reg:        new(registration),
	}
	c.initWriter()
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

// Source is the IP address the client connected from, IPv4-mapped IPv6
// addresses unmapped; the zero Addr when the connection has none (a pipe).
func (c *Client) Source() netip.Addr {
	ap, err := netip.ParseAddrPort(c.remote)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

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
	func() {
		defer c.srv.recoverConn(c)
		c.readLoop(ctx)
	}()
	c.abort("")
	c.runPending(ctx) // callbacks queued by Transfer, to keep Attached/Detached paired
	w := c.currentWorld()
	if w != nil {
		w.detach(c) // before the last lines are flushed: the world stops counting it now
	}
	c.startWriter() // it writes what is queued and the final ERROR, then closes
	<-c.writerDone
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
		c.mu.Unlock()
		close(c.done)
		if c.cancel != nil {
			c.cancel()
		}
		c.startWriter() // it writes the last lines and closes the connection
	})
}

// send queues m for the client, filtering tags and commands by its caps. It
// never blocks: a full queue disconnects the client.
func (c *Client) send(m *irc.Message) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if c.capturing {
		c.capture = append(c.capture, m)
		c.mu.Unlock()
		return
	}
	out := c.prepareLocked(m)
	c.mu.Unlock()
	if out == nil {
		return
	}
	c.enqueue(out)
}

// sendDirect is send without labeled-response capture: for lines the client
// gets as a recipient rather than as a reply.
func (c *Client) sendDirect(m *irc.Message) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	out := c.prepareLocked(m)
	c.mu.Unlock()
	if out != nil {
		c.enqueue(out)
	}
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
func (c *Client) reply(cmd string, params ...string) {
	c.send(&irc.Message{Prefix: c.srv.prefix, Command: cmd, Params: params})
}

// numeric sends a numeric with the client's nick first.
func (c *Client) numeric(code string, params ...string) {
	c.reply(code, append([]string{c.Nick()}, params...)...)
}

// startCapture collects everything sent to the client while one labeled
// command runs.
func (c *Client) startCapture() {
	c.mu.Lock()
	c.capturing = true
	c.capture = nil
	c.mu.Unlock()
}

// endCapture sends the captured lines with the label: ACK when there were
// none, the label on the line when there was one, a labeled-response batch
// otherwise.
func (c *Client) endCapture(label string) {
	c.mu.Lock()
	msgs := c.capture
	c.capturing = false
	c.capture = nil
	batch := c.caps.has(capBatch)
	if c.closing {
		c.mu.Unlock()
		return
	}
	var out []*irc.Message
	switch {
	case len(msgs) == 0:
		out = append(out, &irc.Message{Tags: irc.Tags{"label": label}, Prefix: c.srv.prefix, Command: "ACK"})
	case len(msgs) == 1:
		m := msgs[0].Copy()
		m.Tags["label"] = label
		out = append(out, m)
	case batch:
		c.batchSeq++
		ref := "lr" + strconv.FormatUint(c.batchSeq, 10)
		out = append(out, &irc.Message{Tags: irc.Tags{"label": label}, Prefix: c.srv.prefix, Command: "BATCH", Params: []string{"+" + ref, "labeled-response"}})
		for _, m := range msgs {
			m = m.Copy()
			m.Tags["batch"] = ref
			out = append(out, m)
		}
		out = append(out, &irc.Message{Prefix: c.srv.prefix, Command: "BATCH", Params: []string{"-" + ref}})
	default:
		out = msgs
	}
	prepared := make([]*irc.Message, 0, len(out))
	for _, m := range out {
		if p := c.prepareLocked(m); p != nil {
			prepared = append(prepared, p)
		}
	}
	c.mu.Unlock()
	for _, m := range prepared {
		c.enqueue(m)
	}
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
			fn(hctx)
			cancel()
		}
	}
}

// encodeLine serialises m, repairing parameters that would corrupt the line,
// as appendEncoded does: tags that cannot be sent are left out, and a body
// over 512 bytes is cut (fitBody).
func encodeLine(m *irc.Message) string {
	var tags irc.Tags
	for k, v := range m.Tags {
		if sendableTag(k, v) {
			if tags == nil {
				tags = make(irc.Tags, len(m.Tags))
			}
			tags[k] = v
		}
	}
	cp := *m
	cp.Tags = nil
	m = &cp
	if len(m.Params) > 0 {
		params := make([]string, len(m.Params))
		last := len(params) - 1
		for i, p := range m.Params {
			if i == last {
				params[i] = cleanText(p)
			} else {
				params[i] = cleanWord(p)
			}
		}
		cp := *m
		cp.Params = params
		m = &cp
	}
	if m.Prefix != nil {
		p := *m.Prefix
		p.Name, p.User, p.Host = cleanPrefixPart(p.Name), cleanPrefixPart(p.User), cleanPrefixPart(p.Host)
		cp := *m
		cp.Prefix = &p
		m = &cp
	}
	if len(m.String())+2 > maxBodyLen {
		cp := *m
		cp.Params = fitBody(m).Params
		m = &cp
	}
	cp2 := *m
	cp2.Tags = tags
	return cp2.String()
}

// appendEncoded appends the line encodeLine gives for m, without its
// CRLF, to dst, without building the line as a string first. This is
// where every line to a client is made: it leaves out tags that cannot be
// sent (sendableTag) and keeps the body, CRLF included, within 512 bytes.
func appendEncoded(dst []byte, m *irc.Message) []byte {
	dst = appendTags(dst, m.Tags)
	start := len(dst)
	dst = appendBody(dst, m)
	if len(dst)-start+2 > maxBodyLen {
		dst = appendBody(dst[:start], fitBody(m))
	}
	return dst
}

// sendableTag reports whether a tag may go on a line: a well-formed key and
// a value without control characters.
func sendableTag(k, v string) bool {
	return validTagKey(k) && validTagValue(v)
}

// appendTags appends "@tags " for the sendable tags of tags, nothing when
// there are none.
func appendTags(dst []byte, tags irc.Tags) []byte {
	n := 0
	for k, v := range tags {
		if !sendableTag(k, v) {
			continue
		}
		if n == 0 {
			dst = append(dst, '@')
		} else {
			dst = append(dst, ';')
		}
		n++
		dst = append(dst, k...)
		if v != "" {
			dst = append(dst, '=')
			dst = append(dst, irc.EncodeTagValue(v)...)
		}
	}
	if n > 0 {
		dst = append(dst, ' ')
	}
	return dst
}

// fitBody returns a copy of m whose parameters are cleaned and cut so that
// its line, without tags and with its CRLF, fits maxBodyLen: the last
// (free-text) parameter is cut at a UTF-8 boundary; a middle parameter only
// when the others alone are too long. Callers split long texts where they
// build them; this is the backstop.
func fitBody(m *irc.Message) *irc.Message {
	cp := *m
	n := len(m.Params)
	if n == 0 {
		return &cp
	}
	params := make([]string, n)
	for i, p := range m.Params[:n-1] {
		params[i] = cleanWord(p)
	}
	cp.Params = params
	for {
		params[n-1] = "x"
		head := len(appendBody(nil, &cp)) - 1 // up to the space before the text
		room := maxBodyLen - 2 - head - 1     // the text, after its ':'
		if room >= 0 {
			params[n-1] = truncate(cleanText(m.Params[n-1]), room)
			return &cp
		}
		longest := -1
		for i, p := range params[:n-1] {
			if len(p) > 1 && (longest < 0 || len(p) > len(params[longest])) {
				longest = i
			}
		}
		if longest < 0 {
			params[n-1] = ""
			return &cp // the prefix and command alone are too long
		}
		params[longest] = cleanWord(truncate(params[longest], len(params[longest])/2))
	}
}

// appendBody appends m's prefix, command and parameters.
func appendBody(dst []byte, m *irc.Message) []byte {
	if p := m.Prefix; p != nil && p.Name != "" {
		dst = append(dst, ':')
		dst = appendPrefixPart(dst, p.Name)
		if p.User != "" {
			dst = append(dst, '!')
			dst = appendPrefixPart(dst, p.User)
		}
		if p.Host != "" {
			dst = append(dst, '@')
			dst = appendPrefixPart(dst, p.Host)
		}
		dst = append(dst, ' ')
	}
	dst = append(dst, m.Command...)
	if n := len(m.Params); n > 0 {
		for _, p := range m.Params[:n-1] {
			dst = append(dst, ' ')
			dst = append(dst, cleanWord(p)...)
		}
		t := cleanText(m.Params[n-1])
		if t == "" || t[0] == ':' || strings.IndexByte(t, ' ') >= 0 {
			dst = append(dst, " :"...)
		} else {
			dst = append(dst, ' ')
		}
		dst = append(dst, t...)
	}
	return dst
}

// appendPrefixPart appends cleanPrefixPart(s), copying s when it is plain.
func appendPrefixPart(dst []byte, s string) []byte {
	if plainWord(s, true) || s != "" && s[0] == ':' && plainWord(s[1:], true) {
		return append(dst, s...)
	}
	return append(dst, cleanPrefixPart(s)...)
}

func cleanPrefixPart(s string) string {
	if s == "" {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isLineBreak(r) || r == ' ' || r == '!' || r == '@' {
			return '_'
		}
		return r
	}, s)
}

// lineReader reads CRLF- or LF-terminated lines of bounded length. Its
// buffer starts small, as most clients send a line now and then, and grows
// up to maxReadBuf for long lines and for bursts that fill it. On a TCP
// connection (raw set) it holds no buffer while it waits for a client that
// has nothing half-sent: an idle client costs none.
type lineReader struct {
	conn       net.Conn
	raw        syscall.RawConn // nil: read through conn, keeping the buffer
	buf        []byte          // nil while waiting with nothing buffered
	start, end int
	discarding bool
	reads      uint64 // reads that returned bytes
}

// readBufs holds the small buffers of readers that are waiting.
var readBufs = sync.Pool{New: func() any { b := make([]byte, minReadBuf); return &b }}

// newLineReader reads conn, waiting without a buffer when conn is TCP.
func newLineReader(conn net.Conn) *lineReader {
	r := &lineReader{conn: conn}
	if tc, ok := conn.(*net.TCPConn); ok {
		if raw, err := tc.SyscallConn(); err == nil {
			r.raw = raw
		}
	}
	return r
}

// takeBuf gives the reader a small buffer when it has none.
func (r *lineReader) takeBuf() {
	if r.buf == nil {
		r.buf = *readBufs.Get().(*[]byte)
	}
}

// read reads into the free end of the buffer. On TCP, while the socket has
// nothing to read and nothing is buffered, the buffer goes back to the pool
// until there is.
func (r *lineReader) read() (int, error) {
	if r.raw == nil {
		return r.conn.Read(r.buf[r.end:])
	}
	var n int
	var rerr error
	err := r.raw.Read(func(fd uintptr) bool {
		r.takeBuf()
		for {
			k, e := syscall.Read(int(fd), r.buf[r.end:])
			switch {
			case e == syscall.EINTR:
				continue
			case e == syscall.EAGAIN:
				if r.end == 0 {
					if len(r.buf) == minReadBuf {
						b := r.buf
						readBufs.Put(&b)
					}
					r.buf = nil // the next read takes a small one
				}
				return false // wait until the socket is readable
			case e != nil:
				rerr = e
			case k == 0:
				rerr = io.EOF
			default:
				n = k
			}
			return true
		}
	})
	if err != nil {
		return 0, err
	}
	return n, rerr
}

const (
	minReadBuf = 1024
	maxReadBuf = maxLineLen + 1024
)

var errLineTooLong = errors.New("ircd: line too long")

// grow doubles the buffer, up to maxReadBuf.
func (r *lineReader) grow() {
	nb := make([]byte, min(2*len(r.buf), maxReadBuf))
	copy(nb, r.buf[r.start:r.end])
	r.buf, r.end, r.start = nb, r.end-r.start, 0
}

// readLine returns the next line without its terminator. A line longer than
// maxLineLen returns errLineTooLong once and is skipped up to its end.
func (r *lineReader) readLine() ([]byte, error) {
	for {
		if i := bytes.IndexByte(r.buf[r.start:r.end], '\n'); i >= 0 {
			line := r.buf[r.start : r.start+i]
			r.start += i + 1
			if r.discarding {
				r.discarding = false
				continue
			}
			line = bytes.TrimSuffix(line, []byte{'\r'})
			return line, nil
		}
		if r.discarding {
			r.start, r.end = 0, 0
		} else if r.end-r.start > maxLineLen {
			r.discarding = true
			r.start, r.end = 0, 0
			return nil, errLineTooLong
		}
		if r.start > 0 {
			n := copy(r.buf, r.buf[r.start:r.end])
			r.start, r.end = 0, n
		}
		r.takeBuf()
		if r.end == len(r.buf) && len(r.buf) < maxReadBuf {
			r.grow() // a long line
		}
		n, err := r.read()
		if n > 0 {
			r.reads++
		}
		if n > 0 && r.end+n == len(r.buf) && len(r.buf) < maxReadBuf {
			defer r.grow() // a burst: read more at a time from now on
		}
		r.end += n
		if err != nil && n == 0 {
			return nil, err
		}
	}
}

// readLoop reads and handles lines until the connection ends.
func (c *Client) readLoop(ctx context.Context) {
	cfg := &c.srv.cfg
	r := newLineReader(c.conn)
	regDeadline := time.Now().Add(cfg.RegistrationTimeout)
	lastActive := time.Now()
	var readsSeen uint64 // r.reads when lastActive was read
	pinged := false
	debug := c.srv.log.Enabled(ctx, slog.LevelDebug)
	var armed time.Time // the read deadline set last; zero when unknown
	for {
		var deadline time.Time
		switch {
		case !c.registered:
			deadline = regDeadline
		case pinged:
			deadline = lastActive.Add(cfg.PingInterval + cfg.PingTimeout)
		default:
			deadline = lastActive.Add(cfg.PingInterval)
		}
		// Moving the deadline costs a timer update; a line every few
		// microseconds moves it by that much. An armed deadline a little
		// early is harmless: it wakes the loop, which sets it again.
		if armed.IsZero() || deadline.Before(armed) || deadline.Sub(armed) > time.Second {
			if err := c.conn.SetReadDeadline(deadline); err != nil {
				return
			}
			armed = deadline
		}
		if c.hasPending() {
			c.runPending(ctx)
			continue
		}
		line, err := r.readLine()
		select {
		case <-c.done:
			return
		default:
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			armed = time.Time{} // post may have moved it
			if c.hasPending() {
				continue
			}
			if time.Now().Before(deadline) {
				continue // woken by post, nothing left to do
			}
			switch {
			case !c.registered:
				c.quit("Connection registration timed out")
				return
			case !pinged:
				pinged = true
				c.reply("PING", c.srv.cfg.ServerName)
				continue
			default:
				c.quit("Ping timeout")
				return
			}
		}
		if errors.Is(err, errLineTooLong) {
			c.numeric(errInputTooLong, "Input line was too long")
			continue
		}
		if err != nil {
			return
		}
		if r.reads != readsSeen {
			// A line read along with the one before is as recent.
			readsSeen = r.reads
			lastActive = time.Now()
		}
		c.lineAt = lastActive
		pinged = false
		if len(line) == 0 {
			continue
		}
		if !lineFits(line) {
			c.numeric(errInputTooLong, "Input line was too long")
			continue
		}
		msg, perr := parseLine(string(line))
		if perr != nil {
			continue
		}
		if debug {
			c.logAt(slog.LevelDebug, "recv", slog.String("line", c.redactLine(msg, string(line))))
		}
		c.cork() // the replies to one line go out in one write
		c.handleLine(ctx, msg)
		c.uncork()
		select {
		case <-c.done:
			return
		default:
		}
	}
}

// lineFits checks the tag and body budgets of one line (without CRLF).
func lineFits(line []byte) bool {
	body := line
	if len(line) > 0 && line[0] == '@' {
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 {
			return len(line) <= maxTagsLen
		}
		if sp+1 > maxTagsLen {
			return false
		}
		body = bytes.TrimLeft(line[sp+1:], " ")
	}
	return len(body)+2 <= maxBodyLen
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
