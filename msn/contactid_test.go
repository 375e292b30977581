package msn

import (
	"testing"
	"unsafe"
)

func TestContactIDRoundTrip(t *testing.T) {
	for in, want := range map[string]string{
		"9fb3beec-9e9e-4e85-8d22-a14f9ff2bf91":   "9fb3beec-9e9e-4e85-8d22-a14f9ff2bf91",
		"9FB3BEEC-9E9E-4E85-8D22-A14F9FF2BF91":   "9fb3beec-9e9e-4e85-8d22-a14f9ff2bf91",
		"{9fb3beec-9e9e-4e85-8d22-a14f9ff2bf91}": "9fb3beec-9e9e-4e85-8d22-a14f9ff2bf91",
		"12345":                                  "",
		"":                                       "",
		"9fb3beec-9e9e-4e85-8d22-a14f9ff2bf9g":   "",
	} {
		if got := ParseContactID(in).String(); got != want {
			t.Errorf("ParseContactID(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestContactRecordHoldsNoIDString checks that a contact's id costs its
// record 16 bytes and no allocation of its own: a copy of the 36
// characters per contact took 48 bytes of heap more in every idle session.
func TestContactRecordHoldsNoIDString(t *testing.T) {
	c := &Client{contacts: map[string]*Contact{}}
	ct := c.contactLocked("bob@example.com", true)
	line := "9fb3beec-9e9e-4e85-8d22-a14f9ff2bf91"
	if n := testing.AllocsPerRun(100, func() { ct.GUID = ParseContactID(line) }); n != 0 {
		t.Errorf("keeping a contact id allocates %v times, want 0", n)
	}
	if size := unsafe.Sizeof(ct.GUID); size != 16 {
		t.Errorf("a contact id takes %d bytes of the record, want 16", size)
	}
}
