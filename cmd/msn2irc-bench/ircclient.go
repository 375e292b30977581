package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"gopkg.in/irc.v4"
)

// contactsChannel is the channel in which the bridge lists the contacts.
const contactsChannel = "&msn"

// serviceNick is the bridge's service user, a member of the contacts channel.
const serviceNick = "msn"

// ircClient is a minimal raw IRC client: one reader goroutine parses lines,
// answers PING, and hands every other message to the current watch function.
// It does not use internal/irctest on purpose: the watch function runs on
// the reader goroutine and takes the arrival time there, and messages
// nobody watches are dropped, whereas irctest queues every message for
// another goroutine, whose wake-up would be counted in each measured round
// trip.
type ircClient struct {
	conn net.Conn
	wmu  sync.Mutex
	bw   *bufio.Writer

	mu     sync.Mutex
	watch  func(m *irc.Message, at time.Time)
	raw    func(line []byte) bool // sees each line before it is parsed; true consumes it
	nick   string
	voiced map[string]bool // contacts shown online (+v) in the contacts channel, by lower-case nick
	voiceC chan struct{}   // signalled when voiced changes

	done chan struct{}
	err  error // set before done is closed
}

func dialIRC(ctx context.Context, addr string) (*ircClient, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("irc: %w", err)
	}
	c := &ircClient{conn: conn, bw: bufio.NewWriterSize(conn, 16*1024), done: make(chan struct{}),
		voiced: map[string]bool{}, voiceC: make(chan struct{}, 1)}
	go c.read()
	return c, nil
}

func (c *ircClient) read() {
	defer close(c.done)
	br := bufio.NewReaderSize(c.conn, 16*1024)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				// Longer than any valid IRC line: skip the rest of it.
				for errors.Is(err, bufio.ErrBufferFull) {
					_, err = br.ReadSlice('\n')
				}
				continue
			}
			c.err = err
			return
		}
		at := time.Now()
		c.mu.Lock()
		raw := c.raw
		c.mu.Unlock()
		if raw != nil && raw(line) {
			continue
		}
		m, perr := irc.ParseMessage(string(line))
		if perr != nil {
			continue
		}
		if m.Command == "PING" {
			_ = c.send("PONG :" + m.Trailing())
			continue
		}
		c.mu.Lock()
		c.trackVoice(m)
		w := c.watch
		c.mu.Unlock()
		if w != nil {
			w(m, at)
		}
	}
}

// trackVoice follows who is voiced in the contacts channel; c.mu is held.
func (c *ircClient) trackVoice(m *irc.Message) {
	changed := false
	switch m.Command {
	case irc.RPL_NAMREPLY:
		// No nick holds a '+': a line without one voices nobody.
		if strings.EqualFold(m.Param(2), contactsChannel) && strings.IndexByte(m.Trailing(), '+') >= 0 {
			eachName(m.Trailing(), func(prefixes, nick string) {
				if strings.IndexByte(prefixes, '+') >= 0 {
					c.voiced[strings.ToLower(nick)] = true
					changed = true
				}
			})
		}
	case "MODE":
		// MODE &msn +v nick, possibly several: +vv a b, -v c.
		if !strings.EqualFold(m.Param(0), contactsChannel) {
			return
		}
		add, arg := true, 2
		for _, ch := range m.Param(1) {
			switch ch {
			case '+':
				add = true
			case '-':
				add = false
			case 'v':
				c.voiced[strings.ToLower(m.Param(arg))] = add
				arg++
				changed = true
			default:
				arg++ // o and other modes with an argument
			}
		}
	}
	if changed {
		select {
		case c.voiceC <- struct{}{}:
		default:
		}
	}
}

