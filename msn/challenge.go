package msn

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
)

// Product ids and keys used to answer CHL challenges.
const (
	chlIDLegacy  = "msmsgs@msnmsgr.com" // MSNP6-10
	chlKeyLegacy = "Q1P7W2E4J9R8U3S5"
	chlID11      = "PROD0090YUAUV{2B" // MSNP11-12 (MSN 7.0)
	chlKey11     = "YMM8C_H7KCQ2S_KL"
	chlID13      = "PROD01065C%ZFN6F" // MSNP13-14 (WLM 8.0)
	chlKey13     = "O4BG@C7BWLYQX?5G"
	chlID15      = "PROD0119GSJUC$18" // MSNP15 (WLM 8.5)
	chlKey15     = "ILTXC!4IXB5FB*PX"
	chlID18      = "PROD0120PW!CCV9@" // MSNP16-18 (WLM 2009)
	chlKey18     = "C1BX{V4W}Q3*10SM"
)

// md5Hex returns the lowercase hex MD5 of the concatenated strings.
func md5Hex(parts ...string) string {
	h := md5.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MD5LoginResponse returns the lowercase hex answer to "USR t MD5 S salt"
// (MSNP2-7): the MD5 of the salt followed by the password.
func MD5LoginResponse(salt, password string) string { return md5Hex(salt, password) }

// ChallengeResponse returns the product id this client answers "CHL 0
// challenge" with at protocol version v, and the 32-character answer.
func ChallengeResponse(v int, challenge string) (id, answer string) {
	switch {
	case v >= 16:
		return chlID18, MSNP11Challenge(challenge, chlID18, chlKey18)
	case v == 15:
		return chlID15, MSNP11Challenge(challenge, chlID15, chlKey15)
	case v >= 13:
		return chlID13, MSNP11Challenge(challenge, chlID13, chlKey13)
	case v >= 11:
		return chlID11, MSNP11Challenge(challenge, chlID11, chlKey11)
	}
	return chlIDLegacy, LegacyChallenge(challenge, chlKeyLegacy)
}

// LegacyChallenge returns the answer to a CHL challenge for a product key
// before MSNP11 (MSNP6-10): the lowercase hex MD5 of challenge and key.
func LegacyChallenge(challenge, productKey string) string {
	return md5Hex(challenge, productKey)
}

// MSNP11Challenge returns the answer to a CHL challenge for a product id and
// key with the algorithm of MSNP11 and later, as 32 lowercase hex digits.
func MSNP11Challenge(challenge, productID, productKey string) string {
	const m = 0x7FFFFFFF
	sum := md5.Sum([]byte(challenge + productKey))
	var h [4]uint32
	var k [4]uint64
	for i := range h {
		h[i] = binary.LittleEndian.Uint32(sum[i*4:])
		k[i] = uint64(h[i] & m)
	}
	s := []byte(challenge + productID)
	for len(s)%8 != 0 {
		s = append(s, '0')
	}
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
