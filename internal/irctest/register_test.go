package irctest

import (
	"encoding/base64"
	"strings"
	"testing"

	"gopkg.in/irc.v4"
)

// Register sends what each way of logging in needs, in an order servers
// accept, and returns once welcomed.
func TestRegister(t *testing.T) {
	plain := "AUTHENTICATE " + base64.StdEncoding.EncodeToString([]byte("\x00alice@example.com\x00pw"))
	for _, tc := range []struct {
		name string
		reg  Registration
		// script alternates what the client sends (">") and what the
		// server answers ("<").
		script []string
	}{
		{"plain", Registration{Nick: "alice"}, []string{
			"> NICK alice", "> USER alice 0 * :Real alice",
			"< :irc.test 001 alice :Welcome",
		}},
		{"pass and caps", Registration{Nick: "alice", Pass: "alice@example.com:pw", Caps: []string{"server-time", "echo-message"}, Realname: "IRC user"}, []string{
			"> CAP LS 302", "> CAP REQ :server-time echo-message", "> PASS alice@example.com:pw",
			"> NICK alice", "> USER alice 0 * :IRC user",
			"< :irc.test CAP * LS :sasl server-time echo-message", "< :irc.test CAP * ACK :server-time echo-message",
			"> CAP END",
			"< :irc.test 001 alice :Welcome",
		}},
		{"sasl", Registration{Nick: "alice", Account: "alice@example.com", Password: "pw", Caps: []string{"server-time"}}, []string{
			"> CAP LS 302", "> CAP REQ :sasl server-time", "> NICK alice", "> USER alice 0 * :Real alice",
			"< :irc.test CAP * ACK :sasl server-time",
			"> AUTHENTICATE PLAIN",
			"< AUTHENTICATE +",
			"> " + plain,
			"< :irc.test 903 alice :SASL authentication successful",
			"> CAP END",
			"< :irc.test 001 alice :Welcome",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := pair(t)
			type result struct {
				msgs []*irc.Message
				err  error
			}
			done := make(chan result, 1)
			go func() {
				msgs, err := c.Register(ctxT(t), tc.reg)
				done <- result{msgs, err}
			}()
			for _, step := range tc.script {
				if line, ok := strings.CutPrefix(step, "> "); ok {
					if got := s.line(); got != line {
						t.Fatalf("client sent %q, want %q", got, line)
					}
				} else {
					s.write(strings.TrimPrefix(step, "< ") + "\r\n")
				}
			}
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			if last := r.msgs[len(r.msgs)-1]; last.Command != irc.RPL_WELCOME {
				t.Errorf("last message %v, want the welcome", last)
			}
		})
	}
}

// A refusal ends Register with an error at once, not at its deadline.
func TestRegisterRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reg    Registration
		answer string
	}{
		{"wrong password", Registration{Nick: "alice", Pass: "alice@example.com:bad"}, ":irc.test 464 alice :Password incorrect\r\nERROR :Closing link"},
		{"sasl refused", Registration{Nick: "alice", Account: "alice@example.com", Password: "bad"},
			":irc.test CAP * ACK sasl\r\nAUTHENTICATE +\r\n:irc.test 904 alice :SASL authentication failed"},
		{"cap refused", Registration{Nick: "alice", Account: "alice@example.com", Password: "pw"}, ":irc.test CAP * NAK sasl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := pair(t)
			s.write(tc.answer + "\r\n")
			if _, err := c.Register(ctxT(t), tc.reg); err == nil || !strings.Contains(err.Error(), "refused") {
				t.Errorf("Register: %v, want a refusal", err)
			}
		})
	}
}

func TestAuthenticatePlain(t *testing.T) {
	for _, tc := range []struct {
		name     string
		password string
		chunks   []int // lengths of the payloads sent
	}{
		{"short", "pw", []int{12}},
		{"exactly 400", strings.Repeat("p", 300-2-len("a@b")), []int{400, 1}},
		{"over 400", strings.Repeat("p", 400), []int{400, 140}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := AuthenticatePlain("a@b", tc.password)
			var got []int
			var payload string
			for _, l := range lines {
				p := strings.TrimPrefix(l, "AUTHENTICATE ")
				got = append(got, len(p))
				if p != "+" {
					payload += p
				}
			}
			if len(got) != len(tc.chunks) {
				t.Fatalf("chunks %v, want %v", got, tc.chunks)
			}
			for i := range got {
				if got[i] != tc.chunks[i] {
					t.Fatalf("chunks %v, want %v", got, tc.chunks)
				}
			}
			raw, err := base64.StdEncoding.DecodeString(payload)
			if err != nil || string(raw) != "\x00a@b\x00"+tc.password {
				t.Errorf("payload decodes to %q, %v", raw, err)
			}
		})
	}
}
