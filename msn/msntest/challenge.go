package msntest

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
)

// productKey is a client product id and the key it hashes challenges with.
type productKey struct {
	id, key    string
	minVersion int
	maxVersion int
	msnp11     bool // the MSNP11 algorithm instead of md5(challenge+key)
}

// productKeys are the ids a QRY may use, with the versions that accept them.
var productKeys = []productKey{
	{"msmsgs@msnmsgr.com", "Q1P7W2E4J9R8U3S5", 6, 10, false},
	{"PROD0038W!61ZTF9", "VT6PX?UQTM4WM%YR", 10, 10, false},
	{"PROD0090YUAUV{2B", "YMM8C_H7KCQ2S_KL", 11, 12, true},
	{"PROD0101{0RM?UBW", "CFHUR$52U_{VIX5T", 11, 12, true},
}

// expectedQRY returns the QRY payload the server accepts for challenge chl
// from product id at protocol version ver, and false when that id is not
// valid at that version.
func expectedQRY(ver int, id, chl string) (string, bool) {
	for _, p := range productKeys {
		if p.id != id || ver < p.minVersion || ver > p.maxVersion {
			continue
		}
		if p.msnp11 {
			return MSNP11Challenge(chl, p.id, p.key), true
		}
		sum := md5.Sum([]byte(chl + p.key))
		return hex.EncodeToString(sum[:]), true
	}
	return "", false
}

// MSNP11Challenge computes the answer to a CHL challenge with the MSNP11
// algorithm (MSNP11 and later) for a product id and key.
func MSNP11Challenge(challenge, productID, productKey string) string {
	sum := md5.Sum([]byte(challenge + productKey))
	var h [4]uint32
	var k [4]uint64
	for i := range h {
		h[i] = binary.LittleEndian.Uint32(sum[i*4:])
		k[i] = uint64(h[i] & 0x7FFFFFFF)
	}
	s := []byte(challenge + productID)
	for len(s)%8 != 0 {
		s = append(s, '0')
	}
	const m = 0x7FFFFFFF
	var high, low uint64
	for i := 0; i+8 <= len(s); i += 8 {
		w0 := uint64(binary.LittleEndian.Uint32(s[i:]))
		w1 := uint64(binary.LittleEndian.Uint32(s[i+4:]))
		t := (w0 * 0x0E79A9C1) % m
		t = (k[0]*(t+high) + k[1]) % m
		high = (w1 + t) % m
		high = (k[2]*high + k[3]) % m
		low += high + t
	}
	high = (high + k[1]) % m
	low = (low + k[3]) % m
	var out [16]byte
	binary.LittleEndian.PutUint32(out[0:], h[0]^uint32(high))
	binary.LittleEndian.PutUint32(out[4:], h[1]^uint32(low))
	binary.LittleEndian.PutUint32(out[8:], h[2]^uint32(high))
	binary.LittleEndian.PutUint32(out[12:], h[3]^uint32(low))
	return hex.EncodeToString(out[:])
}
