package bridge

import "context"

// The history's slow work on the store (a search, a clear, a purge) runs
// off the session goroutine, which goes on relaying meanwhile: as jobs,
// one at a time and in the order they were asked for, so that "search"
// then "history clear" answers the search from before the clear, and a
// script gets its answers in the order of its commands.

// maxHistoryJobs bounds the jobs waiting for their turn.
const maxHistoryJobs = 8

// historyJob is one piece of that work: run off the session goroutine,
// then done on it.
type historyJob struct {
	run  func(ctx context.Context)
	done func()
}

// queueHistoryJob adds a job after the ones waiting, and reports false,
// adding nothing, when maxHistoryJobs wait already.
func (s *session) queueHistoryJob(run func(ctx context.Context), done func()) bool {
	h := &s.hist
	if len(h.jobs) >= maxHistoryJobs {
		return false
	}
	h.jobs = append(h.jobs, historyJob{run: run, done: done})
	s.nextHistoryJob()
	return true
}

// nextHistoryJob starts the first waiting job unless one runs. What the
// session recorded before is stored first, so that the job sees it.
func (s *session) nextHistoryJob() {
	h := &s.hist
	if h.jobRunning || len(h.jobs) == 0 {
		return
	}
	j := h.jobs[0]
	h.jobs = h.jobs[1:]
	h.jobRunning = true
	s.syncHistory()
	s.spawn(func(ctx context.Context) {
		j.run(ctx)
		s.post(func() {
			h.jobRunning = false
			j.done()
			s.nextHistoryJob()
		})
	})
}
