package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ProcStats is what a measured process reports about itself, or what /proc
// says about it when it cannot answer.
type ProcStats struct {
	RSSBytes   int64   `json:"rss_bytes"`
	HeapInuse  int64   `json:"heap_inuse_bytes,omitempty"`
	HeapAlloc  int64   `json:"heap_alloc_bytes,omitempty"`
	StackInuse int64   `json:"stack_inuse_bytes,omitempty"`    // goroutine stacks, not part of the heap
	HeapIdle   int64   `json:"heap_free_kept_bytes,omitempty"` // free heap spans not yet returned to the OS
	Sys        int64   `json:"go_sys_bytes,omitempty"`         // memory the Go runtime holds from the OS, less what it returned
	Goroutines int     `json:"goroutines,omitempty"`
	CPUSeconds float64 `json:"cpu_seconds"`
	FromSelf   bool    `json:"from_self"` // heap and goroutines are known
}

// selfStats collects the calling process's statistics after a full GC.
func selfStats(gc bool) ProcStats {
	if gc {
		runtimeGC()
	}
	st := readMemStats()
	st.RSSBytes, _ = rssBytes(os.Getpid())
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		st.CPUSeconds = tvSeconds(ru.Utime) + tvSeconds(ru.Stime)
	}
	st.FromSelf = true
	return st
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

// rssBytes reads VmRSS of a process from /proc.
func rssBytes(pid int) (int64, error) { return procStatusBytes(pid, "VmRSS") }

// peakRSSBytes reads VmHWM of a process from /proc: the most RSS it ever had.
func peakRSSBytes(pid int) (int64, error) { return procStatusBytes(pid, "VmHWM") }

// procStatusBytes reads a field given in kB from /proc/<pid>/status.
func procStatusBytes(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) < 1 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing %s: %w", field, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc status", field)
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat; it
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// cpuSeconds reads user+system CPU time of a process from /proc (10 ms resolution).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	// The command name is in parentheses and may contain spaces.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(s[i+1:])
	// After the name: state(3) ppid(4) ... utime(14) stime(15); f[0] is field 3.
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed utime/stime in /proc stat")
	}
	return float64(ut+st) / clockTicks, nil
}

// child is a process started from this binary with a hidden subcommand. It
// prints one JSON line when ready, then answers one JSON line per command
// line on its stdin, and exits when its stdin is closed.
type child struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	mu    sync.Mutex // one request at a time
	done  chan struct{}
	err   error // after done
}

// startChild runs the executable at path with args and decodes its ready
// line into ready. The child's stderr goes to stderr.
func startChild(ctx context.Context, name, path string, args []string, env []string, stderr io.Writer, ready any) (*child, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: starting: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, stdin: stdin, out: bufio.NewReaderSize(stdout, 64*1024), done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	line, err := c.readLine(ctx, 60*time.Second)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: waiting for its ready line: %w", name, err)
	}
	if err := json.Unmarshal(line, ready); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: bad ready line %q: %w", name, line, err)
	}
	return c, nil
}

// Pid returns the child's process id.
func (c *child) Pid() int { return c.cmd.Process.Pid }

func (c *child) readLine(ctx context.Context, timeout time.Duration) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := c.out.ReadBytes('\n')
		ch <- result{b, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		return r.b, nil
	case <-ctx.Done():
		c.kill()
		<-ch
		return nil, ctx.Err()
	case <-t.C:
		c.kill()
		<-ch
		return nil, fmt.Errorf("no answer in %v", timeout)
	}
}

// Request sends one command line and decodes the one-line JSON answer into v.
func (c *child) Request(ctx context.Context, line string, v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		return fmt.Errorf("%s: %s: %w", c.name, line, err)
	}
	b, err := c.readLine(ctx, 2*time.Minute)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", c.name, line, err)
	}
	var reply struct {
		Error string          `json:"error"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &reply); err != nil {
		return fmt.Errorf("%s: %s: bad reply %q: %w", c.name, line, b, err)
	}
	if reply.Error != "" {
		return fmt.Errorf("%s: %s: %s", c.name, line, reply.Error)
	}
	if v != nil && len(reply.Value) > 0 {
		return json.Unmarshal(reply.Value, v)
	}
	return nil
}

func (c *child) kill() {
	if c.cmd.Process != nil {
		_ = c.cmd.Process.Kill()
	}
}

// Close closes the child's stdin, which asks it to exit, and waits for it;
// it kills the child if it has not exited after a grace period.
func (c *child) Close() error {
	c.stdin.Close()
	select {
	case <-c.done:
	case <-time.After(15 * time.Second):
		c.kill()
		<-c.done
	}
	return nil
}

// serveControl is the child side of the protocol: it writes ready as the first
// line, then answers each stdin line with handle until stdin ends.
func serveControl(ready any, handle func(cmd string, args []string) (any, error)) error {
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	if err := enc.Encode(ready); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		v, err := handle(f[0], f[1:])
		reply := map[string]any{"value": v}
		if err != nil {
			reply = map[string]any{"error": err.Error()}
		}
		if err := enc.Encode(reply); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}