// waitOnline waits until nick is voiced in the contacts channel (online).
func (c *ircClient) waitOnline(ctx context.Context, nick string) error {
	for {
		c.mu.Lock()
		ok := c.voiced[strings.ToLower(nick)]
		c.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-c.voiceC:
		case <-c.done:
			return fmt.Errorf("irc: connection closed waiting for %s to be online: %v", nick, c.err)
		case <-ctx.Done():
			return fmt.Errorf("irc: waiting for %s to be online: %w", nick, ctx.Err())
		}
	}
}

// setWatch installs the function that sees every message (on the reader
// goroutine); nil discards messages.
func (c *ircClient) setWatch(w func(m *irc.Message, at time.Time)) {
	c.mu.Lock()
	c.watch = w
	c.mu.Unlock()
}

// setRaw installs the function that sees every line before it is parsed
// (on the reader goroutine), nil for none: a line it reports true for is
// neither parsed nor watched.
func (c *ircClient) setRaw(raw func(line []byte) bool) {
	c.mu.Lock()
	c.raw = raw
	c.mu.Unlock()
}

// Nick returns the nick the server welcomed the client with.
func (c *ircClient) Nick() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nick
}

// send writes lines (without line ends) and flushes them in one go.
func (c *ircClient) send(lines ...string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	for _, l := range lines {
		c.bw.WriteString(l)
		c.bw.WriteString("\r\n")
	}
	return c.bw.Flush()
}

// Close sends QUIT, closes the connection and waits for the reader.
func (c *ircClient) Close() error {
	_ = c.send("QUIT :bench done")
	// Give the server a moment to see the QUIT before the close.
	_ = c.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
	}
	err := c.conn.Close()
	<-c.done
	return err
}

// register logs in with PASS account:password and waits until the contacts
// channel lists at least contacts contacts (366 seen, plus any JOINs after
// it). It returns the time from sending the registration to reading the
// line that completed the list, and the members seen. Names are only
// collected while the clock runs; they are checked for duplicates after.
func (c *ircClient) register(ctx context.Context, account, password, nick string, contacts int) (time.Duration, map[string]bool, error) {
	type state struct {
		welcomed  bool
		namesDone bool
		names     []string // members as listed, possibly repeated
		count     int      // entries of names other than the user and the service
		nick      string
		at        time.Time // when the line that completed the list was read
	}
	st := &state{names: make([]string, 0, contacts+2), nick: nick}
	ready := make(chan error, 1)
	signal := func(err error) {
		select {
		case ready <- err:
		default:
		}
	}
	var stMu sync.Mutex
	// isContact tells a contact's name from the user's and the service's.
	isContact := func(name string) bool {
		return !sameName(name, st.nick) && !sameName(name, serviceNick)
	}
	add := func(name string) {
		st.names = append(st.names, name)
		if isContact(name) {
			st.count++
		}
	}
	c.setWatch(func(m *irc.Message, at time.Time) {
		stMu.Lock()
		defer stMu.Unlock()
		switch m.Command {
		case irc.RPL_WELCOME:
			st.welcomed = true
			st.nick = m.Param(0)
			c.mu.Lock()
			c.nick = st.nick
			c.mu.Unlock()
		case irc.ERR_NICKNAMEINUSE, irc.ERR_ERRONEUSNICKNAME:
			if !st.welcomed {
				st.nick += "_"
				_ = c.send("NICK " + st.nick)
			}
		case irc.ERR_PASSWDMISMATCH, irc.ERR_SASLFAIL, "ERROR":
			signal(fmt.Errorf("irc: login refused: %s %s", m.Command, m.Trailing()))
			return
		case "JOIN":
			if strings.EqualFold(m.Param(0), contactsChannel) && m.Prefix != nil {
				add(m.Prefix.Name)
			}
		case "PART", "KICK":
			// Not expected while logging in; ignore.
		case irc.RPL_NAMREPLY:
			if strings.EqualFold(m.Param(2), contactsChannel) {
				eachName(m.Trailing(), func(_, nick string) { add(nick) })
			}
		case irc.RPL_ENDOFNAMES:
			if strings.EqualFold(m.Param(1), contactsChannel) {
				st.namesDone = true
			}
		default:
			return
		}
		if st.namesDone && st.count >= contacts && st.at.IsZero() {
			st.at = at
			signal(nil)
		}
	})
	start := time.Now()
	if err := c.send("PASS "+account+":"+password, "NICK "+nick, "USER "+nick+" 0 * :msn2irc bench"); err != nil {
		return 0, nil, fmt.Errorf("irc: registering: %w", err)
	}
	select {
	case err := <-ready:
		c.setWatch(nil)
		if err != nil {
			return 0, nil, err
		}
		stMu.Lock()
		defer stMu.Unlock()
		members := make(map[string]bool, len(st.names))
		n := 0
		for _, name := range st.names {
			if members[name] {
				continue
			}
			members[name] = true
			if isContact(name) {
				n++
			}
		}
		if n < contacts {
			return 0, nil, fmt.Errorf("irc: logging in %s: %s lists %d names but only %d distinct contacts of %d", account, contactsChannel, len(st.names), n, contacts)
		}
		return st.at.Sub(start), members, nil
	case <-c.done:
		c.setWatch(nil)
		return 0, nil, fmt.Errorf("irc: connection closed while logging in %s: %v", account, c.err)
	case <-ctx.Done():
		c.setWatch(nil)
		stMu.Lock()
		n, done, welcomed := st.count, st.namesDone, st.welcomed
		stMu.Unlock()
		return 0, nil, fmt.Errorf("irc: logging in %s: %w (welcomed=%v names_done=%v contacts=%d of %d)", account, ctx.Err(), welcomed, done, n, contacts)
	}
}

