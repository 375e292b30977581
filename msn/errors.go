package msn

import "errors"

// ErrIdle is the error of a SwitchboardClosed event for a session the client
// closed because nothing was sent or received for Config.SwitchboardIdleTimeout.
var ErrIdle = errors.New("msn: switchboard closed after inactivity")

// ErrNameTooLong is returned when a friendly name is longer than 387 bytes
// once URL-encoded, the limit of MSN servers.
var ErrNameTooLong = errors.New("msn: friendly name too long (max 387 bytes URL-encoded)")

// Is lets errors.Is match numeric errors against the package's sentinel
// errors: 217 (offline or not accepting messages) matches ErrContactOffline.
// A 911 during login is reported wrapped together with ErrAuthFailed.
func (e *ServerError) Is(target error) bool {
	switch target {
	case ErrContactOffline:
		return e.Code == 217
	}
	return false
}

var errorTexts = map[int]string{
	200: "syntax error",
	201: "invalid parameter",
	203: "invalid federated user",
	204: "unroutable user or invalid network",
	205: "user does not exist",
	206: "domain name missing",
	207: "already logged in",
	208: "invalid user name",
	209: "friendly name not allowed",
	210: "list full",
	212: "unexpected",
	213: "invalid rename request",
	215: "already on that list, in that group or in the session",
	216: "not on that list",
	217: "contact offline or not accepting messages",
	218: "already in that mode",
	219: "already in the opposite list",
	220: "not accepting pages",
	223: "too many groups",
	224: "invalid group",
	225: "contact not in that group",
	227: "group not empty",
	228: "group already exists",
	229: "group name too long",
	230: "cannot remove group 0",
	231: "group does not exist",
	232: "invalid mobile number",
	233: "unknown mobile number",
	234: "unknown mobile domain",
	240: "empty domain",
	241: "invalid contact list XML",
	280: "switchboard failed",
	281: "transfer to switchboard failed",
	282: "bad P2P message",
	300: "required fields missing",
	301: "too many results",
	302: "not logged in",
	402: "contact list unavailable",
	403: "contact list error",
	500: "internal server error",
	501: "database server error",
	502: "command disabled",
	510: "file operation failed",
	520: "memory allocation failed",
	540: "wrong challenge response",
	600: "server busy",
	601: "server unavailable",
	602: "peer notification server down",
	603: "database connection failed",
	604: "server going down",
	605: "server unavailable",
	707: "could not create connection",
	710: "bad CVR parameters",
	711: "write is blocking",
	712: "session overload",
	713: "calling too rapidly",
	714: "too many sessions",
	715: "command not expected now",
	717: "bad friend file",
	731: "command not expected now",
	800: "changing name or status too rapidly",
	910: "server too busy",
	911: "authentication failed",
	912: "server too busy",
	913: "not allowed while offline or hidden",
	914: "server unavailable",
	915: "server unavailable",
	916: "server unavailable",
	917: "authentication failed",
	918: "server too busy",
	919: "server too busy",
	920: "not accepting new users",
	921: "server too busy",
	922: "server too busy",
	923: "Kids Passport without parental consent",
	924: "account not verified",
	927: "account suspended",
	928: "bad ticket",
	931: "server busy",
	933: "invalid circle membership",
}

// ErrorText returns the meaning of a numeric MSN error code.
func ErrorText(code int) string {
	if t, ok := errorTexts[code]; ok {
		return t
	}
	return "unknown error"
}
