package hubmesh

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Kind is the kind of hub message a request publishes.
type Kind string

// The kinds a service may publish. The gateway refuses others: internal mesh
// kinds such as "groupmanagement" with CodeForbiddenKind, the rest with
// CodeUnknownKind.
const (
	KindAll        Kind = "all"        // every connection of the hub
	KindConnection Kind = "connection" // one connection, by connection id
	KindGroup      Kind = "group"      // every connection in a group
	KindUser       Kind = "user"       // every connection of a user
)

// Request is one publish request of the gateway ingress protocol v1
// (docs/gateway-protocol.md). Set either Method (with Arguments or
// RawArguments) or Payloads.
type Request struct {
	// ID identifies the request in its reply. A Publisher assigns a unique id
	// when it is empty; EncodeRequest leaves the field out. Batch items carry
	// no id on the wire: SendBatch copies item IDs into their Results.
	ID   string
	Kind Kind
	Hub  string
	// Target is the connection id, group name or user id for KindConnection,
	// KindGroup and KindUser; it is not sent for other kinds.
	Target string
	// Method is the client method to invoke with Arguments (nil means none).
	// See Arguments for how values are encoded.
	Method string
	// Arguments are encoded canonically: strings, booleans, nil, integers,
	// floats (1.0 stays 1.0), json.Number, json.RawMessage, []any, []string,
	// Object (ordered keys), map[string]any and map[string]string (sorted
	// keys) directly; other types via encoding/json.
	Arguments []any
	// RawArguments, when not nil, is used instead of Arguments: a JSON array,
	// re-encoded canonically with its key order and number tokens kept.
	RawArguments json.RawMessage
	// Payloads maps a hub protocol name ("json", "messagepack") to the exact
	// framed bytes its clients receive; sent base64-encoded instead of Method.
	Payloads map[string][]byte
	// Exclude lists connection ids not to deliver to (KindAll and KindGroup
	// only); left out of the request when empty.
	Exclude []string
	// Key is an optional idempotency key: the gateway delivers a key's message
	// once and answers repeats with Result.Duplicate.
	Key string
}

// EncodeRequest returns the request frame for r in the protocol's canonical
// form (fields in canonical order, compact, UTF-8 not escaped), byte for byte
// what the golden vectors in Tests/vectors/gateway/requests.json expect.
func EncodeRequest(r Request) ([]byte, error) {
	return appendRequest(nil, &r, r.ID)
}

// EncodeBatch returns the frame of a batch request: id (left out when empty)
// and items, each written like a request without "v" and "id".
func EncodeBatch(id string, items []Request) ([]byte, error) {
	return appendBatch(nil, id, items)
}

func appendRequest(dst []byte, r *Request, id string) ([]byte, error) {
	dst = append(dst, `{"v":1`...)
	if id != "" {
		dst = append(dst, `,"id":`...)
		dst = appendString(dst, id)
	}
	dst = append(dst, ',')
	return appendFields(dst, r)
}

func appendBatch(dst []byte, id string, items []Request) ([]byte, error) {
	dst = append(dst, `{"v":1`...)
	if id != "" {
		dst = append(dst, `,"id":`...)
		dst = appendString(dst, id)
	}
	dst = append(dst, `,"batch":[`...)
	for i := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		var err error
		if dst, err = appendFields(dst, &items[i]); err != nil {
			return nil, fmt.Errorf("%w (batch item %d)", err, i)
		}
	}
	return append(dst, "]}"...), nil
}

// appendFields writes the fields from "kind" on and the closing brace.
func appendFields(dst []byte, r *Request) ([]byte, error) {
	hasInvocation := r.Method != "" || r.Arguments != nil || r.RawArguments != nil
	if r.Payloads != nil && hasInvocation {
		return nil, fmt.Errorf("%w: set either Method and Arguments or Payloads, not both", ErrInvalidRequest)
	}
	if r.Payloads == nil && r.Method == "" {
		return nil, fmt.Errorf("%w: no Method and no Payloads", ErrInvalidRequest)
	}
	dst = append(dst, `"kind":`...)
	dst = appendString(dst, string(r.Kind))
	dst = append(dst, `,"hub":`...)
	dst = appendString(dst, r.Hub)
	switch r.Kind {
	case KindConnection, KindGroup, KindUser:
		dst = append(dst, ',', '"')
		dst = append(dst, r.Kind...)
		dst = append(dst, '"', ':')
		dst = appendString(dst, r.Target)
	}
	if r.Payloads != nil {
		dst = appendPayloads(dst, r.Payloads)
	} else {
		dst = append(dst, `,"method":`...)
		dst = appendString(dst, r.Method)
		dst = append(dst, `,"arguments":`...)
		var err error
		if dst, err = appendArguments(dst, r); err != nil {
			return nil, fmt.Errorf("%w: arguments: %v", ErrInvalidRequest, err)
		}
	}
	if len(r.Exclude) > 0 {
		dst = append(dst, `,"exclude":[`...)
		for i, c := range r.Exclude {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, c)
		}
		dst = append(dst, ']')
	}
	if r.Key != "" {
		dst = append(dst, `,"key":`...)
		dst = appendString(dst, r.Key)
	}
	return append(dst, '}'), nil
}

func appendArguments(dst []byte, r *Request) ([]byte, error) {
	if r.RawArguments != nil {
		start := len(dst)
		dst, err := appendCanonical(dst, r.RawArguments)
		if err != nil {
			return nil, err
		}
		if dst[start] != '[' {
			return nil, errors.New("RawArguments is not a JSON array")
		}
		return dst, nil
	}
	dst = append(dst, '[')
	for i, a := range r.Arguments {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendValue(dst, a, 1); err != nil {
			return nil, err
		}
	}
	return append(dst, ']'), nil
}

// appendPayloads writes the payloads with sorted protocol names ("json"
// before "messagepack", as canonical form wants) in standard base64.
func appendPayloads(dst []byte, payloads map[string][]byte) []byte {
	names := make([]string, 0, len(payloads))
	for name := range payloads {
		names = append(names, name)
	}
	sort.Strings(names)
	dst = append(dst, `,"payloads":{`...)
	for i, name := range names {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, name)
		dst = append(dst, ':', '"')
		p := payloads[name]
		n := len(dst)
		dst = append(dst, make([]byte, base64.StdEncoding.EncodedLen(len(p)))...)
		base64.StdEncoding.Encode(dst[n:], p)
		dst = append(dst, '"')
	}
	return append(dst, '}')
}
