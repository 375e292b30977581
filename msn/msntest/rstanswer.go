package msntest

import (
	"fmt"
	"strings"
	"time"
)

// The answers of the Passport RST service (POST /RST.srf) in the shape
// Escargot sends them: the psf:pp header with the account's properties,
// then one RequestSecurityTokenResponse per address asked for, each with
// its TokenType, LifeTime, token and token reference. The legacy
// Passport.NET/tb token is an EncryptedData; every other address gets the
// same compact ticket. Passport.NET/tb and messengerclear.live.com carry a
// proof key (BinarySecret): the latter's is the one USR SSO checks.

// rstIssued is what one successful RST answer says.
type rstIssued struct {
	passport, ip     string
	ticket, secret   string // the compact ticket ("t=...&p=") and messengerclear's proof key
	created, expires time.Time
	addresses        []string
}

// rstServerInfo is the psf:serverInfo of an answer issued at now; build
// is the build string Escargot sends (one for tokens, one for faults).
func rstServerInfo(now time.Time, build string) string {
	return `<psf:serverInfo Path="Live1" RollingUpgradeState="ExclusiveNew" LocVersion="0" ServerTime="` +
		now.UTC().Format(time.RFC3339) + `">XYZPPLOGN1A23 ` + build + "</psf:serverInfo>\n"
}

