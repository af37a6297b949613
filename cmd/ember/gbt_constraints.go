package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/tabular"
)

// featureRef is a feature as a flag names it: a column name, or (isIndex)
// a feature index, as XGBoost numbers them.
type featureRef struct {
	name    string
	index   int
	isIndex bool
}

func (r featureRef) String() string {
	if r.isIndex {
		return strconv.Itoa(r.index)
	}
	return strconv.Quote(r.name)
}

// parseInteractions reads --interaction-constraints: XGBoost's JSON
// list of lists, of feature indices ([[0,1],[2,3]]) or column names
// ([["age","income"],["debt"]]), mixed if need be. nil for "" (no flag);
// an empty, non-nil list for "[]", XGBoost's every feature apart.
func parseInteractions(text string) ([][]featureRef, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var raw [][]any
	err := dec.Decode(&raw)
	if err == nil && dec.More() {
		err = fmt.Errorf("text after the list")
	}
	if err != nil || raw == nil {
		if err == nil {
			err = fmt.Errorf("null")
		}
		return nil, fmt.Errorf("--interaction-constraints %s: not a list of feature lists, e.g. '[[0,1],[2,3]]' or '[[\"age\",\"income\"],[\"debt\"]]' (%v)", text, err)
	}
	sets := make([][]featureRef, 0, len(raw))
	for k, set := range raw {
		if len(set) == 0 {
			return nil, fmt.Errorf("--interaction-constraints: set %d (from 1) is empty; a set lists the features that may be split on together", k+1)
		}
		refs := make([]featureRef, 0, len(set))
		for _, v := range set {
			var r featureRef
			switch v := v.(type) {
			case string:
				r = featureRef{name: v}
			case json.Number:
				i, err := strconv.Atoi(v.String())
				if err != nil || i < 0 {
					return nil, fmt.Errorf("--interaction-constraints: set %d (from 1): %s is not a feature index (0, 1, … as XGBoost numbers the features) or a column name (in quotes)", k+1, v)
				}
				r = featureRef{index: i, isIndex: true}
			default:
				return nil, fmt.Errorf("--interaction-constraints: set %d (from 1): %v is not a feature index or a column name (in quotes)", k+1, v)
			}
			refs = append(refs, r)
		}
		sets = append(sets, refs)
	}
	return sets, nil
}

// weightRule is one --feature-weights entry.
type weightRule struct {
	feature featureRef
	weight  float64
}

// parseFeatureWeights reads --feature-weights' 'COLUMN=W,INDEX=W' (a key
// that is a whole number is a feature index; one in double quotes is a
// name, for columns named by number, as --no-header names them), refusing
// a bad entry or a feature given twice.
func parseFeatureWeights(text string) ([]weightRule, error) {
	var rules []weightRule
	for _, item := range splitList(text) {
		i := strings.LastIndexByte(item, '=')
		if i <= 0 {
			return nil, fmt.Errorf("--feature-weights: %q is not FEATURE=WEIGHT (a column name or feature index, e.g. age=2 or 3=0.5)", item)
		}
		key, wText := strings.TrimSpace(item[:i]), strings.TrimSpace(item[i+1:])
		ref := featureRef{name: key}
		if n, err := strconv.Atoi(key); err == nil && n >= 0 {
			ref = featureRef{index: n, isIndex: true}
		} else if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
			ref = featureRef{name: key[1 : len(key)-1]}
		}
		w, err := strconv.ParseFloat(wText, 64)
		if err != nil || !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("--feature-weights %s: the weight is %q; give a number of 0 or more", key, wText)
		}
		if slices.ContainsFunc(rules, func(r weightRule) bool { return r.feature == ref }) {
			return nil, fmt.Errorf("--feature-weights lists %s twice", key)
		}
		rules = append(rules, weightRule{ref, w})
	}
	return rules, nil
}

// stableFeatures is how many of pl's features are the same in every
// pipeline of its spec, whatever rows it was fitted on: the numeric
// columns', then (native) the categorical columns' codes. The one-hot and
// token features after them are those of the values the rows have.
func stableFeatures(pl *tabular.Pipeline) int {
	return len(pl.Spec.Numeric) + len(pl.CodeFeatures())
}

