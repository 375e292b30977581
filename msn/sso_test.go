package msn

import "testing"

// The answer bob's client sent at MSNP15 in the Escargot recording
// (escargot-transcripts-13-18.md, section 2), recomputed from the proof
// key and nonce of that session with the IV it carries.
func TestSSOAnswerMatchesRecording(t *testing.T) {
	const (
		secret = "CvYvi4KnpF8i8PHSB2EtTxw6B02hcwoV"
		nonce  = "g7byNVs9agOqiBIcvcytxHKGizvQG+gZOmAfrpXjIxod3e2fsO1P7FPFZyHunWZx"
		want   = "HAAAAAEAAAADZgAABIAAAAgAAAAUAAAASAAAAFlEVxR6/Bn2Pv+FedAw/oWwo7kjpwsPGIUhAzBNWsu30pLXMHhaSVRmCgJFRPOqSsfGhPdUn2wQLrov+OU6n+hJHOjaQTKUmm5qnSatbuR/ToL9rZVb9eCuXPXvig1DgMB+LYY="
	)
	iv := []byte{0x59, 0x44, 0x57, 0x14, 0x7a, 0xfc, 0x19, 0xf6}
	got, err := ssoAnswer(secret, nonce, iv)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("answer = %s\nwant     %s", got, want)
	}
}

func TestMachineGUIDFormat(t *testing.T) {
	g := newMachineGUID()
	if len(g) != 38 || g[0] != '{' || g[37] != '}' || g[9] != '-' || g[14] != '-' || g[19] != '-' || g[24] != '-' {
		t.Errorf("guid = %q", g)
	}
}
