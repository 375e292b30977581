package bridge

// dropFront removes the first n elements of q. What is left moves to the
// front when it is no longer than what was removed, so that a queue worked
// from the front keeps its room instead of sliding off it and growing a new
// array; the copying costs at most one move per element removed.
func dropFront[T any](q []T, n int) []T {
	if n <= 0 {
		return q
	}
	rest := len(q) - n
	if rest <= n {
		copy(q, q[n:])
		clear(q[rest:])
		return q[:rest]
	}
	clear(q[:n])
	return q[n:]
}
