package spam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// jsonError is a JSON decoding error reworded for a person editing the
// file: where (line and column, counted in characters from 1) and what
// was expected there. It wraps the decoder's error, so errors.As still
// finds a *json.SyntaxError or *json.UnmarshalTypeError.
type jsonError struct {
	msg string
	err error
}

func (e *jsonError) Error() string { return e.msg }
func (e *jsonError) Unwrap() error { return e.err }

// explainJSON rewords err, json.Unmarshal's error for raw, with the line
// and column the decoder stopped at and what it wanted there. Errors that
// carry no position are returned as they are.
func explainJSON(raw []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		if len(bytes.TrimSpace(raw)) == 0 {
			return &jsonError{"empty: want a JSON object", err}
		}
		// The decoder has read the offending byte when it stops; at the
		// end of the input, the position is just past the last byte.
		at := int(syn.Offset)
		if at > 0 && at <= len(raw) && syn.Error() != "unexpected end of JSON input" {
			at--
		}
		return &jsonError{fmt.Sprintf("%s: %s", jsonPosition(raw, at), syntaxHint(syn.Error())), err}
	case errors.As(err, &typ):
		want := jsonKind(typ.Type)
		if typ.Field == "" {
			return &jsonError{fmt.Sprintf("%s: the file holds a JSON %s; want %s", jsonPosition(raw, 0), typ.Value, want), err}
		}
		return &jsonError{fmt.Sprintf("%s: %s is a JSON %s; want %s", jsonPosition(raw, valueStart(raw, typ.Field, int(typ.Offset))),
			typ.Field, typ.Value, want), err}
	}
	return err
}

// jsonPosition says where byte offset at of raw is: "line L, column C",
// the column counted in characters.
func jsonPosition(raw []byte, at int) string {
	at = min(max(at, 0), len(raw))
	line := bytes.Count(raw[:at], []byte("\n")) + 1
	start := bytes.LastIndexByte(raw[:at], '\n') + 1
	return fmt.Sprintf("line %d, column %d", line, utf8.RuneCount(raw[start:at])+1)
}

// syntaxHint adds to one of encoding/json's syntax messages what the
// decoder expected at that point.
func syntaxHint(msg string) string {
	for _, h := range []struct{ context, want string }{
		{"unexpected end of JSON input", "the file ends before the JSON object does (truncated?)"},
		{"after object key:value pair", "want , before the next field or } to close the object"},
		{"after object key", "want : between a field's name and its value"},
		{"looking for beginning of object key string", "want a field name in double quotes (no , before a closing })"},
		{"looking for beginning of value", "want a value: a number, a string in double quotes, true, false, null, an object or an array"},
		{"after array element", "want , before the next element or ] to close the array"},
		{"after top-level value", "want nothing after the object's closing }"},
		{"in string literal", "a string may not hold a raw control character (write \\n, \\t...)"},
		{"in numeric literal", "want a number"},
	} {
		if strings.Contains(msg, h.context) {
			if h.context == "unexpected end of JSON input" {
				return h.want
			}
			return msg + ": " + h.want
		}
	}
	return msg
}

// jsonKind says in words what JSON value decodes into t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	case reflect.Slice, reflect.Array:
		return "a JSON array"
	}
	return "a " + t.String()
}

// valueStart finds where the value of field (a dotted path, as
// json.UnmarshalTypeError names it) starts, given that it ends at end:
// after the last `"name"` and its colon before end. If the name is not
// found as written (an escaped key), the end is the best place known.
func valueStart(raw []byte, field string, end int) int {
	end = min(max(end, 0), len(raw))
	name := field[strings.LastIndexByte(field, '.')+1:]
	key := bytes.LastIndex(raw[:end], []byte(`"`+name+`"`))
	if key < 0 {
		return max(end-1, 0)
	}
	i := key + len(name) + 2
	for i < end && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r' || raw[i] == ':') {
		i++
	}
	return i
}
