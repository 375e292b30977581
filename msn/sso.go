package msn

import (
	"context"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// The Passport RST service (MSNP13 and later): one request gets a ticket
// for each service Messenger uses.

// rstPath is the path of the Passport RST service under Config.SOAPURL.
const rstPath = "/RST.srf"

// Service addresses asked for in the RST request, with their policies.
const (
	domainMessenger = "messengerclear.live.com" // USR ticket, with the SSO proof key
	domainContacts  = "contacts.msn.com"        // address book and membership services
)

// rstDomains are the tokens Messenger asks for, in its order.
var rstDomains = [][2]string{
	{"http://Passport.NET/tb", ""},
	{domainMessenger, "MBI_KEY_OLD"},
	{"messenger.msn.com", "?id=507"},
	{domainContacts, "MBI"},
	{"messengersecure.live.com", "MBI_SSL"},
	{"spaces.live.com", "MBI"},
	{"storage.msn.com", "MBI"},
}

// tickets are the Passport tickets of a login, by service address. The
// web services take the ticket the session signed in with for as long as
// the session lasts, and no other: Escargot looks a ticket up among its
// sessions', so tickets asked for later, fresh as they are, belong to
// none, and a session keeps its own past their LifeTime.
type tickets struct {
	byDomain map[string]string // "t=...&p=" as issued
	secret   string            // base64 proof key of the messenger ticket
}

// rstEnvelope is the WS-Trust RequestMultipleSecurityTokens request.
type rstEnvelope struct {
	XMLName xml.Name `xml:"Envelope"`
	NS      string   `xml:"xmlns,attr"`
	WSSE    string   `xml:"xmlns:wsse,attr"`
	WSP     string   `xml:"xmlns:wsp,attr"`
	WSA     string   `xml:"xmlns:wsa,attr"`
	WST     string   `xml:"xmlns:wst,attr"`
	PS      string   `xml:"xmlns:ps,attr"`

	Username string     `xml:"Header>wsse:Security>wsse:UsernameToken>wsse:Username"`
	Password string     `xml:"Header>wsse:Security>wsse:UsernameToken>wsse:Password"`
	Tokens   []rstToken `xml:"Body>ps:RequestMultipleSecurityTokens>wst:RequestSecurityToken"`
}

type rstToken struct {
	ID          string     `xml:"Id,attr"`
	RequestType string     `xml:"wst:RequestType"`
	Address     string     `xml:"wsp:AppliesTo>wsa:EndpointReference>wsa:Address"`
	Policy      *rstPolicy `xml:"wsse:PolicyReference"`
}

type rstPolicy struct {
	URI string `xml:"URI,attr"`
}

// rstResponse is what the client reads of the answer.
type rstResponse struct {
	Tokens []struct {
		Address string `xml:"AppliesTo>EndpointReference>Address"`
		Ticket  string `xml:"RequestedSecurityToken>BinarySecurityToken"`
		Secret  string `xml:"RequestedProofToken>BinarySecret"`
	} `xml:"Body>RequestSecurityTokenResponseCollection>RequestSecurityTokenResponse"`
}

// requestTickets asks the Passport RST service for the tickets of every
// service. A refused password gives an error matching ErrAuthFailed.
func (c *Client) requestTickets(ctx context.Context) (*tickets, error) {
	env := rstEnvelope{
		NS:       "http://schemas.xmlsoap.org/soap/envelope/",
		WSSE:     "http://schemas.xmlsoap.org/ws/2003/06/secext",
		WSP:      "http://schemas.xmlsoap.org/ws/2002/12/policy",
		WSA:      "http://schemas.xmlsoap.org/ws/2004/03/addressing",
		WST:      "http://schemas.xmlsoap.org/ws/2004/04/trust",
		PS:       "http://schemas.microsoft.com/Passport/SoapServices/PPCRL",
		Username: c.cfg.Passport,
		Password: c.cfg.Password,
	}
	for i, d := range rstDomains {
		t := rstToken{ID: fmt.Sprintf("RST%d", i), Address: d[0],
			RequestType: "http://schemas.xmlsoap.org/ws/2004/04/security/trust/Issue"}
		if d[1] != "" {
			t.Policy = &rstPolicy{URI: d[1]}
		}
		env.Tokens = append(env.Tokens, t)
	}
	var resp rstResponse
	if err := c.soapCall(ctx, rstPath, "RequestMultipleSecurityTokens", env, &resp); err != nil {
		var f *SOAPFault
		if errors.As(err, &f) && strings.HasSuffix(f.Code, "FailedAuthentication") {
			return nil, fmt.Errorf("msn: passport: %w", ErrAuthFailed)
		}
		return nil, fmt.Errorf("msn: passport: %w", err)
	}
	t := &tickets{byDomain: map[string]string{}}
	for _, tok := range resp.Tokens {
		tk := strings.TrimSpace(tok.Ticket)
		if tk == "" || strings.ContainsAny(tk, " \t\r\n") {
			continue
		}
		t.byDomain[strings.TrimSpace(tok.Address)] = tk
		if strings.TrimSpace(tok.Address) == domainMessenger {
			t.secret = strings.TrimSpace(tok.Secret)
		}
	}
	if t.byDomain[domainMessenger] == "" {
		return nil, fmt.Errorf("msn: passport: no %s ticket in the answer: %w", domainMessenger, ErrSOAP)
	}
	return t, nil
}

// The SSO answer (MBI_KEY_OLD), as Messenger computes it.

const (
	ssoHashMagic    = "WS-SecureConversationSESSION KEY HASH"
	ssoEncryptMagic = "WS-SecureConversationSESSION KEY ENCRYPTION"
)

// ssoAnswer answers the nonce of "USR t SSO S MBI_KEY_OLD nonce" with the
// proof key (base64) of the messenger ticket: a 28-byte header, the IV, an
// HMAC-SHA1 of the nonce and the nonce encrypted with 3DES-CBC, in base64.
// iv must be 8 bytes; nil draws a random one.
func ssoAnswer(secret, nonce string, iv []byte) (string, error) {
	key1, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || len(key1) == 0 {
		return "", fmt.Errorf("msn: sso: bad proof key: %w", ErrSOAP)
	}
	if iv == nil {
		iv = make([]byte, des.BlockSize)
		rand.Read(iv)
	}
	if len(iv) != des.BlockSize {
		return "", fmt.Errorf("msn: sso: IV of %d bytes", len(iv))
	}
	key2 := deriveKey(key1, ssoHashMagic)
	key3 := deriveKey(key1, ssoEncryptMagic)
	hash := hmacSHA1(key2, []byte(nonce))
	pad := des.BlockSize - len(nonce)%des.BlockSize
	plain := append([]byte(nonce), bytesOf(byte(pad), pad)...)
	block, err := des.NewTripleDESCipher(key3)
	if err != nil {
		return "", fmt.Errorf("msn: sso: %w", err)
	}
	ciphertext := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ciphertext, plain)
	out := make([]byte, 0, 28+len(iv)+len(hash)+len(ciphertext))
	for _, v := range []uint32{28, 1, 0x6603, 0x8004, uint32(len(iv)), uint32(len(hash)), uint32(len(ciphertext))} {
		out = binary.LittleEndian.AppendUint32(out, v)
	}
	out = append(append(append(out, iv...), hash...), ciphertext...)
	return base64.StdEncoding.EncodeToString(out), nil
}

