// Package msntest is an in-process MSN Messenger server for tests and
// demos: a notification server (NS), a switchboard server (SB) and the
// Passport 1.4 HTTP endpoints, all listening on 127.0.0.1.
//
// By default it behaves like the Escargot server as recorded byte for byte,
// for MSNP2 to MSNP12, quirks included:
//
//   - VER picks the highest offered version from 2 to 12 and answers with
//     that one only ("VER t 0" and a disconnect when none fits).
//   - MSNP2-7 log in with MD5 (INF, then a fixed per-account 15-hex salt);
//     MSNP8-12 with TWN: the nexus (GET /rdr/pprdr.asp) announces an https
//     DALogin URL although it serves http, GET /login checks the
//     Authorization header and issues 20-hex tickets valid 30 s, accepted
//     bare or as "t=<ticket>&p=".
//   - USR OK, SYN, ILN/NLN/FLN, UBX, IRO and JOI have the shape of each
//     version, including the trailing space of MSNP10+ LST lines. MSNP11+
//     get "SBS 0 null" and the initial mail-data message.
//   - CHG without a client id is ignored from MSNP8; ILN comes once, after
//     the first CHG; hidden users look offline; XFR SB before the first CHG
//     or while hidden gets 913; MSNP7 "REM FL" answers 205 although it
//     worked; unknown commands get no reply; errors are "NNN trid".
//   - Switchboard cookies are single-use and live 120 s. CAL to an
//     offline, hidden, blocking or unknown user gets 217. MSG is relayed
//     byte for byte, ACKed for A and D; a payload over 1664 bytes or an
//     unknown ack type closes the connection. A second login sends
//     "OUT OTH" to the first connection.
//
// Unlike Escargot, logins are fast and presence is sent at once rather
// than batched.
//
// Options reproduce other servers: Dispatch (a dispatch server that
// answers USR with "XFR t NS"), Challenges (CHL after the first CHG, QRY
// checked per version, 540 when wrong), TimestampSalt (a new MD5 challenge
// at each login) and CorrectNexusURL.
//
// Faults can be injected at any time: DropNS, DropSB, DropSBOnNextMessage,
// DropSBOnNextMessages and DropSBAfterNextMessages (with SBDropsLeft),
// SetReplyDelay, IgnoreCommand/AnswerCommand, RefuseCall, RejectLogin,
// SendRaw and SendOUT.
//
// Accounts and lists are set up with AddAccount, AddContact, Befriend and
// SetFriendlyName, and inspected with Status, Online and Lists. Issued
// lists the salts, Passport tickets and switchboard cookies handed out, so
// that tests can check none of them reaches a log. Config and Login give an
// msn client pointed at the server, to play the other party in tests.
//
// Challenge answers, MD5 logins and the URL encoding of parameters use the
// msn package's functions: one implementation serves client and server.
package msntest
