// Package hubmesh publishes SignalR hub messages into a HubMesh through its
// gateway, with the gateway ingress protocol v1 (docs/gateway-protocol.md):
// a ZeroMQ DEALER socket, one JSON frame per request, one reply per request.
//
// Dial returns a Publisher; its methods take a context.Context and return
// error values:
//
//	p, err := hubmesh.Dial("tcp://127.0.0.1:7000")
//	if err != nil { … }
//	defer p.Close()
//	err = p.SendGroup(ctx, "chat", "lobby", "ReceiveMessage", []any{"gobot", "hi"})
//
// A request the gateway refuses yields a *PublishError carrying the
// protocol's error code (CodeForbiddenKind, CodeBadRequest, …); a call that
// gets no answer in time yields an error matching ErrTimeout and
// context.DeadlineExceeded; a cancelled context, one matching its error.
//
// For throughput, PublishMany and Pipeline keep up to a window of requests
// (1000 by default) in flight on the socket; replies come back in request
// order. EncodeRequest and DecodeReply expose the wire format on its own.
//
// The package is a thin cgo layer over libzmq (pkg-config libzmq) and has no
// Go dependencies beyond the standard library.
package hubmesh
