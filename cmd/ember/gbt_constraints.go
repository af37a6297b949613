package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

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
// that is a whole number is a feature index), refusing a bad entry or a
// feature given twice.
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

// featureIndex is the feature r names in pl (fitted on data's rows, whose
// columns tb holds): a feature index below stableFeatures, or the name of
// a numeric or native categorical column; flag names the flag for errors.
func featureIndex(flag string, r featureRef, pl *tabular.Pipeline, tb *tabular.Batch, data, target, weight string) (int, error) {
	stable := stableFeatures(pl)
	if r.isIndex {
		switch {
		case r.index >= len(pl.Features):
			return 0, fmt.Errorf("%s: feature %d: there are %d features (0..%d: %s)", flag, r.index, len(pl.Features), len(pl.Features)-1, listClasses(pl.Features, 8))
		case r.index >= stable:
			return 0, fmt.Errorf("%s: feature %d is %s, a one-hot or token feature, which a fit on other rows may not have: name numeric columns, or use --categorical-mode native to give a categorical column one feature", flag, r.index, pl.Features[r.index])
		}
		return r.index, nil
	}
	if j := slices.Index(pl.Features[:stable], r.name); j >= 0 {
		return j, nil
	}
	switch {
	case tb.Column(r.name) == nil:
		return 0, fmt.Errorf("%s: %s has no column %q (the features are: %s)", flag, data, r.name, strings.Join(pl.Inputs(), ", "))
	case r.name == target:
		return 0, fmt.Errorf("%s: %s is the --target", flag, r.name)
	case r.name == weight:
		return 0, fmt.Errorf("%s: %s is the --weight column, not a feature", flag, r.name)
	case slices.Contains(pl.Spec.Categorical, r.name):
		return 0, fmt.Errorf("%s: %s is one-hot encoded (--categorical), into features that depend on the values a fit's rows have: use --categorical-mode native to make it one feature", flag, r.name)
	case slices.Contains(pl.Spec.Tokens, r.name):
		return 0, fmt.Errorf("%s: %s holds --tokens, a feature per token, which depend on the rows a fit sees", flag, r.name)
	}
	return 0, fmt.Errorf("%s: %s is not a feature (see --features and --exclude)", flag, r.name)
}

// interactionSets are the model's InteractionConstraints for the parsed
// sets, as feature indices of pl; "[]" (sets empty, not nil) is every
// feature apart, XGBoost's meaning: each stable feature a set of its own
// (the others, in no set, are split on alone too).
func interactionSets(sets [][]featureRef, pl *tabular.Pipeline, tb *tabular.Batch, data, target, weight string) ([][]int, error) {
	if sets == nil {
		return nil, nil
	}
	const flag = "--interaction-constraints"
	if len(sets) == 0 {
		out := [][]int{{0}} // feature 0 alone: with no stable feature, every feature is in no set
		for j := 1; j < stableFeatures(pl); j++ {
			out = append(out, []int{j})
		}
		return out, nil
	}
	out := make([][]int, len(sets))
	for k, set := range sets {
		for _, r := range set {
			j, err := featureIndex(flag, r, pl, tb, data, target, weight)
			if err != nil {
				return nil, err
			}
			if slices.Contains(out[k], j) {
				return nil, fmt.Errorf("%s: set %d (from 1) lists %s twice", flag, k+1, pl.Features[j])
			}
			out[k] = append(out[k], j)
		}
	}
	return out, nil
}

// featureWeights is the model's FeatureWeights for the rules: one per
// feature of pl, 1 unless a rule sets it; nil without rules.
func featureWeights(rules []weightRule, pl *tabular.Pipeline, tb *tabular.Batch, data, target, weight string) ([]float64, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	out := slices.Repeat([]float64{1}, len(pl.Features))
	var set []int
	for _, r := range rules {
		j, err := featureIndex("--feature-weights", r.feature, pl, tb, data, target, weight)
		if err != nil {
			return nil, err
		}
		if slices.Contains(set, j) {
			return nil, fmt.Errorf("--feature-weights gives %s twice (as a name and an index)", pl.Features[j])
		}
		set = append(set, j)
		out[j] = r.weight
	}
	return out, nil
}
