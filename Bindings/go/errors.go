package hubmesh

import (
	"context"
	"errors"
	"fmt"
)

// Code is an error code from the gateway ingress protocol v1.
type Code string

// The error codes a gateway replies with.
const (
	CodeBadJSON            Code = "bad_json"            // the request frame is not valid JSON
	CodeUnsupportedVersion Code = "unsupported_version" // "v" is not 1
	CodeBadRequest         Code = "bad_request"         // a field is missing, mistyped or not allowed here
	CodeUnknownKind        Code = "unknown_kind"        // "kind" is none of all, connection, group, user
	CodeForbiddenKind      Code = "forbidden_kind"      // the kind exists but is internal (groupmanagement)
	CodeTooLarge           Code = "too_large"           // the request exceeds the gateway's size limit
	CodeUnknownHub         Code = "unknown_hub"         // the gateway does not serve this hub
	CodeUnavailable        Code = "unavailable"         // the mesh cannot take the message now; retry later
	CodeInternal           Code = "internal"            // a bug in the gateway

	// Codes of the client library itself, never sent by the gateway.
	CodeTimeout  Code = "timeout"   // no reply in time (see ErrTimeout)
	CodeBadReply Code = "bad_reply" // the reply frame is not a JSON object with a boolean "ok"
)

// PublishError is a request the gateway refused: the reply's code and message,
// and the id of the request. Use errors.As to get at it, or errors.Is with a
// *PublishError carrying only a Code to test for one code:
//
//	if errors.Is(err, &hubmesh.PublishError{Code: hubmesh.CodeForbiddenKind}) { … }
type PublishError struct {
	Code    Code
	Message string
	ID      string
}

func (e *PublishError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("hubmesh: gateway refused request: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("hubmesh: gateway refused request %q: %s: %s", e.ID, e.Code, e.Message)
}

// Is reports whether target is a *PublishError with the same Code (its other
// fields are ignored when empty). A bad_reply error also matches ErrBadReply,
// a timeout error ErrTimeout.
func (e *PublishError) Is(target error) bool {
	switch target {
	case ErrBadReply:
		return e.Code == CodeBadReply
	case ErrTimeout:
		return e.Code == CodeTimeout
	}
	t, ok := target.(*PublishError)
	if !ok {
		return false
	}
	return t.Code == e.Code && (t.ID == "" || t.ID == e.ID) && (t.Message == "" || t.Message == e.Message)
}

// ErrClosed is returned by calls on a closed Publisher.
var ErrClosed = errors.New("hubmesh: publisher closed")

// ErrTimeout is wrapped by the error of a call when the gateway did not take
// a request or answer it within the Publisher's timeout (see WithTimeout).
// It also matches context.DeadlineExceeded with errors.Is, like an expired
// context does, and has a Timeout method returning true, like net.Error.
var ErrTimeout error = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string   { return "timed out waiting for the gateway" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// ErrInvalidRequest is wrapped by errors for requests that cannot be encoded
// (for example a request with both Method and Payloads).
var ErrInvalidRequest = errors.New("hubmesh: invalid request")

// ErrBadReply is wrapped by errors for reply frames that do not follow the protocol.
var ErrBadReply = errors.New("hubmesh: bad reply from gateway")
