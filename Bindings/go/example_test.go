package hubmesh_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	hubmesh "github.com/hubmesh/hubmesh-go"
)

// The README's example: one message to a chat room, with the refusal handling.
func Example() {
	p, err := hubmesh.Dial("tcp://127.0.0.1:7000", hubmesh.WithTimeout(5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	ctx := context.Background()
	err = p.SendGroup(ctx, "chat", "lobby", "ReceiveMessage", []any{"gobot", "hello from Go"})
	var refused *hubmesh.PublishError
	switch {
	case errors.As(err, &refused):
		log.Fatalf("gateway refused: %s (%s)", refused.Code, refused.Message)
	case err != nil:
		log.Fatal(err) // timeout, cancelled context, socket error
	}
	fmt.Println("sent")
}

// Many messages, pipelined: one Result per request, in order.
func ExamplePublisher_PublishMany() {
	p, err := hubmesh.Dial(hubmesh.DefaultEndpoint)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	var reqs []hubmesh.Request
	for i := 0; i < 10_000; i++ {
		reqs = append(reqs, hubmesh.Request{
			Kind: hubmesh.KindGroup, Hub: "chat", Target: "lobby",
			Method: "tick", Arguments: []any{i},
		})
	}
	results, err := p.PublishMany(context.Background(), reqs)
	if err != nil {
		log.Fatal(err) // the pipeline broke; results say which requests got no reply
	}
	for _, r := range results {
		if err := r.Err(); err != nil {
			log.Println(err)
		}
	}
}

// A Pipeline streams requests of unknown number; Flush collects the results.
func ExamplePipeline() {
	p, err := hubmesh.Dial(hubmesh.DefaultEndpoint)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	pl := p.Pipeline(context.Background(), 1000)
	for _, user := range []string{"ann", "bob", "cy"} {
		if err := pl.Send(hubmesh.Request{Kind: hubmesh.KindUser, Hub: "chat", Target: user, Method: "notify", Arguments: []any{"hi"}}); err != nil {
			log.Println(err)
		}
	}
	results, err := pl.Flush() // always Flush: the Pipeline holds the socket until then
	fmt.Println(len(results), err)
}