// deriveKey is the WS-SecureConversation key derivation Messenger uses.
func deriveKey(key []byte, magic string) []byte {
	m := []byte(magic)
	h1 := hmacSHA1(key, m)
	h2 := hmacSHA1(key, append(append([]byte(nil), h1...), m...))
	h3 := hmacSHA1(key, h1)
	h4 := hmacSHA1(key, append(append([]byte(nil), h3...), m...))
	return append(h2, h4[:4]...)
}

func hmacSHA1(key, msg []byte) []byte {
	h := hmac.New(sha1.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// newMachineGUID returns a random GUID in braces, as Messenger sends it.
func newMachineGUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("{%X-%X-%X-%X-%X}", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// CheckSSOAnswer reports whether answer is the right answer to nonce for
// the proof key secret (base64), as a server checks "USR t SSO S": it
// recomputes the hash and the cipher with the answer's IV.
func CheckSSOAnswer(secret, nonce, answer string) bool {
	raw, err := base64.StdEncoding.DecodeString(answer)
	if err != nil || len(raw) < 28+des.BlockSize {
		return false
	}
	want, err := ssoAnswer(secret, nonce, raw[28:28+des.BlockSize])
	return err == nil && hmac.Equal([]byte(want), []byte(answer))
}

// SSOAnswer answers the nonce of "USR t SSO S MBI_KEY_OLD nonce" with the
// proof key secret (base64) of the messenger ticket, with a random IV, as
// a client does; test servers and scripted clients use it.
func SSOAnswer(secret, nonce string) (string, error) { return ssoAnswer(secret, nonce, nil) }
