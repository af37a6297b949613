package main

import (
	"fmt"
	"strings"
)

// Per-class settings written CLASS:VALUE,CLASS:VALUE (logreg's
// --class-weight, naivebayes' --prior): class names as the labels are
// read, a name holding a comma in double quotes as a CSV field.

// pairSyntax words the errors of one flag's CLASS:VALUE pairs.
type pairSyntax struct {
	value    string // what a value is: "weight"
	example  string // a whole spec: "yes:5,no:1"
	sample   string // one value: "3"
	keywords string // the flag's other forms, ending "or ": "balanced, or "
}

func (s pairSyntax) pairs() string {
	return fmt.Sprintf("CLASS:%s pairs separated by commas, as %s", strings.ToUpper(s.value), s.example)
}

var classWeightSyntax = pairSyntax{value: "weight", example: "yes:5,no:1", sample: "3", keywords: "balanced, or "}

// nextClassPair reads the first CLASS:VALUE pair of spec: the class name
// (unquoted and trimmed, as labels are read), the value as written
// (trimmed), and where the pair after it starts in spec (-1 at the end).
// syn words the errors.
func nextClassPair(spec string, syn pairSyntax) (name, value string, next int, err error) {
	lead := len(spec) - len(strings.TrimLeft(spec, " \t"))
	if !strings.HasPrefix(spec[lead:], `"`) {
		pair, _, more := strings.Cut(spec, ",")
		next = -1
		if more {
			next = len(pair) + 1
		}
		shown := strings.TrimSpace(pair)
		i := strings.LastIndex(pair, ":")
		switch {
		case shown == "":
			return "", "", 0, fmt.Errorf("an empty pair (two commas in a row, or one at an end); want %s", syn.pairs())
		case i < 0 && strings.Count(shown, "=") == 1 && !strings.HasPrefix(shown, "=") && !strings.HasSuffix(shown, "="):
			n, w, _ := strings.Cut(shown, "=")
			return "", "", 0, fmt.Errorf("%q has no ':'; write %s:%s (%s)", shown, strings.TrimSpace(n), strings.TrimSpace(w), syn.pairs())
		case i < 0 && more:
			// The comma may have cut a class name.
			return "", "", 0, fmt.Errorf("%q has no ':'; want %s%s "+
				"(a class name holding a comma goes in double quotes: '\"bad, debt\":%s')", shown, syn.keywords, syn.pairs(), syn.sample)
		case i < 0:
			return "", "", 0, fmt.Errorf("%q has no ':'; want %s%s", shown, syn.keywords, syn.pairs())
		}
		name, value = strings.TrimSpace(pair[:i]), strings.TrimSpace(pair[i+1:])
		if name == "" {
			return "", "", 0, fmt.Errorf("%q names no class before the ':'", shown)
		}
		return name, value, next, nil
	}
	// A quoted name runs to the closing quote; "" inside is a quote.
	var b strings.Builder
	j := lead + 1
	for {
		k := strings.IndexByte(spec[j:], '"')
		if k < 0 {
			return "", "", 0, fmt.Errorf("the quote that opens %s is never closed (a quote inside a class name is written \"\")", strings.TrimSpace(spec[lead:]))
		}
		b.WriteString(spec[j : j+k])
		j += k + 1
		if !strings.HasPrefix(spec[j:], `"`) {
			break
		}
		b.WriteByte('"')
		j++
	}
	quoted := spec[lead:j]
	name = strings.TrimSpace(b.String())
	after := strings.TrimLeft(spec[j:], " \t")
	switch {
	case name == "":
		return "", "", 0, fmt.Errorf("%s names no class", quoted)
	case !strings.HasPrefix(after, ":"):
		return "", "", 0, fmt.Errorf("class %s: want ':' and its %s right after the closing quote, as %s:%s", quoted, syn.value, quoted, syn.sample)
	}
	value, _, more := strings.Cut(after[1:], ",")
	next = -1
	if more {
		next = len(spec) - len(after) + 1 + len(value) + 1
	}
	return name, strings.TrimSpace(value), next, nil
}

// parseClassPairs reads spec's CLASS:VALUE pairs into a map by class name;
// value parses and checks one value as written (its error says what it
// should be), and a class given twice is an error.
func parseClassPairs(spec string, syn pairSyntax, value func(name, v string) (float64, error)) (map[string]float64, error) {
	out := map[string]float64{}
	for rest := spec; ; {
		name, vs, next, err := nextClassPair(rest, syn)
		if err != nil {
			return nil, err
		}
		v, err := value(name, vs)
		if err != nil {
			return nil, err
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("class %q is given twice", name)
		}
		out[name] = v
		if next < 0 {
			return out, nil
		}
		rest = rest[next:]
	}
}
