package msn

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits on what the codec accepts and sends.
const (
	// MaxLineLength is the longest command line accepted, without its line end.
	MaxLineLength = 16 * 1024
	// MaxPayloadSize is the largest payload accepted after a payload command.
	MaxPayloadSize = 1 << 20
	// MaxSBMessagePayload is the largest MSG payload a switchboard accepts;
	// Escargot closes the connection on anything longer, so it relays
	// nothing longer, and the client reads nothing longer from one.
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

// ServerPayloads are the commands a server sends with a payload. ADL, RML
// and FQY (MSNP13+) carry one unless they are an "OK" answer.
var ServerPayloads = PayloadSet{"MSG": true, "IPG": true, "NOT": true, "UBX": true, "GCF": true,
	"ADL": true, "RML": true, "FQY": true, "UBN": true}

// ClientPayloads are the commands a client sends with a payload; Escargot's
// parser treats exactly these as payload commands.
var ClientPayloads = PayloadSet{"MSG": true, "QRY": true, "UUX": true, "NOT": true,
	"ADL": true, "FQY": true, "RML": true, "UUN": true, "UUM": true, "PUT": true,
	"DEL": true, "SDG": true, "VAS": true, "SDC": true}

// Reader reads MSNP commands: a line ended by CRLF or LF, then, for payload
// commands, exactly as many payload bytes as the last parameter says.
type Reader struct {
	br         *bufio.Reader
	payloads   PayloadSet
	maxPayload int // the largest payload accepted; MaxPayloadSize when 0
}

// readBuffer is the size of a Reader's buffer; longer lines are read in
// several pieces.
const readBuffer = 512

// NewReader returns a Reader that treats the commands in payloads as payload commands.
func NewReader(r io.Reader, payloads PayloadSet) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, readBuffer), payloads: payloads}
}

// ReadCommand reads the next command. Empty lines are an error (ErrEmptyLine)
// but leave the stream in sync, so the caller may continue. Lines longer than
// MaxLineLength and payloads larger than MaxPayloadSize (or the smaller
// limit of a switchboard's reader) are errors that leave the stream out of
// sync: the caller must close the connection.
func (r *Reader) ReadCommand() (*Command, error) {
	line, err := r.readLine()
	if err != nil {
		return nil, err
	}
	cmd, err := ParseLine(line)
	if err != nil {
		return nil, err
	}
	if r.payloads[cmd.Name] && !(cmd.Name == "QRY" && len(cmd.Params) < 3) && !(cmd.Name == "UUX" && len(cmd.Params) < 2) &&
		!((cmd.Name == "ADL" || cmd.Name == "RML") && cmd.Param(len(cmd.Params)-1) == "OK") {
		n, err := payloadLength(cmd)
		if err != nil {
			return nil, err
		}
		limit := r.maxPayload
		if limit == 0 {
			limit = MaxPayloadSize
		}
		if n > limit {
			return nil, fmt.Errorf("%w: %s announces %d bytes, at most %d", ErrPayloadTooLong, cmd.Name, n, limit)
		}
		cmd.Payload = make([]byte, n)
		if _, err := io.ReadFull(r.br, cmd.Payload); err != nil {
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
	var long []byte // the pieces of a line longer than the buffer
	for {
		piece, err := r.br.ReadSlice('\n')
		if len(long)+len(piece) > maxLineBytes {
			return "", ErrLineTooLong
		}
		switch {
		case err == nil:
			if long != nil {
				piece = append(long, piece...)
			}
			line := bytes.TrimRight(piece, "\r\n")
			if len(line) > MaxLineLength {
				return "", ErrLineTooLong
			}
			return string(line), nil
		case err == bufio.ErrBufferFull:
			long = append(long, piece...)
		case errors.Is(err, io.EOF) && (len(piece) > 0 || long != nil):
			return "", io.ErrUnexpectedEOF
		default:
			return "", err
		}
	}
}

// ParseLine splits one command line (without line end) into a Command.
// Runs of spaces or tabs separate parameters; leading and trailing white
// space is ignored, as real servers do.
//
// It counts the fields first, so that Params is made once, with room for
// the parameters only: a login parses a line per contact, and its garbage
// is made among the records that stay for the session.
func ParseLine(line string) (*Command, error) {
	n := 0
	for range strings.FieldsFuncSeq(line, isFieldSep) {
		n++
	}
	if n == 0 {
		return nil, ErrEmptyLine
	}
	cmd := &Command{}
	for f := range strings.FieldsFuncSeq(line, isFieldSep) {
		switch {
		case cmd.Name == "":
			if !validName(f) {
				return nil, fmt.Errorf("%w: %q", ErrBadCommand, truncate(line, 40))
			}
			cmd.Name = f
		case cmd.Params == nil:
			cmd.Params = make([]string, 0, n-1)
			fallthrough
		default:
			cmd.Params = append(cmd.Params, f)
		}
	}
	return cmd, nil
}

// isFieldSep reports whether r separates the fields of a line.
func isFieldSep(r rune) bool { return r == ' ' || r == '\t' || r == '\r' }

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
