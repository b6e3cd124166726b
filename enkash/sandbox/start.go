package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Start serves h on addr ("127.0.0.1:0" picks a free port) until stop is called or ctx ends,
// and returns the base URL to reach it, e.g. "http://127.0.0.1:41234". Requests' contexts end
// when it stops, so a handler holding a request (an injected timeout) lets go. stop shuts the
// server down gracefully within its own context and returns the first serve error, if any.
func Start(ctx context.Context, addr string, h http.Handler) (baseURL string, stop func(context.Context) error, err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("start sandbox on %s: %w", addr, err)
	}
	base, cancel := context.WithCancel(context.WithoutCancel(ctx))
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	stopOnCtx := context.AfterFunc(ctx, func() { cancel(); _ = srv.Close() })
	stop = func(sctx context.Context) error {
		stopOnCtx()
		cancel()
		shutErr := srv.Shutdown(sctx)
		if shutErr != nil {
			_ = srv.Close()
		}
		serveErr := <-served
		if errors.Is(serveErr, http.ErrServerClosed) {
			serveErr = nil
		}
		if err := errors.Join(serveErr, shutErr); err != nil {
			return fmt.Errorf("stop sandbox: %w", err)
		}
		return nil
	}
	return "http://" + ln.Addr().String(), stop, nil
}
