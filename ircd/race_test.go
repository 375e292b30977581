//go:build race

package ircd

// raceEnabled is set when the race detector runs, which grows stack frames.
const raceEnabled = true
