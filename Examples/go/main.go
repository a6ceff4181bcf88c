// Command chat-publisher sends one chat message into a HubMesh through its
// gateway: ReceiveMessage(user, message) to every connection in a room (a hub
// group).
//
//	go run . -gateway tcp://127.0.0.1:7000 -hub chat -room lobby -user gobot -message "hello from Go"
//
// It prints what it did and exits 0, or prints the error code and exits 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	hubmesh "github.com/hubmesh/hubmesh-go"
)

type config struct {
	gateway, hub, room, user, message string
	timeout                           time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.gateway, "gateway", hubmesh.DefaultEndpoint, "gateway ingress endpoint")
	flag.StringVar(&cfg.hub, "hub", "chat", "hub name")
	flag.StringVar(&cfg.room, "room", "lobby", "chat room (hub group) to send to")
	flag.StringVar(&cfg.user, "user", "gobot", "sender name shown in the room")
	flag.StringVar(&cfg.message, "message", "hello from Go", "message text")
	flag.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "how long to wait for the gateway")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		var perr *hubmesh.PublishError
		if errors.As(err, &perr) {
			fmt.Fprintf(os.Stderr, "chat-publisher: %s: %s\n", perr.Code, perr.Message)
		} else {
			fmt.Fprintf(os.Stderr, "chat-publisher: %s: %v\n", code(err), err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	p, err := hubmesh.Dial(cfg.gateway, hubmesh.WithTimeout(cfg.timeout))
	if err != nil {
		return err
	}
	defer p.Close()
	err = p.SendGroup(ctx, cfg.hub, cfg.room, "ReceiveMessage", []any{cfg.user, cfg.message})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sent ReceiveMessage(%q, %q) to room %q of hub %q via %s\n", cfg.user, cfg.message, cfg.room, cfg.hub, cfg.gateway)
	return nil
}

// code is the protocol's error code for err: the gateway's, or the client's
// own "timeout"; "error" for anything else (such as a bad endpoint).
func code(err error) hubmesh.Code {
	var perr *hubmesh.PublishError
	switch {
	case errors.As(err, &perr):
		return perr.Code
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return hubmesh.CodeTimeout
	default:
		return "error"
	}
}