// findNick returns the nick the bridge gave the contact with this passport,
// asking WHO on the contacts channel when the local part is not a member.
func (c *ircClient) findNick(ctx context.Context, passport string, members map[string]bool) (string, error) {
	local, domain, _ := strings.Cut(passport, "@")
	for m := range members {
		if strings.EqualFold(m, local) {
			return m, nil
		}
	}
	found := make(chan string, 1)
	end := make(chan struct{}, 1)
	c.setWatch(func(m *irc.Message, at time.Time) {
		switch m.Command {
		case irc.RPL_WHOREPLY: // me channel user host server nick flags :hops realname
			if strings.EqualFold(m.Param(2), local) && strings.EqualFold(m.Param(3), domain) {
				select {
				case found <- m.Param(5):
				default:
				}
			}
		case irc.RPL_ENDOFWHO:
			select {
			case end <- struct{}{}:
			default:
			}
		}
	})
	defer c.setWatch(nil)
	if err := c.send("WHO " + contactsChannel); err != nil {
		return "", err
	}
	select {
	case n := <-found:
		return n, nil
	case <-end:
		select {
		case n := <-found:
			return n, nil
		default:
		}
		return "", fmt.Errorf("irc: no contact %s in %s", passport, contactsChannel)
	case <-ctx.Done():
		return "", fmt.Errorf("irc: looking up %s: %w", passport, ctx.Err())
	}
}

// eachName calls f with each entry of a NAMES reply's list: its prefixes
// (~&@%+) and its nick. The clock runs while a login's NAMES are read, so
// this does no more than it must.
func eachName(list string, f func(prefixes, nick string)) {
	for len(list) > 0 {
		end := strings.IndexByte(list, ' ')
		if end < 0 {
			end = len(list)
		}
		if entry := list[:end]; entry != "" {
			i := 0
			for i < len(entry) && strings.IndexByte("~&@%+", entry[i]) >= 0 {
				i++
			}
			f(entry[:i], entry[i:])
		}
		if end == len(list) {
			return
		}
		list = list[end+1:]
	}
}

// sameName compares nicks as IRC does, ignoring ASCII case.
func sameName(a, b string) bool {
	return len(a) == len(b) && strings.EqualFold(a, b)
}
