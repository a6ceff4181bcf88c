// Command gopublish sends one hub message through a HubMesh gateway with the Go binding.
// The end-to-end interop tests run it as a Go service would publish.
//
//	gopublish -gateway tcp://127.0.0.1:7000 -kind group -hub test -target room -method Pub -args '["hi",1]' -exclude id1,id2
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	hubmesh "github.com/hubmesh/hubmesh-go"
)

func main() {
	gateway := flag.String("gateway", "tcp://127.0.0.1:7000", "gateway ingress endpoint")
	kind := flag.String("kind", "all", "all, group, user or connection")
	hub := flag.String("hub", "test", "hub name")
	target := flag.String("target", "", "group, user or connection id")
	method := flag.String("method", "Pub", "hub method the clients receive")
	rawArgs := flag.String("args", "[]", "arguments as a JSON array")
	exclude := flag.String("exclude", "", "comma-separated connection ids to exclude (all and group)")
	flag.Parse()

	decoder := json.NewDecoder(strings.NewReader(*rawArgs))
	decoder.UseNumber() // keep 42 an integer and 2.5 a float, as written
	var args []any
	if err := decoder.Decode(&args); err != nil {
		fail("bad -args", err)
	}
	var opts []hubmesh.SendOption
	if *exclude != "" {
		opts = append(opts, hubmesh.Exclude(strings.Split(*exclude, ",")...))
	}
	publisher, err := hubmesh.Dial(*gateway)
	if err != nil {
		fail("dial", err)
	}
	defer publisher.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	switch *kind {
	case "all":
		err = publisher.SendAll(ctx, *hub, *method, args, opts...)
	case "group":
		err = publisher.SendGroup(ctx, *hub, *target, *method, args, opts...)
	case "user":
		err = publisher.SendUser(ctx, *hub, *target, *method, args, opts...)
	case "connection":
		err = publisher.SendConnection(ctx, *hub, *target, *method, args, opts...)
	default:
		err = fmt.Errorf("unknown kind %q", *kind)
	}
	if err != nil {
		fail("send", err)
	}
	fmt.Println("accepted")
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "gopublish: %s: %v\n", what, err)
	os.Exit(1)
}
