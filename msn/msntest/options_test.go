package msntest

import (
	"bufio"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/msn2irc/msn2irc/msn"
)

func TestDispatch(t *testing.T) {
	s := newServer(t, Options{Dispatch: true})
	if s.NSAddr() == s.NotificationAddr() {
		t.Fatal("dispatch and notification servers share an address")
	}
	for _, ver := range []int{7, 8} {
		ds := dial(t, "ds", s.NSAddr())
		ds.send("VER 1 MSNP" + strconv.Itoa(ver) + " CVR0")
		ds.expect("VER 1 MSNP" + strconv.Itoa(ver))
		ds.send(cvrLine + "alice@example.com")
		ds.expect(cvrReply)
		method := "TWN"
		if ver < 8 {
			method = "MD5"
		}
		ds.send("USR 3 " + method + " I alice@example.com")
		ds.expect("XFR 3 NS " + s.NotificationAddr() + " 0 " + s.NSAddr())
		ds.expectClosed()
	}
	// The notification server it points to completes the login.
	c := dial(t, "ns", s.NotificationAddr())
	c.send("VER 4 MSNP7 CVR0")
	c.expect("VER 4 MSNP7")
	c.send("USR 5 MD5 I alice@example.com")
	salt := c.expect("USR 5 MD5 S {salt}")[0]
	c.send("USR 6 MD5 S " + md5hex(salt+"secret123"))
	c.expect("USR 6 OK alice@example.com Alice 1")
}

func TestChallenges(t *testing.T) {
	s := newServer(t, Options{Challenges: true})
	for _, tc := range []struct {
		ver     int
		id      string
		corrupt bool // send a wrong hash
		right   bool // the server accepts it
	}{
		{6, "msmsgs@msnmsgr.com", false, true},
		{8, "msmsgs@msnmsgr.com", false, true},
		{10, "PROD0038W!61ZTF9", false, true},
		{11, "PROD0090YUAUV{2B", false, true},
		{12, "PROD0090YUAUV{2B", false, true},
		{12, "PROD0101{0RM?UBW", false, true},
		{8, "msmsgs@msnmsgr.com", true, false},
		{12, "PROD0090YUAUV{2B", true, false},
		{12, "msmsgs@msnmsgr.com", false, false}, // the MSNP8 id and hash are refused at MSNP12
	} {
		name := "MSNP" + strconv.Itoa(tc.ver) + "/" + tc.id + "/" + strconv.FormatBool(tc.right)
		t.Run(name, func(t *testing.T) {
			c, tr := login(t, s, "alice", tc.ver, "alice@example.com", "secret123", "Alice")
			c.chg(tc.ver, tr, "NLN")
			chl := c.skipTo("CHL 0 {num}")[0]
			if len(chl) != 20 {
				t.Errorf("challenge %q is not 20 digits", chl)
			}
			var answer string
			if tc.ver >= 11 {
				keys := map[string]string{"PROD0090YUAUV{2B": "YMM8C_H7KCQ2S_KL", "PROD0101{0RM?UBW": "CFHUR$52U_{VIX5T"}
				answer = msn.MSNP11Challenge(chl, tc.id, keys[tc.id])
				if tc.id == "msmsgs@msnmsgr.com" {
					answer = md5hex(chl + "Q1P7W2E4J9R8U3S5")
				}
			} else {
				keys := map[string]string{"msmsgs@msnmsgr.com": "Q1P7W2E4J9R8U3S5", "PROD0038W!61ZTF9": "VT6PX?UQTM4WM%YR"}
				answer = md5hex(chl + keys[tc.id])
			}
			if tc.corrupt {
				answer = md5hex(answer)
			}
			c.sendPayload("QRY 40 "+tc.id, answer)
			if tc.right {
				c.expect("QRY 40")
				c.ping(tc.ver)
				return
			}
			c.expect("540 40")
			c.expectClosed()
		})
	}
	// No challenge before MSNP6.
	c, tr := login(t, s, "alice", 5, "alice@example.com", "secret123", "Alice")
	c.chg(5, tr, "NLN")
	c.ping(5)
}

func TestChallengeVectors(t *testing.T) {
	// msn's test vectors prove the algorithms; the server must expect the
	// answer of msn's client for its product id at every version.
	for ver := 6; ver <= 12; ver++ {
		for _, chl := range []string{"22210219642164014968", "15570131571988941333", "237191752526424888127371168"} {
			id, want := msn.ChallengeResponse(ver, chl)
			if got, ok := expectedQRY(ver, id, chl); !ok || got != want {
				t.Errorf("expectedQRY(%d, %s, %s) = %s, %v; want %s", ver, id, chl, got, ok, want)
			}
		}
	}
	if got, ok := expectedQRY(10, "PROD0038W!61ZTF9", "15570131571988941333"); !ok || got != "ca90e6a7c94a14aae7b3ae0f6018433e" {
		t.Errorf("expectedQRY(10, PROD0038) = %s, %v", got, ok)
	}
	for _, tc := range []struct {
		ver int
		id  string
	}{{11, "msmsgs@msnmsgr.com"}, {10, "PROD0090YUAUV{2B"}, {5, "msmsgs@msnmsgr.com"}, {12, "PROD0113H11T8$X_"}} {
		if _, ok := expectedQRY(tc.ver, tc.id, "15570131571988941333"); ok {
			t.Errorf("expectedQRY accepts %s at MSNP%d", tc.id, tc.ver)
		}
	}
}

