// Package msn is a client for the MSN Messenger protocol (MSNP) as spoken
// by Escargot and the historical MSN servers. It knows nothing of IRC.
//
// # Versions and login
//
// MSNP2 to MSNP12. Login offers Config.Versions in VER (best first) and
// follows the version the server picks, whether it answers with one
// version (Escargot) or echoes "CVR0" (historical servers). MSNP2-7 sign in
// with MD5 (INF, USR MD5), MSNP8-12 with TWN through Passport 1.4 (the
// nexus's PassportURLs header, or Config.LoginURL, then the DALogin
// request; the ticket is sent as "t=...&p="). Dispatch servers that refer
// the client elsewhere with XFR NS are followed. Wrong credentials give an
// error matching ErrAuthFailed; other numeric errors are *ServerError.
// Callers never need to know which version is in use: the methods and
// events are the same for all of them, and what a version lacks reports
// ErrUnsupported.
//
// # Features
//
//   - Contact list: the full list at login (SYN, in each version's shape)
//     reported as ContactListSynced, groups, privacy settings (BLP, GTC),
//     and later changes as ContactListChanged. People who add the user,
//     at login or while online, are reported as AuthorizationRequested.
//   - Contact management: AddContact, RemoveContact, Block, Allow,
//     AcceptAuthorization and DenyAuthorization (ADD/REM before MSNP10,
//     ADC and REM by contact id from MSNP10).
//   - Presence: the user's status (CHG), friendly name (REA before MSNP10,
//     PRP MFN from MSNP10) and personal message (UUX, MSNP11+); contacts'
//     presence (ILN, NLN, FLN) and personal messages (UBX).
//   - Switchboards: outgoing (OpenSwitchboard) and incoming (Invitation,
//     Accept) chats, multi-party sessions (Invite), text with its
//     X-MMS-IM-Format, typing notifications and nudges both ways. Other
//     content (ink, winks, voice clips) is reported as UnsupportedContent. Every message sent with an acknowledgement
//     gets exactly one outcome: ACK, NAK, timeout or connection lost.
//     Sessions idle for Config.SwitchboardIdleTimeout are closed.
//   - P2P over the switchboard (MSNP9+; P2Pv1 binary headers and MSNSLP,
//     never P2Pv2): files both ways (FileOffer, AcceptFile, DeclineFile,
//     CancelFile, FileTransferEnded; SendFile), streamed chunk by chunk,
//     several at once, ended by BYE from either side, a dropped
//     switchboard or Config.TransferIdleTimeout of silence; display
//     pictures (PresenceChanged.Picture, FetchObject; the user's own with
//     SetDisplayPicture, sent in CHG and served to contacts). MSNFTP
//     invitations are declined (LegacyFileInvitation).
//   - Keepalive (PNG/QNG at the interval the server asks for) and
//     challenges (CHL/QRY with each version's algorithm).
//
// # Concurrency and events
//
// A Client owns one goroutine reading the notification server and one per
// switchboard (the keepalive and the message deadlines run on timers); Close
// ends them all. Events arrive in order on Client.Events: straight from the
// reader when the channel has room, through a queue fed by a short-lived
// goroutine otherwise, so the readers never block on a slow consumer; the
// consumer must read until the channel is closed, after the final
// Disconnected event. The queue is bounded: a consumer that falls tens of
// thousands of events behind makes the client end its connection rather
// than lose events silently. Every request has a timeout
// (Config.RequestTimeout), since servers answer some malformed commands
// with silence.
//
// With Config.Logger at debug level every protocol line is logged, with
// passwords, MD5 responses, Passport tickets and switchboard cookies
// redacted.
package msn
