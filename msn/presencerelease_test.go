package msn_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/msn2irc/msn2irc/msn"
	"github.com/msn2irc/msn2irc/msn/msntest"
)

// At MSNP16+ the server holds a new endpoint's presence until its login
// burst ends with the UUX <Data> (Escargot otherwise waits a while). The
// client sends that <Data> after its CHG and endpoint UUX, as Messenger
// does, so its contacts hear of it at once: the server sends bob the NLN
// about alice before alice's client sends anything else (its PNG).
func TestLoginReleasesPresenceWithData(t *testing.T) {
	for _, ver := range []string{"MSNP16", "MSNP18"} {
		t.Run(ver, func(t *testing.T) {
			rec := &lineRecorder{}
			srv := newServer(t, msntest.Options{Logger: slog.New(rec)})
			bob := login(t, srv, "bob@example.com", ver)
			waitEv(t, bob, func(msn.PresenceSynced) bool { return true })
			start := len(rec.snapshot(0)) // alice's lines come after
			login(t, srv, "alice@example.com", ver)
			waitEv(t, bob, func(e msn.PresenceChanged) bool {
				return e.Passport == "alice@example.com" && e.Status == msn.StatusOnline
			})
			chg := rec.index(start, "<- CHG ")
			// EndpointData, PrivateEndpointData, then <Data>.
			data := rec.index(rec.index(rec.index(chg+1, "<- UUX ")+1, "<- UUX ")+1, "<- UUX ")
			nln := rec.index(chg+1, "-> NLN NLN "+handle18(ver, "alice@example.com"))
			png := rec.index(chg+1, "<- PNG")
			if chg < 0 || data < 0 || nln < 0 || png < 0 || !(data < nln && nln < png) {
				t.Fatalf("CHG at %d, third UUX at %d, NLN about alice at %d, alice's PNG at %d; want the NLN after the UUX <Data>, before the PNG:\n%s",
					chg, data, nln, png, strings.Join(rec.snapshot(start), "\n"))
			}
		})
	}
}

// handle18 is how NLN names passport in ver.
func handle18(ver, passport string) string {
	if ver == "MSNP18" {
		return "1:" + passport
	}
	return passport + " 1"
}