// featureKey names a feature the same way in every pipeline of a spec,
// whatever rows it was fitted on: a numeric column, a native categorical
// column (its codes), or (oneHot) one value of a one-hot encoded column.
// A flag's features are resolved to keys once, against the pipeline of
// every row, and the keys to feature indices in each pipeline a model is
// fitted with (the training rows', each --cv fold's): a one-hot feature's
// index moves when the rows lack a value before it, and a rows' pipeline
// may lack the feature itself.
type featureKey struct {
	column, value string
	oneHot        bool
}

// index is the feature of pl that k names, -1 when pl has none: a one-hot
// value its rows lack.
func (k featureKey) index(pl *tabular.Pipeline) int {
	s := &pl.Spec
	if !k.oneHot {
		if j := slices.Index(s.Numeric, k.column); j >= 0 {
			return j
		}
		return len(s.Numeric) + slices.Index(s.Categorical, k.column) // native
	}
	at := len(s.Numeric)
	for c, col := range s.Categorical {
		if col == k.column {
			if v := slices.Index(pl.Categories[c], k.value); v >= 0 {
				return at + v
			}
			return -1
		}
		at += len(pl.Categories[c])
	}
	return -1
}

// indices are the features of pl that keys name, in order; the keys of
// features pl lacks are left out.
func indices(keys []featureKey, pl *tabular.Pipeline) []int {
	var out []int
	for _, k := range keys {
		if j := k.index(pl); j >= 0 {
			out = append(out, j)
		}
	}
	return out
}

// oneHotKeys are the keys of pl's one-hot features, in order (they follow
// its numeric features); nil when its categorical columns are coded.
func oneHotKeys(pl *tabular.Pipeline) []featureKey {
	if len(pl.CodeFeatures()) > 0 {
		return nil
	}
	var out []featureKey
	for c, col := range pl.Spec.Categorical {
		for _, v := range pl.Categories[c] {
			out = append(out, featureKey{col, v, true})
		}
	}
	return out
}

