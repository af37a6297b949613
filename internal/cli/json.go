package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// WriteJSON writes v as one line of JSON, as json.Marshal would, except
// that a NaN or infinite number becomes null instead of failing the whole
// output. When any number was nulled and v encodes as an object, the
// object gets a "null_reasons" member mapping each nulled value's path
// ("test_loss", "report[1].f1") to why: reasons[path] when the caller
// knows (e.g. "undefined for a single row"), otherwise what the value was
// ("not a finite number: NaN").
func WriteJSON(w io.Writer, v any, reasons map[string]string) error {
	e := &jsonWalker{}
	tree, err := e.walk(reflect.ValueOf(v), "")
	if err != nil {
		return err
	}
	if len(e.nulled) > 0 {
		if obj, ok := tree.(*jsonObject); ok {
			why := &jsonObject{vals: map[string]any{}}
			for _, n := range e.nulled {
				r := reasons[n.path]
				if r == "" {
					r = "not a finite number: " + n.value
				}
				why.set(n.path, r)
			}
			obj.set("null_reasons", why)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if err := enc.Encode(tree); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

type nulled struct{ path, value string }

type jsonWalker struct{ nulled []nulled }

// jsonObject keeps its members in order (struct field order, sorted map
// keys), as encoding/json writes them.
type jsonObject struct {
	keys []string
	vals map[string]any
}

func (o *jsonObject) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

func (e *jsonWalker) walk(v reflect.Value, path string) (any, error) {
	if !v.IsValid() {
		return nil, nil
	}
	if v.Type().Implements(marshalerType) && !(v.Kind() == reflect.Pointer && v.IsNil()) {
		b, err := v.Interface().(json.Marshaler).MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("json: %s: %w", path, err)
		}
		return json.RawMessage(b), nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, nil
		}
		return e.walk(v.Elem(), path)
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			e.nulled = append(e.nulled, nulled{path, strconv.FormatFloat(f, 'g', -1, 64)})
			return nil, nil
		}
		return v.Interface(), nil
	case reflect.Struct:
		obj := &jsonObject{vals: map[string]any{}}
		if err := e.fields(obj, v, path); err != nil {
			return nil, err
		}
		return obj, nil
	case reflect.Map:
		if v.IsNil() {
			return nil, nil
		}
		obj := &jsonObject{vals: map[string]any{}}
		keys := v.MapKeys()
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = fmt.Sprint(k.Interface())
		}
		idx := make([]int, len(keys))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return names[idx[a]] < names[idx[b]] })
		for _, i := range idx {
			x, err := e.walk(v.MapIndex(keys[i]), join(path, names[i]))
			if err != nil {
				return nil, err
			}
			obj.set(names[i], x)
		}
		return obj, nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil, nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Interface(), nil // []byte: base64, as encoding/json
		}
		out := make([]any, v.Len())
		for i := range out {
			x, err := e.walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	return v.Interface(), nil
}

// fields adds a struct's exported fields as encoding/json would: json tag
// names, "-" skipped, omitempty honoured, untagged embedded structs
// flattened.
func (e *jsonWalker) fields(obj *jsonObject, v reflect.Value, path string) error {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := v.Field(i)
		if sf.Anonymous && name == "" {
			ev := fv
			if ev.Kind() == reflect.Pointer {
				if ev.IsNil() {
					continue
				}
				ev = ev.Elem()
			}
			if ev.Kind() == reflect.Struct {
				if err := e.fields(obj, ev, path); err != nil {
					return err
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if strings.Contains(","+opts+",", ",omitempty,") && isEmpty(fv) {
			continue
		}
		x, err := e.walk(fv, join(path, name))
		if err != nil {
			return err
		}
		obj.set(name, x)
	}
	return nil
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
