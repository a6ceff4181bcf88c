package hubmesh

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Result is the gateway's answer to one request (or one item of a batch).
type Result struct {
	// ID is the request's id; empty when the gateway could not parse the
	// request ("id":null) and for batch items, which carry none on the wire
	// (SendBatch fills them in from the requests).
	ID string
	// OK reports whether the gateway accepted the message into the mesh.
	OK bool
	// Duplicate reports an accepted request whose idempotency key the gateway
	// had already seen: the message was not published again.
	Duplicate bool
	// Code and Message say why the request was refused when OK is false.
	Code    Code
	Message string
	// Results holds the items' results of a batch reply, in request order.
	Results []Result
}

// Err returns nil for an accepted request, or a *PublishError.
func (r Result) Err() error {
	if r.OK {
		return nil
	}
	return &PublishError{Code: r.Code, Message: r.Message, ID: r.ID}
}

// wireReply mirrors a reply frame; pointers tell missing fields from zero values.
type wireReply struct {
	ID        *string     `json:"id"`
	OK        *bool       `json:"ok"`
	Duplicate bool        `json:"duplicate"`
	Code      string      `json:"code"`
	Message   string      `json:"message"`
	Results   []wireReply `json:"results"`
}

// DecodeReply parses one reply frame. Unknown fields are ignored. When the
// frame is not a JSON object with a boolean "ok" (or a refusal has no code),
// it returns an error wrapping ErrBadReply together with a failed Result of
// code CodeBadReply, which is how a Publisher reports such a reply.
func DecodeReply(frame []byte) (Result, error) {
	if id, ok := fastAccepted(frame); ok {
		return Result{ID: string(id), OK: true}, nil
	}
	var w wireReply
	var err error
	if utf8.Valid(frame) {
		err = json.Unmarshal(frame, &w)
	} else {
		err = errors.New("reply is not valid UTF-8")
	}
	if err == nil {
		var r Result
		if r, err = w.result(true); err == nil {
			return r, nil
		}
	} else {
		err = fmt.Errorf("%w: %v", ErrBadReply, err)
	}
	r := Result{Code: CodeBadReply, Message: err.Error()}
	if w.ID != nil {
		r.ID = *w.ID
	}
	return r, err
}

func (w *wireReply) result(top bool) (Result, error) {
	var r Result
	if w.ID != nil {
		r.ID = *w.ID
	}
	if w.OK == nil {
		return r, fmt.Errorf("%w: no \"ok\" field", ErrBadReply)
	}
	r.OK = *w.OK
	r.Duplicate = w.Duplicate
	r.Code = Code(w.Code)
	r.Message = w.Message
	if !r.OK && r.Code == "" && w.Results == nil {
		return r, fmt.Errorf("%w: refusal without a code", ErrBadReply)
	}
	if w.Results != nil {
		if !top {
			return r, fmt.Errorf("%w: nested batch results", ErrBadReply)
		}
		r.Results = make([]Result, len(w.Results))
		for i := range w.Results {
			item, err := w.Results[i].result(false)
			if err != nil {
				return r, fmt.Errorf("batch result %d: %w", i, err)
			}
			r.Results[i] = item
		}
	}
	return r, nil
}

var (
	acceptedPrefix = []byte(`{"id":"`)
	acceptedSuffix = []byte(`","ok":true}`)
)

// fastAccepted recognizes the common reply {"id":"<plain id>","ok":true}
// without reflection; the id must need no unescaping.
func fastAccepted(frame []byte) (id []byte, ok bool) {
	if len(frame) < len(acceptedPrefix)+len(acceptedSuffix) ||
		!bytes.HasPrefix(frame, acceptedPrefix) || !bytes.HasSuffix(frame, acceptedSuffix) {
		return nil, false
	}
	id = frame[len(acceptedPrefix) : len(frame)-len(acceptedSuffix)]
	for _, c := range id {
		if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return nil, false // needs unescaping or UTF-8 validation
		}
	}
	return id, true
}
