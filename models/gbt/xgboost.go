package gbt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// ErrXGBoostModel marks a file LoadXGBoost cannot use: not an XGBoost model,
// a damaged one, or one with features this reader does not support (the
// message says which).
var ErrXGBoostModel = errors.New("not a usable XGBoost model")

// XGBoostModel is a model saved by XGBoost's save_model: its trees, ready
// to score, and what the file says about them.
type XGBoostModel struct {
	*Ensemble
	// Objective is the learner's objective, e.g. "binary:logistic".
	Objective string
	// FeatureNames are the names the model was trained with (empty when
	// it was trained on a bare array).
	FeatureNames []string
	// BaseScore is base_score as saved (a probability for logistic
	// objectives, a mean for the log links; Base is the margin it
	// becomes: its log-odds, its log).
	BaseScore float64
	// Version is the XGBoost version that saved the file.
	Version []int
}

// LoadXGBoost reads a model saved by XGBoost 1.x or 2.x with
// Booster.save_model: JSON (".json") or Universal Binary JSON (".ubj"),
// told apart by the first bytes. Supported: the gbtree booster with
// numeric and categorical splits (enable_categorical), objectives binary:logistic, reg:logistic,
// binary:logitraw (Predict gives the margins), binary:hinge (Predict gives
// the classes 0 and 1), reg:squarederror (reg:linear), reg:squaredlogerror,
// reg:pseudohubererror,
// reg:absoluteerror (its leaves are plain values once fitted),
// the log links count:poisson, reg:tweedie and reg:gamma (Predict gives
// the mean, exp(margin), as XGBoost's predict does), and multi:softprob and
// multi:softmax (num_class margins per row, a tree each per round; Predict
// gives the class probabilities of both, as predict_proba does), and the
// rank objectives rank:pairwise, rank:ndcg and rank:map (Predict gives the
// ranking scores, the margins, as XGBoost's predict does), and the survival
// objectives survival:cox and survival:aft (Predict gives hazard ratios and
// times, exp(margin), from the margin log base_score). Any other
// objective is refused, naming it. Scoring
// reproduces XGBoost's CPU predictor: feature values as float32, "value <
// threshold" goes left, a category in a categorical split's set goes
// right (a negative, fractional or unknown code as XGBoost sends it:
// see Ensemble), NaN follows the learned default, margins summed in
// float32 from the base margin, then the link (float32 logistic or exp,
// or XGBoost's softmax). Every
// error names the file and matches ErrXGBoostModel or, for a missing file,
// fs.ErrNotExist.
func LoadXGBoost(path string) (*XGBoostModel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseXGBoost(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseXGBoost is LoadXGBoost on the file's bytes.
func ParseXGBoost(b []byte) (*XGBoostModel, error) {
	trim := bytes.TrimLeft(b, " \t\r\n")
	if len(trim) == 0 {
		return nil, xgbErr("the file is empty")
	}
	var doc xgbDoc
	switch {
	case trim[0] == '{' && len(trim) > 1 && (trim[1] == 'L' || trim[1] == 'l' || trim[1] == 'i' || trim[1] == 'U' || trim[1] == 'I'):
		// UBJSON: an object whose first key length has an integer marker.
		v, err := decodeUBJSON(trim)
		if err != nil {
			return nil, xgbErr("UBJSON: %v", err)
		}
		js, err := json.Marshal(v)
		if err != nil {
			return nil, xgbErr("UBJSON: %v", err)
		}
		if err := json.Unmarshal(js, &doc); err != nil {
			return nil, xgbErr("UBJSON: %v", err)
		}
	case trim[0] == '{':
		if err := json.Unmarshal(quoteNonFinite(trim), &doc); err != nil {
			return nil, xgbErr("JSON: %v", err)
		}
	default:
		return nil, xgbErr("neither JSON nor UBJSON (XGBoost's save_model writes one of them; the old binary format is not supported: load it in XGBoost and save it as .json)")
	}
	return doc.model()
}

// quoteNonFinite turns the bare NaN, Infinity and -Infinity XGBoost's JSON
// writer puts in number arrays (a categorical split's condition is NaN),
// which encoding/json refuses, into the strings xgbFloats reads; text
// inside strings is left alone.
func quoteNonFinite(b []byte) []byte {
	if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			out = append(out, c)
			switch c {
			case '\\':
				if i+1 < len(b) {
					i++
					out = append(out, b[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case bytes.HasPrefix(b[i:], []byte("NaN")):
			out, i = append(out, `"NaN"`...), i+2
			continue
		case bytes.HasPrefix(b[i:], []byte("Infinity")), bytes.HasPrefix(b[i:], []byte("+Infinity")):
			n := len("Infinity")
			if c == '+' {
				n++
			}
			out, i = append(out, `"+Inf"`...), i+n-1
			continue
		case bytes.HasPrefix(b[i:], []byte("-Infinity")):
			out, i = append(out, `"-Inf"`...), i+len("-Infinity")-1
			continue
		}
		out = append(out, c)
	}
	return out
}

// xgbFloats is an array of float32 that may hold NaN and infinities,
// written as the strings "NaN", "+Inf" and "-Inf" (by quoteNonFinite for
// JSON, by the UBJSON decoder for UBJSON).
type xgbFloats []float32

func (f *xgbFloats) UnmarshalJSON(b []byte) error {
	var raw []any
	// json.Number, parsed as float32 directly: through float64 a value
	// could round twice.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	out := make([]float32, len(raw))
	for i, v := range raw {
		switch v := v.(type) {
		case json.Number:
			x, err := strconv.ParseFloat(string(v), 32)
			if err != nil {
				return fmt.Errorf("%q is not a float32", v)
			}
			out[i] = float32(x)
		case string:
			x, err := strconv.ParseFloat(v, 32)
			if err != nil || !(math.IsNaN(x) || math.IsInf(x, 0)) {
				return fmt.Errorf("%q is not a number", v)
			}
			out[i] = float32(x)
		default:
			return fmt.Errorf("%v is not a number", v)
		}
	}
	*f = out
	return nil
}

func xgbErr(format string, args ...any) error {
	return &kindError{kind: ErrXGBoostModel, msg: fmt.Sprintf(format, args...)}
}

// kindError is an error of a kind (ErrXGBoostModel, checkpoint.ErrInvalid)
// whose message is msg; cause, when not nil, is a typed error the message
// tells (a *BaseScoreError), for errors.As.
type kindError struct {
	kind  error
	msg   string
	cause error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.kind, e.cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// xgbDoc is the part of XGBoost's model schema (doc/model.schema in its
// repository) that scoring needs.
type xgbDoc struct {
	Learner *struct {
		FeatureNames []string `json:"feature_names"`
		FeatureTypes []string `json:"feature_types"`
		Booster      *struct {
			Name  string    `json:"name"`
			Model *xgbTrees `json:"model"`
			// dart wraps a gbtree.
			GBTree *struct {
				Model *xgbTrees `json:"model"`
			} `json:"gbtree"`
		} `json:"gradient_booster"`
		Params struct {
			BaseScore  string `json:"base_score"`
			NumClass   string `json:"num_class"`
			NumFeature string `json:"num_feature"`
			NumTarget  string `json:"num_target"`
		} `json:"learner_model_param"`
		Objective struct {
			Name string `json:"name"`
		} `json:"objective"`
	} `json:"learner"`
	Version []int `json:"version"`
}

type xgbTrees struct {
	Trees    []xgbTree `json:"trees"`
	TreeInfo []int     `json:"tree_info"`
}

type xgbTree struct {
	Left        []int32   `json:"left_children"`
	Right       []int32   `json:"right_children"`
	SplitIndex  []int64   `json:"split_indices"`
	SplitCond   xgbFloats `json:"split_conditions"`
	DefaultLeft []int     `json:"default_left"`
	SplitType   []int     `json:"split_type"`
	SumHessian  xgbFloats `json:"sum_hessian"`
	// A categorical split's categories (those that go right) are
	// Categories[CatSegments[k]:][:CatSizes[k]] for node CatNodes[k].
	CatNodes    []int32 `json:"categories_nodes"`
	CatSegments []int64 `json:"categories_segments"`
	CatSizes    []int64 `json:"categories_sizes"`
	Categories  []int32 `json:"categories"`
	Param       struct {
		NumNodes string `json:"num_nodes"`
		NumFeat  string `json:"num_feature"`
		LeafVec  string `json:"size_leaf_vector"`
	} `json:"tree_param"`
}

func (doc *xgbDoc) model() (*XGBoostModel, error) {
	l := doc.Learner
	if l == nil || l.Booster == nil {
		return nil, xgbErr("no learner.gradient_booster: not an XGBoost model file")
	}
	out := &XGBoostModel{Objective: l.Objective.Name, FeatureNames: l.FeatureNames, Version: doc.Version}
	link := Identity
	switch l.Objective.Name {
	case "binary:logistic", "reg:logistic":
		link = Logistic
	case "multi:softprob", "multi:softmax":
		link = Softmax
	case "count:poisson", "reg:tweedie", "reg:gamma":
		link = Exp
	case "binary:hinge":
		link = Step
	case "reg:squaredlogerror":
	case "survival:cox", "survival:aft":
		link = Exp // hazard ratios, times
	case "reg:squarederror", "reg:linear", "binary:logitraw", "reg:pseudohubererror", "reg:absoluteerror",
		"rank:pairwise", "rank:ndcg", "rank:map":
	case "":
		return nil, xgbErr("no learner.objective.name")
	default:
		return nil, xgbErr("objective %q is not supported (binary:logistic, reg:logistic, binary:logitraw, binary:hinge, reg:squarederror, reg:squaredlogerror, reg:pseudohubererror, reg:absoluteerror, count:poisson, reg:tweedie, reg:gamma, multi:softprob, multi:softmax, rank:pairwise, rank:ndcg, rank:map, survival:cox and survival:aft are)", l.Objective.Name)
	}
	switch l.Booster.Name {
	case "gbtree":
	case "dart":
		return nil, xgbErr("the dart booster is not supported (its trees carry drop weights); gbtree is")
	default:
		return nil, xgbErr("booster %q is not supported (gbtree is)", l.Booster.Name)
	}
	if l.Booster.Model == nil {
		return nil, xgbErr("no gradient_booster.model")
	}
	if p := l.Params.NumTarget; p != "" && p != "0" && p != "1" {
		return nil, xgbErr("num_target is %s: multi-output models are not supported", p)
	}
	nClass := 1
	if p := l.Params.NumClass; p != "" && p != "0" && p != "1" {
		k, err := strconv.Atoi(p)
		if err != nil || k < 2 || k > MaxClasses {
			return nil, xgbErr("learner_model_param.num_class %q is not a number of classes (2..%d)", p, MaxClasses)
		}
		nClass = k
	}
	if (nClass > 1) != (link == Softmax) {
		return nil, xgbErr("objective %s with num_class %d: a multi-class objective needs num_class 2 or more, the others 0 or 1", l.Objective.Name, nClass)
	}
	nf, err := strconv.Atoi(l.Params.NumFeature)
	if err != nil || nf < 0 {
		return nil, xgbErr("learner_model_param.num_feature %q is not a count", l.Params.NumFeature)
	}
	// XGBoost 2 writes base_score as "[5E-1]" (a vector of one); XGBoost 3
	// can write one intercept per class or target.
	bsText := strings.Trim(l.Params.BaseScore, "[] ")
	if strings.Contains(bsText, ",") {
		return nil, xgbErr("base_score %q has one value per output (XGBoost 3's vector intercept), which this reader does not support yet", l.Params.BaseScore)
	}
	bs, err := strconv.ParseFloat(bsText, 32)
	if err != nil || math.IsNaN(bs) || math.IsInf(bs, 0) {
		return nil, xgbErr("learner_model_param.base_score %q is not a number", l.Params.BaseScore)
	}
	out.BaseScore = bs
	// XGBoost's ProbToMargin, as Fit takes Model.BaseScore.
	base, err := baseMargin(Objective(l.Objective.Name), link, bs)
	if err != nil {
		return nil, &kindError{kind: ErrXGBoostModel, msg: fmt.Sprintf("base_score %v is %s", bs, err.(*BaseScoreError).Reason), cause: err}
	}
	e := &Ensemble{base: base, link: link, nFeature: nf, f32Sum: true}
	trees := l.Booster.Model.Trees
	if nClass > 1 {
		// Every class starts from base_score itself (softmax has no
		// ProbToMargin), and tree_info says whose margin each tree adds to.
		e.bases = make([]float32, nClass)
		for c := range e.bases {
			e.bases[c] = base
		}
		info := l.Booster.Model.TreeInfo
		if len(info) != len(trees) {
			return nil, xgbErr("tree_info has %d entries for %d trees", len(info), len(trees))
		}
		e.class = make([]int32, len(trees))
		for i, c := range info {
			if c < 0 || c >= nClass {
				return nil, xgbErr("tree %d is for class %d; num_class is %d", i, c, nClass)
			}
			e.class[i] = int32(c)
		}
	}
	// Covers for Contributions, when every tree has every node's finite
	// hessian sum (a custom objective's may be negative, as XGBoost
	// allows); without them the model still scores.
	e.cover = []float32{}
	for i := range trees {
		if len(trees[i].SumHessian) != len(trees[i].Left) {
			e.cover, e.noCover = nil, fmt.Sprintf("tree %d has %d sum_hessian entries for %d nodes", i, len(trees[i].SumHessian), len(trees[i].Left))
			break
		}
		if k := slices.IndexFunc(trees[i].SumHessian, func(h float32) bool { return isNaN32(h) || isInf32(h) }); k >= 0 {
			e.cover, e.noCover = nil, fmt.Sprintf("tree %d's sum_hessian of node %d is %v", i, k, trees[i].SumHessian[k])
			break
		}
	}
	for i := range trees {
		if err := e.addXGBTree(&trees[i], nf); err != nil {
			return nil, xgbErr("tree %d: %v", i, err)
		}
	}
	if len(l.FeatureNames) != 0 && len(l.FeatureNames) != nf {
		return nil, xgbErr("%d feature names for %d features", len(l.FeatureNames), nf)
	}
	out.Ensemble = e
	return out, nil
}

// addXGBTree converts one tree to the side-by-side layout, checking every
// index so that a damaged file errors instead of looping or panicking.
func (e *Ensemble) addXGBTree(t *xgbTree, nf int) error {
	n := len(t.Left)
	if n == 0 {
		return errors.New("no nodes")
	}
	if want, err := strconv.Atoi(t.Param.NumNodes); err == nil && want != n {
		return fmt.Errorf("num_nodes is %d but left_children has %d entries", want, n)
	}
	// A scalar tree's leaf vector size is "0" in XGBoost 1.x and "1" from
	// 2.0 on; larger is multi_output_tree's vector leaves.
	if lv, err := strconv.Atoi(t.Param.LeafVec); t.Param.LeafVec != "" && (err != nil || lv > 1) {
		return errors.New("vector leaves (multi-target trees) are not supported")
	}
	for name, l := range map[string]int{"right_children": len(t.Right), "split_indices": len(t.SplitIndex),
		"split_conditions": len(t.SplitCond), "default_left": len(t.DefaultLeft)} {
		if l != n {
			return fmt.Errorf("%s has %d entries for %d nodes", name, l, n)
		}
	}
	if len(t.SplitType) != 0 && len(t.SplitType) != n {
		return fmt.Errorf("split_type has %d entries for %d nodes", len(t.SplitType), n)
	}
	catSets, err := t.categorySets()
	if err != nil {
		return err
	}
	root := int32(len(e.nodes))
	e.roots = append(e.roots, root)
	e.nodes = append(e.nodes, node{})
	if e.cover != nil {
		e.cover = append(e.cover, 0)
	}
	// Breadth-first: each inner node's children get two adjacent slots.
	type item struct{ src, dst int32 }
	queue := []item{{0, root}}
	seen := make([]bool, n)
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		s := it.src
		if seen[s] {
			return fmt.Errorf("node %d is reached twice (the tree has a cycle or shared node)", s)
		}
		seen[s] = true
		if e.cover != nil {
			e.cover[it.dst] = t.SumHessian[s]
		}
		l, r := t.Left[s], t.Right[s]
		if l == -1 {
			if r != -1 {
				return fmt.Errorf("node %d has a right child but no left one", s)
			}
			v := t.SplitCond[s]
			if isNaN32(v) {
				return fmt.Errorf("leaf %d has value NaN", s)
			}
			e.nodes[it.dst] = node{Threshold: v, Feature: -1}
			continue
		}
		if l < 0 || int(l) >= n || r < 0 || int(r) >= n {
			return fmt.Errorf("node %d has children %d and %d, outside 0..%d", s, l, r, n-1)
		}
		categorical := len(t.SplitType) == n && t.SplitType[s] != 0
		if categorical && t.SplitType[s] != 1 {
			return fmt.Errorf("node %d has split_type %d (0 is numeric, 1 categorical)", s, t.SplitType[s])
		}
		f := t.SplitIndex[s]
		if f < 0 || f >= int64(nf) {
			return fmt.Errorf("node %d splits on feature %d; the model has %d", s, f, nf)
		}
		set, hasSet := catSets[s]
		switch {
		case categorical && !hasSet:
			return fmt.Errorf("node %d is a categorical split without categories", s)
		case !categorical && hasSet:
			return fmt.Errorf("node %d has categories but is not a categorical split", s)
		case !categorical && isNaN32(t.SplitCond[s]):
			return fmt.Errorf("node %d has threshold NaN", s)
		}
		var def int32
		if t.DefaultLeft[s] == 0 {
			def = 1
		}
		left := int32(len(e.nodes))
		e.nodes = append(e.nodes, node{}, node{})
		if e.cover != nil {
			e.cover = append(e.cover, 0, 0)
		}
		nd := node{Threshold: t.SplitCond[s], Feature: int32(f), Left: left, Default: def}
		if categorical {
			// XGBoost writes NaN as a categorical split's condition.
			nd.Threshold = 0
			nd.CatBegin, nd.CatWords = int32(len(e.cats)), int32(len(set))
			e.cats = append(e.cats, set...)
		}
		e.nodes[it.dst] = nd
		queue = append(queue, item{l, left}, item{r, left + 1})
	}
	return nil
}

// categorySets is each categorical split's category set as a bitset (bit
// c of word c/32: category c goes right), as XGBoost's
// RegTree::LoadCategoricalSplit builds it from the categories_* arrays,
// by source node index.
func (t *xgbTree) categorySets() (map[int32][]uint32, error) {
	k := len(t.CatNodes)
	if len(t.CatSegments) != k || len(t.CatSizes) != k {
		return nil, fmt.Errorf("categories_nodes, categories_segments and categories_sizes have %d, %d and %d entries", k, len(t.CatSegments), len(t.CatSizes))
	}
	sets := make(map[int32][]uint32, k)
	for i, nd := range t.CatNodes {
		if nd < 0 || int(nd) >= len(t.Left) || sets[nd] != nil {
			return nil, fmt.Errorf("categories_nodes[%d] is node %d: not a node, or one listed twice", i, nd)
		}
		beg, size := t.CatSegments[i], t.CatSizes[i]
		if beg < 0 || size < 1 || beg > int64(len(t.Categories)) || size > int64(len(t.Categories))-beg {
			return nil, fmt.Errorf("node %d's categories are entries %d..%d of %d", nd, beg, beg+size-1, len(t.Categories))
		}
		cats := t.Categories[beg : beg+size]
		top := slices.Max(cats)
		if slices.Min(cats) < 0 || top >= maxCategory {
			return nil, fmt.Errorf("node %d has a category outside 0..%d", nd, maxCategory-1)
		}
		set := make([]uint32, top/32+1)
		for _, c := range cats {
			set[c/32] |= 1 << (c % 32)
		}
		sets[nd] = set
	}
	return sets, nil
}

func isNaN32(v float32) bool { return v != v }

func isInf32(v float32) bool { return math.IsInf(float64(v), 0) }
