package msn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Limits on what the codec accepts and sends.
const (
	// MaxLineLength is the longest command line accepted, without its line end.
	MaxLineLength = 16 * 1024
	// MaxPayloadSize is the largest payload accepted after a payload command.
	MaxPayloadSize = 1 << 20
	// MaxSBMessagePayload is the largest MSG payload a switchboard accepts;
	// Escargot closes the connection on anything longer.
	MaxSBMessagePayload = 1664
)

// Codec errors.
var (
	ErrLineTooLong    = errors.New("msn: line too long")
	ErrPayloadTooLong = errors.New("msn: payload too large")
	ErrEmptyLine      = errors.New("msn: empty line")
	ErrBadPayloadSize = errors.New("msn: bad payload length")
	ErrBadCommand     = errors.New("msn: malformed command")
)

// Command is one MSNP command line, with its payload when the command carries one.
// Params never contain spaces, CR or LF.
type Command struct {
	Name    string
	Params  []string
	Payload []byte // nil for commands without a payload
}

// Param returns the i-th parameter, or "" when there are fewer.
func (c *Command) Param(i int) string {
	if i < 0 || i >= len(c.Params) {
		return ""
	}
	return c.Params[i]
}

// String renders the command line without its line end, for logs and errors.
// The payload is summarised by its length.
func (c *Command) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	for _, p := range c.Params {
		b.WriteByte(' ')
		b.WriteString(p)
	}
	return b.String()
}

// IsError reports whether the command is a numeric error reply (e.g. "911").
func (c *Command) IsError() bool {
	if len(c.Name) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c.Name[i] < '0' || c.Name[i] > '9' {
			return false
		}
	}
	return true
}

// PayloadSet says which command names carry a payload whose byte length is the
// last parameter. Servers and clients use different sets.
type PayloadSet map[string]bool

// ServerPayloads are the commands a server sends with a payload (MSNP2-12).
var ServerPayloads = PayloadSet{"MSG": true, "IPG": true, "NOT": true, "UBX": true, "GCF": true}

// ClientPayloads are the commands a client sends with a payload; Escargot's
// parser treats exactly these as payload commands.
var ClientPayloads = PayloadSet{"MSG": true, "QRY": true, "UUX": true, "NOT": true,
	"ADL": true, "FQY": true, "RML": true, "UUN": true, "UUM": true, "PUT": true,
	"DEL": true, "SDG": true, "VAS": true, "SDC": true}

// Reader reads MSNP commands: a line ended by CRLF or LF, then, for payload
// commands, exactly as many payload bytes as the last parameter says.
//
// It buffers what it reads in a small buffer of its own while the stream
// trickles, as an idle connection's does, and in a larger one, borrowed from
// a pool shared by every Reader, while reads keep filling the buffer (a
// burst); a line longer than that gets a buffer of its own until it has
// been read. So a connection waiting for its next line holds only the small
// buffer.
type Reader struct {
	rd       io.Reader
	payloads PayloadSet
	buf      []byte          // small[:], *pooled, or a grown buffer
	pooled   *[readBig]byte  // the pool's buffer buf is, when it is one
	r, w     int             // buf[r:w] has been read and not consumed
	scanned  int             // buf[r:r+scanned] has no line end
	full     bool            // the last read filled buf
	spare    *Command        // a command nothing refers to any more, to parse the next line into
	err      error           // a read error to return once buf[r:w] is used up
	small    [readSmall]byte // the buffer of a trickling stream
}

// The Reader's buffer sizes: its own, and the pool's.
const (
	readSmall = 512
	readBig   = 4096
)

// bigBuffers are the buffers of Readers in a burst.
var bigBuffers = sync.Pool{New: func() any { return new([readBig]byte) }}

// NewReader returns a Reader that treats the commands in payloads as payload commands.
func NewReader(r io.Reader, payloads PayloadSet) *Reader {
	rd := &Reader{rd: r, payloads: payloads}
	rd.buf = rd.small[:]
	return rd
}

// ReadCommand reads the next command. Empty lines are an error (ErrEmptyLine)
// but leave the stream in sync, so the caller may continue. Lines longer than
// MaxLineLength and payloads larger than MaxPayloadSize are errors that leave
// the stream out of sync: the caller must close the connection.
func (r *Reader) ReadCommand() (*Command, error) {
	line, err := r.readLine()
	if err != nil {
		return nil, err
	}
	cmd, err := parseLine(line, r.spare)
	if err != nil {
		return nil, err
	}
	if cmd == r.spare {
		r.spare = nil
	}
	if r.payloads[cmd.Name] && !(cmd.Name == "QRY" && len(cmd.Params) < 3) && !(cmd.Name == "UUX" && len(cmd.Params) < 2) {
		n, err := payloadLength(cmd)
		if err != nil {
			return nil, err
		}
		if n > MaxPayloadSize {
			return nil, fmt.Errorf("%w: %s announces %d bytes", ErrPayloadTooLong, cmd.Name, n)
		}
		cmd.Payload = make([]byte, n)
		if err := r.readFull(cmd.Payload); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("msn: reading %s payload: %w", cmd.Name, err)
		}
	}
	return cmd, nil
}