func TestTimestampSalt(t *testing.T) {
	s := newServer(t, Options{TimestampSalt: true})
	salts := map[string]bool{}
	for i := 0; i < 2; i++ {
		c := dial(t, "alice", s.NSAddr())
		c.send("VER 1 MSNP7 CVR0")
		c.expect("VER 1 MSNP7")
		c.send("USR 2 MD5 I alice@example.com")
		salt := c.expect("USR 2 MD5 S {any}")[0]
		if !regexp.MustCompile(`^\d{10}\.\d{9}$`).MatchString(salt) {
			t.Errorf("salt %q is not a timestamp like 1013928519.693957190", salt)
		}
		salts[salt] = true
		c.send("USR 3 MD5 S " + md5hex(salt+"secret123"))
		c.expect("USR 3 OK alice@example.com Alice 1")
	}
	if len(salts) != 2 {
		t.Errorf("two logins got the same salt")
	}
}

// rawGET sends an HTTP request by hand, to see header names as written.
func rawGET(t *testing.T, addr, path, auth string) []string {
	t.Helper()
	c := dial(t, "http", addr)
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n"
	if auth != "" {
		req += "Authorization: " + auth + "\r\n"
	}
	c.raw(req + "\r\n")
	var lines []string
	c.c.SetReadDeadline(time.Now().Add(ioTimeout))
	sc := bufio.NewScanner(c.c)
	for sc.Scan() && sc.Text() != "" {
		lines = append(lines, sc.Text())
	}
	return lines
}

func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func TestPassportEndpoints(t *testing.T) {
	for _, correct := range []bool{false, true} {
		s := newServer(t, Options{CorrectNexusURL: correct})
		addr := strings.TrimPrefix(strings.TrimSuffix(s.LoginURL(), "/login"), "http://")
		want := "Passporturls: DALogin=https://" + addr + "/login"
		if correct {
			want = "Passporturls: DALogin=http://" + addr + "/login"
		}
		for _, path := range []string{"/rdr/pprdr.asp", "/nexus-mock"} {
			if lines := rawGET(t, addr, path, ""); !hasLine(lines, "HTTP/1.1 200 OK") || !hasLine(lines, want) {
				t.Errorf("nexus %s: got %q, want a line %q", path, lines, want)
			}
		}
		if u := s.NexusURL(); u != "http://"+addr+"/rdr/pprdr.asp" {
			t.Errorf("NexusURL = %q", u)
		}
		lines := rawGET(t, addr, "/login", "Passport1.4 OrgVerb=GET,sign-in=alice%40example.com,pwd=nope,ct=1")
		if !hasLine(lines, "HTTP/1.1 401 Unauthorized") || !hasLine(lines, "WWW-Authenticate: Passport1.4 da-status=failed") {
			t.Errorf("wrong password: got %q", lines)
		}
		lines = rawGET(t, addr, "/login", "Passport1.4 OrgVerb=GET,sign-in=alice%40example.com,pwd=secret123,ct=1")
		ok := false
		for _, l := range lines {
			ok = ok || regexp.MustCompile(`^Authentication-Info: Passport1\.4 da-status=success,from-PP='[0-9a-f]{20}'$`).MatchString(l)
		}
		if !hasLine(lines, "HTTP/1.1 200 OK") || !ok {
			t.Errorf("right password: got %q", lines)
		}
		for _, auth := range []string{"", "Basic YTpi", "Passport1.4 sign-in=alice%40example.com", "Passport1.4 pwd=secret123"} {
			if lines := rawGET(t, addr, "/login", auth); !hasLine(lines, "HTTP/1.1 401 Unauthorized") {
				t.Errorf("Authorization %q: got %q, want 401", auth, lines)
			}
		}
		if code, _ := passportLogin(t, s.LoginURL(), "nobody@example.com", "secret123"); code != http.StatusUnauthorized {
			t.Errorf("unknown account: status %d, want 401", code)
		}
	}
}

func TestParsePassportAuth(t *testing.T) {
	for _, tc := range []struct {
		h, user, pass string
		ok            bool
	}{
		{"Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=alice%40example.com,pwd=secret123,ct=1,rver=1", "alice@example.com", "secret123", true},
		{"Passport1.4 sign-in=a%40b.c,pwd=p%2Cw%25d+x", "a@b.c", "p,w%d+x", true},
		{"Passport1.4 sign-in=a%40b.c,pwd=", "a@b.c", "", true},
		{"Passport1.4 sign-in=a%40b.c", "", "", false},
		{"Basic abc", "", "", false},
		{"", "", "", false},
	} {
		user, pass, ok := parsePassportAuth(tc.h)
		if ok != tc.ok || ok && (user != tc.user || pass != tc.pass) {
			t.Errorf("parsePassportAuth(%q) = %q, %q, %v; want %q, %q, %v", tc.h, user, pass, ok, tc.user, tc.pass, tc.ok)
		}
	}
}

func TestQuoting(t *testing.T) {
	for _, tc := range []struct{ in, quoted string }{
		{"Alice é Liddell", "Alice%20é%20Liddell"},
		{"100% sure\r\n", "100%25%20sure%0D%0A"},
		{"plain", "plain"},
	} {
		if got := msn.QuoteName(tc.in); got != tc.quoted {
			t.Errorf("msn.QuoteName(%q) = %q, want %q", tc.in, got, tc.quoted)
		}
		if got := msn.UnquoteName(tc.quoted); got != tc.in {
			t.Errorf("msn.UnquoteName(%q) = %q, want %q", tc.quoted, got, tc.in)
		}
	}
	for in, want := range map[string]string{"%": "%", "%4": "%4", "%zz1": "%zz1", "a+b": "a+b", "%C3%A9": "é", "%%41": "%A"} {
		if got := msn.UnquoteName(in); got != want {
			t.Errorf("msn.UnquoteName(%q) = %q, want %q", in, got, want)
		}
	}
}