// rstTokens is the RequestSecurityTokenResponseCollection of is.
func rstTokens(is rstIssued) string {
	cid := fmt.Sprintf("%016x", 0)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">` + "\n<S:Header>\n" +
		`<psf:pp xmlns:psf="http://schemas.microsoft.com/Passport/SoapServices/SOAPFault">` + "\n" +
		"<psf:serverVersion>1</psf:serverVersion>\n<psf:PUID>" + strings.ToUpper(cid) + "</psf:PUID>\n" +
		"<psf:configVersion>16.000.26889.00</psf:configVersion>\n<psf:uiVersion>3.100.2179.0</psf:uiVersion>\n" +
		"<psf:mobileConfigVersion>16.000.26208.0</psf:mobileConfigVersion>\n<psf:authstate>0x48803</psf:authstate>\n<psf:reqstatus>0x0</psf:reqstatus>\n" +
		rstServerInfo(is.created, "2017.10.03.19.00.04") + "<psf:cookies/>\n<psf:browserCookies>\n")
	for _, c := range [][3]string{
		{"MH", "msn", "MSFT; path=/; domain=.msn.com; expires=Wed, 30-Dec-2037 16:00:00 GMT"},
		{"MHW", "msn", "; path=/; domain=.msn.com; expires=Thu, 30-Oct-1980 16:00:00 GMT"},
		{"MH", "live", "MSFT; path=/; domain=.live.com; expires=Wed, 30-Dec-2037 16:00:00 GMT"},
		{"MHW", "live", "; path=/; domain=.live.com; expires=Thu, 30-Oct-1980 16:00:00 GMT"},
	} {
		b.WriteString(`<psf:browserCookie Name="` + c[0] + `" URL="http://www.` + c[1] + `.com">` + c[2] + "</psf:browserCookie>\n")
	}
	b.WriteString("</psf:browserCookies>\n<psf:credProperties>\n")
	for _, p := range [][2]string{
		{"MainBrandID", "MSFT"}, {"BrandIDList", ""}, {"IsWinLiveUser", "true"}, {"CID", cid},
		{"AuthMembername", xmlText(is.passport)}, {"Country", "US"}, {"Language", "1033"},
		{"FirstName", "John"}, {"LastName", "Doe"}, {"ChildFlags", "00000001"}, {"Flags", "40100643"},
		{"FlagsV2", "00000000"}, {"IP", xmlText(is.ip)}, {"FamilyID", "0000000000000000"}, {"AssociatedForStrongAuth", "0"},
	} {
		b.WriteString(`<psf:credProperty Name="` + p[0] + `">` + p[1] + "</psf:credProperty>\n")
	}
	b.WriteString("</psf:credProperties>\n<psf:extProperties>\n" +
		`<psf:extProperty Name="ANON" Expiry="Wed, 30-Dec-2037 16:00:00 GMT" Domains="bing.com;atdmt.com" IgnoreRememberMe="false">A=2AD1B6380CC38C61A2E95994FFFFFFFF&amp;E=1456&amp;W=1</psf:extProperty>` + "\n" +
		`<psf:extProperty Name="NAP" Expiry="Wed, 30-Dec-2037 16:00:00 GMT" Domains="bing.com;atdmt.com" IgnoreRememberMe="false">V=1.9&amp;E=13fc&amp;C=tq1sGI5NyECr4nbob0bsqOGQx85gOAzYs8FuhJP5L22WfJl-67MNNQ&amp;W=1</psf:extProperty>` + "\n" +
		`<psf:extProperty Name="LastUsedCredType">1</psf:extProperty>` + "\n" + `<psf:extProperty Name="WebCredType">1</psf:extProperty>` + "\n" +
		`<psf:extProperty Name="CID">` + cid + "</psf:extProperty>\n</psf:extProperties>\n<psf:response/>\n</psf:pp>\n</S:Header>\n<S:Body>\n" +
		`<wst:RequestSecurityTokenResponseCollection xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wst="http://schemas.xmlsoap.org/ws/2004/04/trust" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" xmlns:wsp="http://schemas.xmlsoap.org/ws/2002/12/policy" xmlns:psf="http://schemas.microsoft.com/Passport/SoapServices/SOAPFault">` + "\n")
	lifetime := "<wst:LifeTime>\n<wsu:Created>" + is.created.UTC().Format(time.RFC3339) + "</wsu:Created>\n<wsu:Expires>" +
		is.expires.UTC().Format(time.RFC3339) + "</wsu:Expires>\n</wst:LifeTime>\n"
	for i, addr := range is.addresses {
		typ := "compact"
		if addr == "http://Passport.NET/tb" {
			typ = "legacy"
		}
		b.WriteString("<wst:RequestSecurityTokenResponse>\n<wst:TokenType>urn:passport:" + typ + "</wst:TokenType>\n" +
			`<wsp:AppliesTo xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/03/addressing">` + "\n<wsa:EndpointReference>\n<wsa:Address>" +
			xmlText(addr) + "</wsa:Address>\n</wsa:EndpointReference>\n</wsp:AppliesTo>\n" + lifetime)
		switch {
		case typ == "legacy":
			b.WriteString("<wst:RequestedSecurityToken>\n" +
				`<EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#" Id="BinaryDAToken0" Type="http://www.w3.org/2001/04/xmlenc#Element">` + "\n" +
				`<EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#tripledes-cbc"></EncryptionMethod>` + "\n" +
				`<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` + "\n<ds:KeyName>http://Passport.NET/STS</ds:KeyName>\n</ds:KeyInfo>\n" +
				"<CipherData>\n<CipherValue>" + randBase64(531) + "</CipherValue>\n</CipherData>\n</EncryptedData>\n</wst:RequestedSecurityToken>\n" +
				"<wst:RequestedTokenReference>\n" + `<wsse:KeyIdentifier ValueType="urn:passport"></wsse:KeyIdentifier>` + "\n" +
				`<wsse:Reference URI="#BinaryDAToken0"></wsse:Reference>` + "\n</wst:RequestedTokenReference>\n" +
				"<wst:RequestedProofToken>\n<wst:BinarySecret>" + randBase64(24) + "</wst:BinarySecret>\n</wst:RequestedProofToken>\n" +
				"</wst:RequestSecurityTokenResponse>\n")
		default:
			id := fmt.Sprintf("Compact%d", i+1)
			b.WriteString("<wst:RequestedSecurityToken>\n" + `<wsse:BinarySecurityToken Id="` + id + `">` + xmlText(is.ticket) +
				"</wsse:BinarySecurityToken>\n</wst:RequestedSecurityToken>\n<wst:RequestedTokenReference>\n" +
				`<wsse:KeyIdentifier ValueType="urn:passport:compact"></wsse:KeyIdentifier>` + "\n" +
				`<wsse:Reference URI="#` + id + `"></wsse:Reference>` + "\n</wst:RequestedTokenReference>")
			if addr == "messengerclear.live.com" {
				b.WriteString("<wst:RequestedProofToken>\n<wst:BinarySecret>" + is.secret + "</wst:BinarySecret>\n</wst:RequestedProofToken>")
			}
			b.WriteString("</wst:RequestSecurityTokenResponse>\n")
		}
	}
	b.WriteString("</wst:RequestSecurityTokenResponseCollection>\n</S:Body>\n</S:Envelope>")
	return b.String()
}

// rstFault is the answer to a wrong password at now: HTTP 200 with a
// FailedAuthentication fault and psf:reqstatus 0x80048823.
func rstFault(now time.Time) string {
	return `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="http://schemas.xmlsoap.org/ws/2003/06/secext" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" xmlns:psf="http://schemas.microsoft.com/Passport/SoapServices/SOAPFault">` + "\n" +
		"<S:Header>\n" + `<psf:pp xmlns:psf="http://schemas.microsoft.com/Passport/SoapServices/SOAPFault">` + "\n" +
		"<psf:serverVersion>1</psf:serverVersion>\n<psf:authstate>0x80048800</psf:authstate>\n<psf:reqstatus>0x80048823</psf:reqstatus>\n" +
		rstServerInfo(now, "2017.09.28.12.44.07") + "<psf:cookies/>\n<psf:response/>\n</psf:pp>\n</S:Header>\n" +
		"<S:Fault>\n<faultcode>wsse:FailedAuthentication</faultcode>\n<faultstring>Authentication Failure</faultstring>\n</S:Fault>\n</S:Envelope>"
}
