package msn

import "testing"

func TestMD5LoginResponse(t *testing.T) {
	tests := []struct{ salt, password, want string }{
		{"1013928519.693957190", "password", "7f919fab309532df353c901430df36fa"},
		{"a1b2c3d4e5f6a7b", "hunter2", "cd1bde76323450294fab0368a837b4bd"},
		{"1571234567.123", "pässwörd", "bb4ecb6c484b8861b1c2b3f289f2c013"},
		// The recorded Escargot logins of alice and bob (password secret123).
		{"b2fc8b3450b0638", "secret123", "00d16f3de2dcf7d0df8446e6fa7d51a6"},
		{"00cdba981c8aa83", "secret123", "c035f50ed5045649d5f473a9614462d1"},
	}
	for _, tt := range tests {
		if got := MD5LoginResponse(tt.salt, tt.password); got != tt.want {
			t.Errorf("MD5LoginResponse(%q, %q) = %s, want %s", tt.salt, tt.password, got, tt.want)
		}
	}
}

func TestChallengeLegacy(t *testing.T) {
	tests := []struct{ chl, want string }{
		{"15570131571988941333", "8f2f5a91b72102cd28355e9fc9000d6e"},
		{"12345678901234567890", "8ba1bb9d6dbf624fee31a2053af5fdd0"},
	}
	for _, v := range []int{6, 7, 8, 9, 10} {
		for _, tt := range tests {
			id, got := ChallengeResponse(v, tt.chl)
			if id != "msmsgs@msnmsgr.com" || got != tt.want {
				t.Errorf("MSNP%d challenge %s = %s %s, want msmsgs@msnmsgr.com %s", v, tt.chl, id, got, tt.want)
			}
		}
	}
	if got := LegacyChallenge("15570131571988941333", "VT6PX?UQTM4WM%YR"); got != "ca90e6a7c94a14aae7b3ae0f6018433e" {
		t.Errorf("PROD0038 vector = %s", got)
	}
}

func TestChallengeMSNP11(t *testing.T) {
	tests := []struct{ chl, want string }{
		{"22210219642164014968", "85ecb0db8f32113df79ce0892b9a102c"},
		{"36819795137093047918", "e7ad3cb09d3e9e4e7c720175984809e9"},
		{"21948129323261853323", "59bcf63ed21f44906c3d3e121ddbed65"},
		{"41525959199453244913", "dcb8ff529e4dd12cc43389851128d2db"},
		{"31744216663023315951", "d15553d0ea89c9f63bbb98a208fa4235"},
		{"14494180082586329971", "4e11d4cd56a65bdf04f60aa133db7ebc"},
	}
	for _, v := range []int{11, 12} {
		for _, tt := range tests {
			id, got := ChallengeResponse(v, tt.chl)
			if id != "PROD0090YUAUV{2B" || got != tt.want {
				t.Errorf("MSNP%d challenge %s = %s %s, want PROD0090YUAUV{2B %s", v, tt.chl, id, got, tt.want)
			}
		}
	}
	// Other product ids, including one that needs 5 bytes of padding.
	other := []struct{ chl, want string }{
		{"11533365622852247127", "f086d1ded067186deca8dba2231602cf"},
		{"237191752526424888127371168", "65b6b623c649c25629af048d34066040"},
	}
	for _, tt := range other {
		if got := MSNP11Challenge(tt.chl, "PROD0113H11T8$X_", "RG@XY*28Q5QHS%Q5"); got != tt.want {
			t.Errorf("MSNP11Challenge(%s) = %s, want %s", tt.chl, got, tt.want)
		}
	}
}
