package gbt

import (
	"encoding/binary"
	"fmt"
	"math"
)

// decodeUBJSON decodes one Universal Binary JSON value (ubjson.org, draft
// 12, the dialect XGBoost writes: big-endian numbers, optimised containers
// with $type and #count) into the values encoding/json produces:
// map[string]any, []any, string, float64, bool, nil. Typed numeric arrays
// become []float64 (float32 and integers convert exactly). Lengths are
// checked against the bytes left, so a damaged file errors instead of
// allocating without bound.
func decodeUBJSON(b []byte) (any, error) {
	d := &ubDecoder{b: b, free: len(b)}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	return v, nil
}

type ubDecoder struct {
	b   []byte
	off int
	// free is how many more elements typed arrays of null, true or false
	// (which take no bytes each) may hold in all: the file's size, so
	// that a small hostile file cannot decode into billions of values.
	free int
}

// maxUBDepth bounds nesting, so a hostile file cannot exhaust the stack.
const maxUBDepth = 64

func (d *ubDecoder) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", d.off, fmt.Sprintf(format, args...))
}

func (d *ubDecoder) need(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.off {
		return nil, d.errorf("needs %d bytes, %d left (truncated?)", n, len(d.b)-d.off)
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

func (d *ubDecoder) marker() (byte, error) {
	for {
		p, err := d.need(1)
		if err != nil {
			return 0, err
		}
		if p[0] != 'N' { // no-op
			return p[0], nil
		}
	}
}

// size reads a length: an integer value with its own marker.
func (d *ubDecoder) size() (int, error) {
	m, err := d.marker()
	if err != nil {
		return 0, err
	}
	v, err := d.number(m)
	if err != nil {
		return 0, err
	}
	n, ok := v.(float64)
	if !ok || n < 0 || n != math.Trunc(n) || n > float64(len(d.b)) {
		return 0, d.errorf("bad length %v", v)
	}
	return int(n), nil
}

// number decodes a numeric value whose marker was read; other markers
// return (nil, nil).
func (d *ubDecoder) number(m byte) (any, error) {
	var width int
	switch m {
	case 'i', 'U':
		width = 1
	case 'I':
		width = 2
	case 'l', 'd':
		width = 4
	case 'L', 'D':
		width = 8
	default:
		return nil, nil
	}
	p, err := d.need(width)
	if err != nil {
		return nil, err
	}
	switch m {
	case 'i':
		return float64(int8(p[0])), nil
	case 'U':
		return float64(p[0]), nil
	case 'I':
		return float64(int16(binary.BigEndian.Uint16(p))), nil
	case 'l':
		return float64(int32(binary.BigEndian.Uint32(p))), nil
	case 'L':
		return float64(int64(binary.BigEndian.Uint64(p))), nil
	case 'd':
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p))), nil
	default: // 'D'
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	}
}

func (d *ubDecoder) str() (string, error) {
	n, err := d.size()
	if err != nil {
		return "", err
	}
	p, err := d.need(n)
	if err != nil {
		return "", err
	}
	return string(p), nil
}

func (d *ubDecoder) value(depth int) (any, error) {
	m, err := d.marker()
	if err != nil {
		return nil, err
	}
	return d.valueOf(m, depth)
}

func (d *ubDecoder) valueOf(m byte, depth int) (any, error) {
	if v, err := d.number(m); v != nil || err != nil {
		if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			// encoding/json cannot carry them: as a string, a field
			// scoring reads fails to decode, and one it skips is ignored.
			return fmt.Sprint(f), nil
		}
		return v, err
	}
	switch m {
	case 'Z':
		return nil, nil
	case 'T':
		return true, nil
	case 'F':
		return false, nil
	case 'C':
		p, err := d.need(1)
		if err != nil {
			return nil, err
		}
		return string(p), nil
	case 'S', 'H':
		return d.str()
	case '[':
		if depth >= maxUBDepth {
			return nil, d.errorf("nested deeper than %d", maxUBDepth)
		}
		return d.array(depth + 1)
	case '{':
		if depth >= maxUBDepth {
			return nil, d.errorf("nested deeper than %d", maxUBDepth)
		}
		return d.object(depth + 1)
	}
	return nil, d.errorf("unknown marker %q", m)
}

// header reads an optimised container's optional $type and #count.
func (d *ubDecoder) header() (typ byte, count int, err error) {
	count = -1
	if d.off < len(d.b) && d.b[d.off] == '$' {
		d.off++
		p, err := d.need(1)
		if err != nil {
			return 0, 0, err
		}
		typ = p[0]
		if d.off >= len(d.b) || d.b[d.off] != '#' {
			return 0, 0, d.errorf("$ type without # count")
		}
	}
	if d.off < len(d.b) && d.b[d.off] == '#' {
		d.off++
		if count, err = d.size(); err != nil {
			return 0, 0, err
		}
	}
	return typ, count, nil
}

func (d *ubDecoder) array(depth int) (any, error) {
	typ, count, err := d.header()
	if err != nil {
		return nil, err
	}
	if count < 0 {
		var out []any
		for {
			m, err := d.marker()
			if err != nil {
				return nil, err
			}
			if m == ']' {
				return out, nil
			}
			v, err := d.valueOf(m, depth)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	switch typ {
	case 'Z', 'T', 'F':
		if d.free -= count; d.free < 0 {
			return nil, d.errorf("typed arrays of %d more elements of null, true or false: more than the file's size allows", count)
		}
	default:
		if count > len(d.b)-d.off+1 {
			return nil, d.errorf("array of %d elements in %d bytes", count, len(d.b)-d.off)
		}
	}
	out := make([]any, count)
	for i := range out {
		m := typ
		if m == 0 {
			if m, err = d.marker(); err != nil {
				return nil, err
			}
		}
		if out[i], err = d.valueOf(m, depth); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *ubDecoder) object(depth int) (any, error) {
	typ, count, err := d.header()
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for i := 0; count < 0 || i < count; i++ {
		if count < 0 {
			if d.off < len(d.b) && d.b[d.off] == '}' {
				d.off++
				return out, nil
			}
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		m := typ
		if m == 0 {
			if m, err = d.marker(); err != nil {
				return nil, err
			}
		}
		if out[k], err = d.valueOf(m, depth); err != nil {
			return nil, err
		}
	}
	return out, nil
}
