package main

import (
	"fmt"
	"strconv"
	"strings"
)

// account is an MSN address and its password.
type account struct {
	Passport string `json:"passport"`
	Password string `json:"-"`
}

// benchDomain is the domain of every account the bench creates on msntest.
const benchDomain = "bench.example"

func benchAccount(local string) account {
	return account{Passport: local + "@" + benchDomain, Password: "pw-" + local}
}

// layout is the set of accounts the bench uses on msntest. The parent and
// the msntest child derive the same accounts from it.
type layout struct {
	Peers        int   // echoing/sinking MSN peers the sessions talk to
	Users        int   // bridge sessions for memory and aggregate throughput
	UserContacts int   // offline contacts of each user, besides its peer
	LoginSizes   []int // contact counts for login-to-ready
	LoginReps    int   // fresh accounts per size, for each of bridge and bare logins
	Directs      int   // direct MSN clients (plain and through the relay)
}

func (l layout) peer(i int) account       { return benchAccount(fmt.Sprintf("peer%d", i)) }
func (l layout) user(i int) account       { return benchAccount(fmt.Sprintf("user%d", i)) }
func (l layout) userPeer(i int) account   { return l.peer(i % l.Peers) }
func (l layout) direct(i int) account     { return benchAccount(fmt.Sprintf("direct%d", i)) }
func (l layout) poolContact(i int) string { return fmt.Sprintf("c%d@%s", i, benchDomain) }
func (l layout) bridgeLogin(size, rep int) account {
	return benchAccount(fmt.Sprintf("login%d-%d", size, rep))
}
func (l layout) bareLogin(size, rep int) account {
	return benchAccount(fmt.Sprintf("bare%d-%d", size, rep))
}

// args renders the layout as flags for the msntest child.
func (l layout) args() []string {
	sizes := make([]string, len(l.LoginSizes))
	for i, n := range l.LoginSizes {
		sizes[i] = strconv.Itoa(n)
	}
	return []string{
		"-peers", strconv.Itoa(l.Peers),
		"-users", strconv.Itoa(l.Users),
		"-user-contacts", strconv.Itoa(l.UserContacts),
		"-login-sizes", strings.Join(sizes, ","),
		"-login-reps", strconv.Itoa(l.LoginReps),
		"-directs", strconv.Itoa(l.Directs),
	}
}

// parseInts parses a comma-separated list of non-negative integers.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad number %q in list %q", f, s)
		}
		out = append(out, n)
	}
	return out, nil
}