// resolveFeature is the features r names in pl, the pipeline of data's
// rows (a file of the given columns), as keys; flag names the flag in errors.
// A feature index names a numeric or native categorical feature; a name
// is a numeric column, a categorical column (native: its one feature;
// one-hot: every one of its one-hot features, as if each were listed), or
// one one-hot feature, "column=value". Token features are refused: a
// vocabulary depends on the rows (and --max-vocab, --min-df) in ways a
// name cannot follow, and no one has asked for them.
func resolveFeature(flag string, r featureRef, pl *tabular.Pipeline, columns []string, data, target, weight string) ([]featureKey, error) {
	stable := stableFeatures(pl)
	hot := oneHotKeys(pl)
	keyOf := func(j int) featureKey { // a stable feature's key
		return featureKey{column: pl.Features[j]}
	}
	if r.isIndex {
		switch {
		case r.index >= len(pl.Features):
			return nil, fmt.Errorf("%s: feature %d: there are %d features (0..%d: %s)", flag, r.index, len(pl.Features), len(pl.Features)-1, listClasses(pl.Features, 8))
		case r.index < stable:
			return []featureKey{keyOf(r.index)}, nil
		case r.index < stable+len(hot):
			// Its index is that of the pipeline of every row, which may
			// not be the index of the same feature in the model: the
			// training rows, or a fold, may lack a value before it.
			k := hot[r.index-stable]
			return nil, fmt.Errorf("%s: feature %d is %s, a one-hot feature, whose index depends on the values a fit's rows have: name it %q (or %q for all of %s's one-hot features)",
				flag, r.index, pl.Features[r.index], pl.Features[r.index], k.column, k.column)
		}
		return nil, fmt.Errorf("%s: feature %d is %s, a token feature, which a fit on other rows may not have: name numeric or categorical columns", flag, r.index, pl.Features[r.index])
	}
	if j := slices.Index(pl.Features[:stable], r.name); j >= 0 {
		return []featureKey{keyOf(j)}, nil
	}
	if c := slices.Index(pl.Spec.Categorical, r.name); c >= 0 && hot != nil {
		var keys []featureKey
		for _, k := range hot {
			if k.column == r.name {
				keys = append(keys, k)
			}
		}
		if keys == nil {
			return nil, fmt.Errorf("%s: %s has no values in %s, so no one-hot features", flag, r.name, data)
		}
		return keys, nil
	}
	if k := slices.IndexFunc(hot, func(k featureKey) bool { return k.column+"="+k.value == r.name }); k >= 0 {
		return []featureKey{hot[k]}, nil
	}
	// column=value, not a feature: say which part is wrong.
	for _, col := range pl.Spec.Categorical {
		value, ok := strings.CutPrefix(r.name, col+"=")
		if !ok {
			continue
		}
		if hot == nil {
			return nil, fmt.Errorf("%s: %s: %s is one feature of category codes (--categorical-mode native), not a feature per value: name %s", flag, r.name, col, col)
		}
		c := slices.Index(pl.Spec.Categorical, col)
		return nil, fmt.Errorf("%s: %s: column %s has no value %q in %s (its values: %s); name %s for all of its one-hot features",
			flag, r.name, col, value, data, listClasses(pl.Categories[c], 8), col)
	}
	for _, col := range pl.Spec.Tokens {
		if strings.HasPrefix(r.name, col+"=") {
			return nil, fmt.Errorf("%s: %s is a feature of --tokens column %s, a feature per token, which depend on the rows a fit sees", flag, r.name, col)
		}
	}
	switch {
	case !slices.Contains(columns, r.name):
		hint := ""
		if hot != nil {
			hint = fmt.Sprintf("; a one-hot feature is named column=value, e.g. %s", pl.Features[stable])
		}
		return nil, fmt.Errorf("%s: %s has no column %q (the features are: %s)%s", flag, data, r.name, strings.Join(pl.Inputs(), ", "), hint)
	case r.name == target:
		return nil, fmt.Errorf("%s: %s is the --target", flag, r.name)
	case r.name == weight:
		return nil, fmt.Errorf("%s: %s is the --weight column, not a feature", flag, r.name)
	case slices.Contains(pl.Spec.Tokens, r.name):
		return nil, fmt.Errorf("%s: %s holds --tokens, a feature per token, which depend on the rows a fit sees", flag, r.name)
	}
	return nil, fmt.Errorf("%s: %s is not a feature (see --features and --exclude)", flag, r.name)
}

// featureOptions are --interaction-constraints and --feature-weights
// resolved to feature keys, set on each model for the pipeline it is
// fitted with (apply).
type featureOptions struct {
	// sets are the interaction sets; nil: none; empty, not nil: "[]",
	// every feature apart.
	sets [][]featureKey
	// weights are the weighted features, each rule's keys with its
	// weight; nil: none.
	weights []keyWeights
}

// keyWeights is one --feature-weights rule resolved: the features its
// name or index stands for, and their weight.
type keyWeights struct {
	keys   []featureKey
	weight float64
}

