package bridge

import (
	"slices"
	"testing"
)

func TestDropFront(t *testing.T) {
	for _, tc := range []struct {
		q    []int
		n    int
		want []int
	}{
		{[]int{1, 2, 3}, 0, []int{1, 2, 3}},
		{[]int{1, 2, 3}, 3, []int{}},
		{[]int{1, 2, 3, 4}, 2, []int{3, 4}},
		{[]int{1, 2, 3, 4, 5}, 1, []int{2, 3, 4, 5}},
		{[]int{1, 2, 3, 4, 5}, 4, []int{5}},
	} {
		q := slices.Clone(tc.q)
		got := dropFront(q, tc.n)
		if !slices.Equal(got, tc.want) {
			t.Errorf("dropFront(%v, %d) = %v, want %v", tc.q, tc.n, got, tc.want)
		}
		// What was dropped is cleared, so the array holds on to nothing
		// but what is left.
		if kept := len(q) - count(q, 0); kept != len(got) {
			t.Errorf("dropFront(%v, %d) kept %d in its array (%v), want %d", tc.q, tc.n, kept, q, len(got))
		}
	}
}

func count(q []int, v int) int {
	n := 0
	for _, x := range q {
		if x == v {
			n++
		}
	}
	return n
}

func TestDropFrontKeepsRoom(t *testing.T) {
	// A queue worked from the front, a few in and a few out at a time,
	// keeps its array once it is big enough.
	q := make([]int, 0, 8)
	var arrays int
	last := &q[:1][0]
	for i := range 10000 {
		q = append(q, i, i)
		q = dropFront(q, 2)
		if p := &q[:1][0]; p != last {
			arrays++
			last = p
		}
	}
	if arrays > 0 {
		t.Errorf("the queue moved to a new array %d times", arrays)
	}
}
