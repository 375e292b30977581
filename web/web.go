// Package web is msn2irc's HTTP side: the file listener's handler, and the
// server settings and connection limit shared by the HTTP listeners. It
// imports neither ircd nor msn: the bridge registers its handlers on it.
package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"sync"
	"time"
)

// Bounds of every HTTP listener.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = time.Minute
	WriteTimeout      = time.Minute
	IdleTimeout       = time.Minute
	MaxHeaderBytes    = 16 << 10
)

// Mux is the file listener's handler: a small root page, the handlers
// registered with Handle, and 404 for everything else. It is safe to
// register while serving.
type Mux struct {
	name string

	mu  sync.RWMutex
	mux *http.ServeMux
}

// NewMux returns the handler of the file listener; name (the IRC server
// name) titles the root page.
func NewMux(name string) *Mux {
	m := &Mux{name: name, mux: http.NewServeMux()}
	m.mux.HandleFunc("GET /{$}", m.root)
	return m
}

// Handle registers h for pattern (an http.ServeMux pattern).
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mux.Handle(pattern, h)
}

// ServeHTTP serves a request.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	m.mu.RLock()
	h, _ := m.mux.Handler(r)
	m.mu.RUnlock()
	h.ServeHTTP(w, r)
}

// root is the small page at "/": it names the service and nothing else.
func (m *Mux) root(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	name := html.EscapeString(m.name)
	fmt.Fprintf(w, "<!doctype html>\n<title>%s</title>\n<p>%s: MSN Messenger over IRC. Files and pictures shared through the bridge are served here.</p>\n", name, name)
}

// NewServer returns an HTTP server for h with the bounds of this package.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// Serve serves srv on ln until ctx is done, then shuts it down gracefully,
// waiting at most timeout for the requests in flight.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("web: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
	}
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	return nil
}
