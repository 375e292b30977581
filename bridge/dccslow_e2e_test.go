package bridge_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// A client that takes the DCC offer of a file slowly, acknowledging what
// it reads as DCC expects, still gets every byte: the file is not cut
// when the last bytes are still on their way to it.
func TestFileOfferedByDCCToASlowClient(t *testing.T) {
	data := fileData(2 << 20)
	_, _, f := offeredByDCC(t, "big.bin", data)
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", f[4]), waitTime)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(4 * waitTime))
	time.Sleep(2500 * time.Millisecond) // a client slow to start reading
	var got bytes.Buffer
	buf := make([]byte, 16<<10)
	var ack [4]byte
	for got.Len() < len(data) {
		n, err := conn.Read(buf)
		got.Write(buf[:n])
		if n > 0 {
			binary.BigEndian.PutUint32(ack[:], uint32(got.Len()))
			conn.Write(ack[:])
		}
		if err != nil {
			if !errors.Is(err, io.EOF) || got.Len() < len(data) {
				t.Fatalf("DCC: %v after %d of %d bytes", err, got.Len(), len(data))
			}
			break
		}
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("DCC: %d bytes, not the %d sent", got.Len(), len(data))
	}
}