func payloadLength(cmd *Command) (int, error) {
	if len(cmd.Params) == 0 {
		return 0, fmt.Errorf("%w: %s without length", ErrBadPayloadSize, cmd.Name)
	}
	last := cmd.Params[len(cmd.Params)-1]
	n, err := strconv.Atoi(last)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s %q", ErrBadPayloadSize, cmd.Name, last)
	}
	return n, nil
}

// maxLineBytes is the most a line may take on the wire, its line end
// included.
const maxLineBytes = MaxLineLength + 2

// readLine returns the next line without its line end.
func (r *Reader) readLine() (string, error) {
	for {
		if i := bytes.IndexByte(r.buf[r.r+r.scanned:r.w], '\n'); i >= 0 {
			end := r.r + r.scanned + i + 1
			line := bytes.TrimRight(r.buf[r.r:end], "\r\n")
			r.r, r.scanned = end, 0
			if len(line) > MaxLineLength {
				return "", ErrLineTooLong
			}
			return string(line), nil
		}
		r.scanned = r.w - r.r
		if r.scanned >= maxLineBytes {
			r.r, r.scanned = r.w, 0
			return "", ErrLineTooLong
		}
		if err := r.fill(); err != nil {
			partial := r.w > r.r
			r.r, r.scanned = r.w, 0
			if errors.Is(err, io.EOF) && partial {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
	}
}

// readFull fills p with the bytes that follow.
func (r *Reader) readFull(p []byte) error {
	n := copy(p, r.buf[r.r:r.w])
	r.r += n
	for n < len(p) {
		if len(p)-n >= readBig && r.err == nil {
			// Large enough to read in place, as bufio does.
			m, err := r.rd.Read(p[n:])
			n += m
			if err != nil {
				if n == len(p) {
					r.err = err // for the next read, as bufio does
					return nil
				}
				return err
			}
			continue
		}
		if err := r.fill(); err != nil {
			return err
		}
		m := copy(p[n:], r.buf[r.r:r.w])
		r.r += m
		n += m
	}
	return nil
}

// fill reads more bytes after buf[r:w], which it first moves to the start
// of the buffer the stream needs now: the small one when the last read did
// not fill the buffer (the stream has caught up, so the next read is likely
// to wait), a pooled one when the last read filled the small one, and a
// larger one when buf holds nothing but the start of a line.
func (r *Reader) fill() error {
	if err := r.err; err != nil {
		r.err = nil
		return err
	}
	n := r.w - r.r
	var next []byte
	var pooled *[readBig]byte
	switch {
	case n == len(r.buf):
		if n < readBig {
			pooled = bigBuffers.Get().(*[readBig]byte)
			next = pooled[:]
		} else {
			next = make([]byte, min(2*n, maxLineBytes))
		}
	case !r.full && len(r.buf) != readSmall && n <= readSmall:
		next = r.small[:]
	case len(r.buf) > readBig && n <= readBig:
		pooled = bigBuffers.Get().(*[readBig]byte)
		next = pooled[:]
	case r.full && len(r.buf) == readSmall:
		pooled = bigBuffers.Get().(*[readBig]byte)
		next = pooled[:]
	}
	if next != nil {
		copy(next, r.buf[r.r:r.w])
		if r.pooled != nil {
			bigBuffers.Put(r.pooled)
		}
		r.buf, r.pooled = next, pooled
	} else if r.r > 0 {
		copy(r.buf, r.buf[r.r:r.w])
	}
	r.r, r.w = 0, n
	for range 100 {
		m, err := r.rd.Read(r.buf[r.w:])
		if m < 0 || m > len(r.buf)-r.w {
			return fmt.Errorf("msn: reader returned %d bytes for %d", m, len(r.buf)-r.w)
		}
		r.w += m
		if m > 0 {
			r.full = r.w == len(r.buf)
			r.err = err
			return nil
		}
		if err != nil {
			r.full = false
			return err
		}
	}
	return io.ErrNoProgress
}

// ParseLine splits one command line (without line end) into a Command.
// Runs of spaces or tabs separate parameters; leading and trailing white
// space is ignored, as real servers do.
func ParseLine(line string) (*Command, error) { return parseLine(line, nil) }

// recycle lets the Reader parse a later line into cmd, one it read, which
// nothing refers to any more (nor to its Params).
func (r *Reader) recycle(cmd *Command) {
	clear(cmd.Params[:cap(cmd.Params)])
	*cmd = Command{Params: cmd.Params[:0]}
	r.spare = cmd
}

// parseLine is ParseLine, parsing into spare, when not nil, if its Params
// have room.
func parseLine(line string, spare *Command) (*Command, error) {
	n := countFields(line)
	if n == 0 {
		return nil, ErrEmptyLine
	}
	i := 0
	for isFieldSep(line[i]) {
		i++
	}
	j := i
	for j < len(line) && !isFieldSep(line[j]) {
		j++
	}
	name := line[i:j]
	if !validName(name) {
		return nil, fmt.Errorf("%w: %q", ErrBadCommand, truncate(line, 40))
	}
	// The command and its parameters in one allocation: a line is parsed
	// for every command read.
	var cmd *Command
	switch params := n - 1; {
	case params == 0:
		return &Command{Name: name}, nil
	case spare != nil && params <= cap(spare.Params):
		cmd = spare
	case params <= 2:
		c := new(commandWith2)
		c.Params = c.params[:0:params]
		cmd = &c.Command
	case params <= 4:
		c := new(commandWith4)
		c.Params = c.params[:0:params]
		cmd = &c.Command
	case params <= 6:
		c := new(commandWith6)
		c.Params = c.params[:0:params]
		cmd = &c.Command
	case params <= 8:
		c := new(commandWith8)
		c.Params = c.params[:0:params]
		cmd = &c.Command
	default:
		cmd = &Command{Params: make([]string, 0, params)}
	}
	cmd.Name = name
	cmd.Params = appendFields(cmd.Params, line[j:])
	return cmd, nil
}

// Commands with room for their parameters.
type (
	commandWith2 struct {
		Command
		params [2]string
	}
	commandWith4 struct {
		Command
		params [4]string
	}
	commandWith6 struct {
		Command
		params [6]string
	}
	commandWith8 struct {
		Command
		params [8]string
	}
)

// isFieldSep reports whether c separates the fields of a line.
func isFieldSep(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// countFields returns how many fields splitFields finds in s.
func countFields(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isFieldSep(s[i]) && (i == 0 || isFieldSep(s[i-1])) {
			n++
		}
	}
	return n
}

// splitFields splits a line at runs of spaces, tabs and CRs, into a slice
// of exactly the right size.
func splitFields(s string) []string {
	n := countFields(s)
	if n == 0 {
		return nil
	}
	return appendFields(make([]string, 0, n), s)
}

// appendFields appends the fields of s to out.
func appendFields(out []string, s string) []string {
	start := -1
	for i := 0; i < len(s); i++ {
		switch {
		case isFieldSep(s[i]) && start >= 0:
			out = append(out, s[start:i])
			start = -1
		case !isFieldSep(s[i]) && start < 0:
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// validName reports whether name is a command name: three upper-case
// letters or digits.
func validName(name string) bool {
	if len(name) != 3 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// AppendCommand appends the wire form of cmd to dst. When cmd has a payload
// (non-nil), its byte length is appended as the last parameter and the
// payload follows the CRLF. It refuses commands that would corrupt framing:
// empty names, parameters with white space or control characters, and empty
// parameters (which would produce double spaces).
func AppendCommand(dst []byte, cmd *Command) ([]byte, error) {
	return appendCommand(dst, cmd.Name, 0, cmd.Params, cmd.Payload)
}

// appendCommand is AppendCommand for the command name with params,
// preceded by the TrID trid unless it is 0, and payload unless it is nil.
func appendCommand(dst []byte, name string, trid uint32, params []string, payload []byte) ([]byte, error) {
	if !validName(name) {
		return dst, fmt.Errorf("%w: name %q", ErrBadCommand, name)
	}
	dst = append(dst, name...)
	if trid != 0 {
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, uint64(trid), 10)
	}
	for _, p := range params {
		if p == "" {
			return dst, fmt.Errorf("%w: %s has an empty parameter", ErrBadCommand, name)
		}
		for i := 0; i < len(p); i++ {
			if p[i] <= ' ' || p[i] == 0x7f {
				return dst, fmt.Errorf("%w: %s parameter %q has white space or a control character", ErrBadCommand, name, truncate(p, 40))
			}
		}
		dst = append(dst, ' ')
		dst = append(dst, p...)
	}
	if payload != nil {
		if len(payload) > MaxPayloadSize {
			return dst, fmt.Errorf("%w: %d bytes", ErrPayloadTooLong, len(payload))
		}
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(len(payload)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, payload...)
		return dst, nil
	}
	return append(dst, '\r', '\n'), nil
}
