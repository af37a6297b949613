package gbt

import "slices"

// interactions are a fit's InteractionConstraints, as XGBoost's
// FeatureInteractionConstraintHost applies them: a node may split on the
// features split on above it, and on every feature of each set that
// holds all of those; the root on any feature.
type interactions struct {
	d    int
	sets [][]bool // per set, whether it holds each feature
}

// newInteractions is the constraints of a fit over d features, nil when
// there are none.
func newInteractions(sets [][]int, d int) *interactions {
	if len(sets) == 0 {
		return nil
	}
	ic := &interactions{d: d, sets: make([][]bool, len(sets))}
	for k, set := range sets {
		ic.sets[k] = make([]bool, d)
		for _, j := range set {
			ic.sets[k][j] = true
		}
	}
	return ic
}

// allowed is whether each feature may be split on at a node whose path
// from the root split on the features path (distinct, any order); nil for
// the root (path empty), which may split on any.
func (ic *interactions) allowed(path []int) []bool {
	if len(path) == 0 {
		return nil
	}
	ok := make([]bool, ic.d)
	for _, j := range path {
		ok[j] = true
	}
	for _, set := range ic.sets {
		if !slices.ContainsFunc(path, func(j int) bool { return !set[j] }) {
			for j, in := range set {
				ok[j] = ok[j] || in
			}
		}
	}
	return ok
}

// childPath is the path of a child of a node of path split on f: path
// with f added (once), in a new slice.
func childPath(path []int, f int) []int {
	if slices.Contains(path, f) {
		return path // never written to: children share it
	}
	return append(slices.Clip(path), f)
}

// constrain narrows each searched node's features (feats[i], ascending;
// feats nil: every feature for every node) to those its path allows, and
// returns them; feats as it was without constraints. A node left no
// feature gets an empty, not nil, set: it becomes a leaf.
func (t *trainer) constrain(nodes []growNode, feats [][]int) [][]int {
	if t.ic == nil {
		return feats
	}
	out := make([][]int, len(nodes))
	for i := range nodes {
		nd := &nodes[i]
		var from []int
		if feats != nil {
			from = feats[i]
		}
		if nd.hist == nil || len(nd.path) == 0 {
			out[i] = from // not searched, or the root: any feature
			continue
		}
		ok := t.ic.allowed(nd.path)
		if from == nil {
			from = t.allFeatures()
		}
		keep := make([]int, 0, len(from))
		for _, j := range from {
			if ok[j] {
				keep = append(keep, j)
			}
		}
		out[i] = keep
	}
	return out
}

// allFeatures is 0..d−1.
func (t *trainer) allFeatures() []int {
	all := make([]int, t.d)
	for j := range all {
		all[j] = j
	}
	return all
}
