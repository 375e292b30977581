package msntest

import "github.com/msn2irc/msn2irc/msn"

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
	{"PROD01065C%ZFN6F", "O4BG@C7BWLYQX?5G", 13, 14, true},
	{"PROD0113H11T8$X_", "RG@XY*28Q5QHS%Q5", 15, 15, true},
	{"PROD0119GSJUC$18", "ILTXC!4IXB5FB*PX", 15, 15, true},
	{"PROD0120PW!CCV9@", "C1BX{V4W}Q3*10SM", 16, 18, true},
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
			return msn.MSNP11Challenge(chl, p.id, p.key), true
		}
		return msn.LegacyChallenge(chl, p.key), true
	}
	return "", false
}