// resolveFeatureOptions checks the parsed --interaction-constraints sets
// and --feature-weights rules against pl, the pipeline of every row of
// data (a file of the given columns), and resolves them to keys. A one-hot
// encoded column named in a set puts each of its one-hot features in the
// set, which is the constraint the column's name asks for: one of its
// features may interact with another feature only where the column may.
//
// Named in --feature-weights it gives each of its one-hot features the
// weight, not a share of it. XGBoost with enable_categorical draws a
// categorical column as one feature of that weight; one-hot encoded, no
// weighting makes a draw of it whole (drawing some of its features gives
// a tree some of its values), so the choice is what a weight means per
// feature. Each one-hot feature weighing w keeps the rules the draws
// already have: the --colsample-* fractions count one-hot features one by
// one, the features of a column not named weigh 1 each (so naming it with
// 1 changes nothing, where a share would make each 1/n), w is each one's
// odds against an unnamed feature, and 0 keeps the column out. It is also
// what XGBoost's feature_weights on a one-hot encoded DMatrix takes, a
// weight per column, given the column's weight. A share would change with
// n, the values a fit's rows have, from fold to fold.
func resolveFeatureOptions(sets [][]featureRef, rules []weightRule, pl *tabular.Pipeline, columns []string, data, target, weight string) (featureOptions, error) {
	var o featureOptions
	if sets != nil {
		const flag = "--interaction-constraints"
		o.sets = make([][]featureKey, len(sets))
		for k, set := range sets {
			for _, r := range set {
				keys, err := resolveFeature(flag, r, pl, columns, data, target, weight)
				if err != nil {
					return o, err
				}
				for _, key := range keys {
					if slices.Contains(o.sets[k], key) {
						return o, fmt.Errorf("%s: set %d (from 1) lists %s twice%s", flag, k+1, pl.Features[key.index(pl)], viaColumn(set, key))
					}
					o.sets[k] = append(o.sets[k], key)
				}
			}
		}
	}
	for _, r := range rules {
		const flag = "--feature-weights"
		// A whole number is an index, but with columns named by number
		// (--no-header) "0=2" may well mean the column: refused, unless
		// both are the same feature, rather than a column silently weighed
		// in another's stead. (The JSON of --interaction-constraints tells
		// 0 from "0".)
		if n := r.feature.index; r.feature.isIndex && slices.Contains(columns, strconv.Itoa(n)) && (n >= len(pl.Features) || pl.Features[n] != strconv.Itoa(n)) {
			msg := fmt.Sprintf("%s %d=%g: %d is a column's name and a feature index: write '\"%d\"=%g' (in double quotes) for column %d",
				flag, n, r.weight, n, n, r.weight, n)
			if n < len(pl.Features) {
				msg += fmt.Sprintf(", or '%q=%g' for feature %d", pl.Features[n], r.weight, n)
			}
			return o, errors.New(msg)
		}
		keys, err := resolveFeature(flag, r.feature, pl, columns, data, target, weight)
		if err != nil {
			return o, err
		}
		for _, prev := range o.weights {
			if k := slices.IndexFunc(keys, func(k featureKey) bool { return slices.Contains(prev.keys, k) }); k >= 0 {
				how := "as a name and an index"
				if keys[k].oneHot {
					how = keys[k].column + " stands for all of its one-hot features"
				}
				return o, fmt.Errorf("%s gives %s twice (%s)", flag, pl.Features[keys[k].index(pl)], how)
			}
		}
		o.weights = append(o.weights, keyWeights{keys, r.weight})
	}
	return o, nil
}

// viaColumn is, for the error of key listed twice in set, how the set
// came to list it twice: "" when by name or index twice, else that the
// set names its column, which stands for it.
func viaColumn(set []featureRef, key featureKey) string {
	if !key.oneHot || !slices.Contains(set, featureRef{name: key.column}) {
		return ""
	}
	return fmt.Sprintf(" (%s stands for all of its one-hot features)", key.column)
}

// apply sets m's InteractionConstraints and FeatureWeights for pl, a
// pipeline of the spec the options were resolved for. A set none of
// whose features pl has is left out, and so are all of them when every
// set is so: the sets' features are then in no set, as "[]" has it, and
// a model's "[]" is one feature of pl alone.
func (o featureOptions) apply(m *gbt.Model, pl *tabular.Pipeline) {
	m.InteractionConstraints = nil
	if o.sets != nil {
		if len(o.sets) == 0 { // "[]": each stable feature a set of its own
			for j := range stableFeatures(pl) {
				m.InteractionConstraints = append(m.InteractionConstraints, []int{j})
			}
		}
		for _, set := range o.sets {
			if s := indices(set, pl); s != nil {
				m.InteractionConstraints = append(m.InteractionConstraints, s)
			}
		}
		if m.InteractionConstraints == nil {
			// Feature 0 alone: every other feature is in no set, also alone.
			m.InteractionConstraints = [][]int{{0}}
		}
	}
	m.FeatureWeights = nil
	if o.weights != nil {
		m.FeatureWeights = slices.Repeat([]float64{1}, len(pl.Features))
		for _, r := range o.weights {
			for _, j := range indices(r.keys, pl) {
				m.FeatureWeights[j] = r.weight
			}
		}
	}
}
