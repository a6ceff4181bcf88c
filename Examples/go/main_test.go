package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	hubmesh "github.com/hubmesh/hubmesh-go"
)

func TestNoGatewayIsATimeout(t *testing.T) {
	cfg := config{gateway: "tcp://127.0.0.1:1", hub: "chat", room: "lobby", user: "gobot", message: "hi", timeout: 200 * time.Millisecond}
	var out bytes.Buffer
	err := run(context.Background(), cfg, &out)
	if code(err) != hubmesh.CodeTimeout || out.Len() != 0 {
		t.Fatalf("err = %v (code %s), output %q", err, code(err), out.String())
	}
}

func TestCodes(t *testing.T) {
	if c := code(&hubmesh.PublishError{Code: hubmesh.CodeForbiddenKind}); c != hubmesh.CodeForbiddenKind {
		t.Fatal(c)
	}
	if c := code(context.Canceled); c != hubmesh.CodeTimeout {
		t.Fatal(c)
	}
	if _, err := hubmesh.Dial("nonsense"); code(err) != "error" {
		t.Fatal(err)
	}
}
