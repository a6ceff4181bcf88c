package hubmesh

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// Object is a JSON object argument whose members keep their order, which Go
// maps cannot do:
//
//	hubmesh.Object{{"z", 1}, {"a", []any{true, nil}}} // {"z":1,"a":[true,null]}
type Object []Member

// Member is one key and value of an Object.
type Member struct {
	Key   string
	Value any
}

// maxDepth bounds the nesting of argument values (the gateway allows 64
// levels counted from the request object).
const maxDepth = 62

// appendValue appends v as canonical JSON (docs/gateway-protocol.md 2.2).
//
// The common types are written directly: strings, booleans, nil, all integer
// types, float64 and float32 (always with a fraction or exponent, so 1.0 stays
// a float), json.Number (verbatim), json.RawMessage (re-encoded canonically,
// keeping its key order), []any, []string, map[string]any and
// map[string]string (keys sorted, as Go maps have no order), Object (keys in
// order). Anything else
// goes through encoding/json and is then re-encoded canonically: struct
// fields keep their order, but encoding/json writes integral floats as
// integers there; use float64 fields in a map or json.Number to keep them
// floats.
func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, errors.New("arguments nested too deeply")
	}
	switch v := v.(type) {
	case string:
		return appendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case nil:
		return append(dst, "null"...), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case float64:
		return appendFloatValue(dst, v, 64)
	case float32:
		return appendFloatValue(dst, float64(v), 32)
	case json.Number:
		return appendNumber(dst, string(v))
	case json.RawMessage:
		return appendCanonical(dst, v)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case []string:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, e)
		}
		return append(dst, ']'), nil
	case map[string]any:
		keys := sortedKeys(v)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendValue(dst, v[k], depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case Object:
		dst = append(dst, '{')
		for i, m := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, m.Key)
			dst = append(dst, ':')
			var err error
			if dst, err = appendValue(dst, m.Value, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case map[string]string:
		keys := sortedKeys(v)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendString(dst, v[k])
		}
		return append(dst, '}'), nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return dst, err
		}
		return appendCanonical(dst, b)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func appendFloatValue(dst []byte, f float64, bitSize int) ([]byte, error) {
	b, ok := appendFloat(dst, f, bitSize)
	if !ok {
		return dst, fmt.Errorf("unsupported float value %v (NaN and infinities cannot be sent)", f)
	}
	return b, nil
}

// appendNumber appends a JSON number token verbatim after checking its syntax.
func appendNumber(dst []byte, n string) ([]byte, error) {
	if !json.Valid([]byte(n)) || n == "" || (n[0] != '-' && (n[0] < '0' || n[0] > '9')) {
		return dst, fmt.Errorf("invalid number %q", n)
	}
	return append(dst, n...), nil
}

// appendCanonical re-encodes the JSON value raw canonically: compact, strings
// escaped per the protocol, object keys and number tokens kept as they are.
func appendCanonical(dst []byte, raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool
		count  int
	}
	var stack []frame
	complete := false // the top-level value has been written
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if !complete {
				return dst, io.ErrUnexpectedEOF
			}
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
		if d, ok := tok.(json.Delim); ok && (d == ']' || d == '}') {
			stack = stack[:len(stack)-1]
			dst = append(dst, byte(d))
			complete = len(stack) == 0
			continue
		}
		if complete {
			return dst, errors.New("more than one JSON value")
		}
		if n := len(stack); n > 0 {
			top := &stack[n-1]
			switch {
			case top.object && top.count%2 == 1:
				dst = append(dst, ':')
			case top.count > 0:
				dst = append(dst, ',')
			}
			top.count++
		}
		switch t := tok.(type) {
		case json.Delim:
			if len(stack) >= maxDepth {
				return dst, errors.New("arguments nested too deeply")
			}
			stack = append(stack, frame{object: t == '{'})
			dst = append(dst, byte(t))
		case string:
			dst = appendString(dst, t)
		case json.Number:
			dst = append(dst, t...)
		case bool:
			dst = strconv.AppendBool(dst, t)
		case nil:
			dst = append(dst, "null"...)
		}
		if len(stack) == 0 {
			complete = true
		}
	}
}
