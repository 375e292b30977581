// Package mapping holds the stateless translations between MSN and IRC:
// nicks, presence and away texts, formatting, CTCP and the cleaning and
// splitting of text. The bridge itself (sessions, conversations) is in
// package bridge.
package mapping
