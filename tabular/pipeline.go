package tabular

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Impute strategies, as scikit-learn's SimpleImputer names them.
const (
	ImputeNone         = ""              // keep missing values missing (NaN; no one-hot column set)
	ImputeMean         = "mean"          // numeric only
	ImputeMedian       = "median"        // numeric only
	ImputeMostFrequent = "most_frequent" // the most frequent value; ties: the smallest
	ImputeConstant     = "constant"      // FillValue (numeric) or FillCategory (text)
	// ImputeMissingCategory (categorical, one-hot only) imputes nothing:
	// a missing value is a category of its own, as scikit-learn 1.2's
	// OneHotEncoder makes NaN one. A column whose training rows have a
	// missing value gets the feature "column=nan" (MissingFeature), after
	// its values' features, set in the rows whose value is missing; in a
	// column whose training rows have none, a missing value sets no
	// feature, as an unseen value does (OneHotEncoder's
	// handle_unknown='ignore'), and is counted as one.
	ImputeMissingCategory = "category"
)

// MissingValueName is the value part of a missing category's feature,
// "column=nan", as scikit-learn names it ("column_nan"). No CSV value can
// clash with it, since "nan" reads as a missing value.
const MissingValueName = "nan"

// DefaultFillCategory is the category ImputeConstant fills a categorical
// column with when Spec.FillCategory is empty: SimpleImputer's default
// fill_value for strings.
const DefaultFillCategory = "missing_value"

// Encodings of categorical columns (Spec.CategoricalEncoding).
const (
	// EncodeOneHot makes a feature "column=value" per training value,
	// 1 in the rows holding it (scikit-learn's OneHotEncoder,
	// DictVectorizer).
	EncodeOneHot = ""
	// EncodeCodes makes one feature "column" holding each row's category
	// code: the value's place among the training values in sorted order
	// (0, 1, 2, …, as scikit-learn's OrdinalEncoder numbers them), for
	// trees that split on sets of categories (gbt's Model.Categorical,
	// XGBoost's enable_categorical). A value never seen in training gets
	// the code one past the known ones, len(Categories[k]), which no
	// split fitted on these codes has in its set; a missing value stays
	// missing (NaN) unless ImputeCategorical fills it.
	EncodeCodes = "codes"
)

// Spec says which columns become features and how; Fit learns the rest.
type Spec struct {
	// Numeric columns pass through as one feature each.
	Numeric []string `json:"numeric,omitempty"`
	// Categorical columns become one-hot features "column=value", or
	// one feature of category codes each, as CategoricalEncoding says.
	Categorical []string `json:"categorical,omitempty"`
	// CategoricalEncoding is how categorical columns become features:
	// EncodeOneHot (the zero value) or EncodeCodes.
	CategoricalEncoding string `json:"categorical_encoding,omitempty"`
	// Tokens columns hold token lists (split on TokenSep) and become
	// token-count features "column=token".
	Tokens []string `json:"tokens,omitempty"`
	// TokenSep splits a token-list cell (default: any run of spaces).
	TokenSep string `json:"token_sep,omitempty"`
	// MaxVocab keeps the most frequent tokens of each token column, ties
	// broken alphabetically (default 0: all), as CountVectorizer's
	// max_features and Spark's vocabSize.
	MaxVocab int `json:"max_vocab,omitempty"`
	// MinDF keeps tokens found in at least this many rows (default 1).
	MinDF int `json:"min_df,omitempty"`
	// Impute is the numeric strategy (ImputeNone by default).
	Impute string `json:"impute,omitempty"`
	// FillValue is the ImputeConstant value for numeric columns.
	FillValue float64 `json:"fill_value,omitempty"`
	// ImputeCategorical is the strategy for categorical columns, as a
	// SimpleImputer before the encoder: ImputeNone (a missing value sets
	// no one-hot feature, or is a NaN code), ImputeMostFrequent (the
	// training rows' most frequent value; ties: the smallest, in byte
	// order, as scikit-learn's min over the tied strings) or
	// ImputeConstant (FillCategory); or, one-hot only,
	// ImputeMissingCategory (a category "nan" of its own, as
	// OneHotEncoder makes NaN). A filled-in value is a category like any
	// other, one only when a training row is missing it (an imputer
	// fitted before the encoder adds it only then).
	ImputeCategorical string `json:"impute_categorical,omitempty"`
	// FillCategory is the ImputeConstant value for categorical columns
	// (DefaultFillCategory, "missing_value", when empty).
	FillCategory string `json:"fill_category,omitempty"`
	// Float64 says the features are for a float64 model (read with
	// TransformFloat64): Fit and TransformFloat64 then take any finite
	// numeric value, where by default (false) a value beyond float32's
	// range (±3.4e38) is refused, since Transform's Matrix would hold it
	// as infinite. Transform refuses those values either way.
	Float64 bool `json:"float64,omitempty"`
}

// Pipeline is a fitted Spec: it maps raw columns to a feature matrix.
type Pipeline struct {
	Spec Spec `json:"spec"`
	// Fill is each numeric column's imputed value (NaN, stored as null,
	// without imputation).
	Fill []JSONFloat `json:"fill"`
	// Categories are each categorical column's training values, sorted
	// (with EncodeCodes, value Categories[k][c] has code c).
	Categories [][]string `json:"categories"`
	// CategoryFill is each categorical column's imputed value ("" : none).
	CategoryFill []string `json:"category_fill"`
	// MissingCategory says, per categorical column, whether it has the
	// missing category's feature "column=nan" (ImputeMissingCategory, when
	// its training rows have a missing value): the last of its features.
	// Nil for the other strategies.
	MissingCategory []bool `json:"missing_category,omitempty"`
	// Vocab is each token column's vocabulary, sorted.
	Vocab [][]string `json:"vocab"`
	// Features names the output columns, in order.
	Features []string `json:"features"`

	catIndex   []map[string]int
	vocabIndex []map[string]int
}

// JSONFloat is a float64 that marshals NaN (and an infinity) as null and
// reads null back as NaN, since JSON has no NaN.
type JSONFloat float64

// MarshalJSON writes the number, or null for NaN or an infinity.
func (f JSONFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(f), 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (f *JSONFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = JSONFloat(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = JSONFloat(v)
	return err
}

// CodeFeatures are the output columns holding category codes (EncodeCodes),
// in order: what gbt's Model.Categorical takes. Nil for one-hot encoding.
func (p *Pipeline) CodeFeatures() []int {
	if p.Spec.CategoricalEncoding != EncodeCodes {
		return nil
	}
	var out []int
	for j := range p.Spec.Categorical {
		out = append(out, len(p.Spec.Numeric)+j)
	}
	return out
}

// codes reports whether categorical columns are coded, not one-hot encoded.
func (p *Pipeline) codes() bool { return p.Spec.CategoricalEncoding == EncodeCodes }

// Inputs are the raw columns the pipeline reads, in the order Transform
// wants them.
func (p *Pipeline) Inputs() []string {
	return slices.Concat(p.Spec.Numeric, p.Spec.Categorical, p.Spec.Tokens)
}

func (s *Spec) check() error {
	seen := map[string]string{}
	for _, g := range []struct {
		what string
		cols []string
	}{{"numeric", s.Numeric}, {"categorical", s.Categorical}, {"token", s.Tokens}} {
		for _, c := range g.cols {
			if prev, dup := seen[c]; dup {
				if prev == g.what {
					return fmt.Errorf("column %q is listed twice as %s", c, g.what)
				}
				return fmt.Errorf("column %q is listed both as %s and as %s", c, prev, g.what)
			}
			seen[c] = g.what
		}
	}
	if len(seen) == 0 {
		return errors.New("the pipeline has no feature columns")
	}
	switch s.Impute {
	case ImputeNone, ImputeMean, ImputeMedian, ImputeMostFrequent, ImputeConstant:
	default:
		return fmt.Errorf("unknown numeric impute strategy %q (want mean, median, most_frequent or constant)", s.Impute)
	}
	switch s.ImputeCategorical {
	case ImputeNone, ImputeMostFrequent, ImputeConstant, ImputeMissingCategory:
	default:
		return fmt.Errorf("unknown categorical impute strategy %q (want most_frequent, constant or category)", s.ImputeCategorical)
	}
	switch s.CategoricalEncoding {
	case EncodeOneHot, EncodeCodes:
	default:
		return fmt.Errorf("unknown categorical encoding %q (want \"\" for one-hot, or \"codes\")", s.CategoricalEncoding)
	}
	if s.ImputeCategorical == ImputeMissingCategory && s.CategoricalEncoding == EncodeCodes {
		return errors.New("a missing category is one-hot encoding's; category codes keep a missing value missing (NaN), which a tree routes by itself")
	}
	if s.MaxVocab < 0 || s.MinDF < 0 {
		return errors.New("MaxVocab and MinDF must not be negative")
	}
	return nil
}

// Fit learns the imputed values, categories and vocabularies from a batch
// holding (at least) the spec's columns; a nil or empty batch is an error.
func Fit(spec Spec, b *Batch) (*Pipeline, error) {
	if err := spec.check(); err != nil {
		return nil, fmt.Errorf("tabular: %w", err)
	}
	if b == nil {
		return nil, errors.New("tabular: Fit: the batch is nil")
	}
	if b.Rows == 0 {
		return nil, errors.New("tabular: no rows to fit the pipeline on")
	}
	p := &Pipeline{Spec: spec}
	for _, name := range spec.Numeric {
		c, err := column(b, name)
		if err != nil {
			return nil, err
		}
		vals, err := numbers(b, c, spec.Float64)
		if err != nil {
			return nil, err
		}
		fill, err := numericFill(spec, name, vals)
		if err != nil {
			where := b.Source // the file, or the package for rows built in memory
			if where == "" {
				where = "tabular"
			}
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		p.Fill = append(p.Fill, JSONFloat(fill))
		p.Features = append(p.Features, name)
	}
	for _, name := range spec.Categorical {
		c, err := column(b, name)
		if err != nil {
			return nil, err
		}
		counts := map[string]int{}
		missing := false
		for i := range b.Rows {
			if s, ok := c.Text(i); ok {
				counts[s]++
			} else {
				missing = true
			}
		}
		fill := ""
		switch spec.ImputeCategorical {
		case ImputeMostFrequent:
			fill = mostFrequent(counts)
		case ImputeConstant:
			fill = cmp.Or(spec.FillCategory, DefaultFillCategory)
		case ImputeMissingCategory:
			if missing && counts[MissingValueName] > 0 {
				// A Parquet string "nan": not a CSV value, which would
				// read as missing.
				return nil, fmt.Errorf("tabular: column %q has both missing values and the value %q, whose features would share the name %q",
					name, MissingValueName, name+"="+MissingValueName)
			}
			p.MissingCategory = append(p.MissingCategory, missing)
		}
		if fill != "" && missing {
			// The imputer fills the training rows before the encoder
			// learns its categories: the fill is one only if it is used.
			counts[fill] += 0
		}
		cats := sortedKeys(counts)
		p.Categories = append(p.Categories, cats)
		p.CategoryFill = append(p.CategoryFill, fill)
		if p.codes() {
			p.Features = append(p.Features, name)
			continue
		}
		for _, v := range cats {
			p.Features = append(p.Features, name+"="+v)
		}
		if missing && spec.ImputeCategorical == ImputeMissingCategory {
			// Last, as OneHotEncoder sorts NaN after every value.
			p.Features = append(p.Features, name+"="+MissingValueName)
		}
	}
	for _, name := range spec.Tokens {
		c, err := column(b, name)
		if err != nil {
			return nil, err
		}
		tf, df := map[string]int{}, map[string]int{}
		var seen []string
		for i := range b.Rows {
			s, ok := c.Text(i)
			if !ok {
				continue
			}
			seen = seen[:0]
			for _, tok := range p.tokens(s) {
				tf[tok]++
				if !slices.Contains(seen, tok) {
					seen = append(seen, tok)
					df[tok]++
				}
			}
		}
		var vocab []string
		for tok := range tf {
			if df[tok] >= max(spec.MinDF, 1) {
				vocab = append(vocab, tok)
			}
		}
		slices.SortFunc(vocab, func(a, b string) int { return cmp.Or(tf[b]-tf[a], strings.Compare(a, b)) })
		if spec.MaxVocab > 0 && len(vocab) > spec.MaxVocab {
			vocab = vocab[:spec.MaxVocab]
		}
		slices.Sort(vocab)
		p.Vocab = append(p.Vocab, vocab)
		for _, v := range vocab {
			p.Features = append(p.Features, name+"="+v)
		}
	}
	if len(p.Features) == 0 {
		return nil, errors.New("tabular: the pipeline makes no features (the categorical and token columns are all empty)")
	}
	p.index()
	return p, nil
}

// Check validates a pipeline decoded from a file and builds its lookup
// tables; a pipeline that does not hang together is an error.
func (p *Pipeline) Check() error {
	if err := p.Spec.check(); err != nil {
		return err
	}
	s := &p.Spec
	if len(p.Fill) != len(s.Numeric) || len(p.Categories) != len(s.Categorical) ||
		len(p.CategoryFill) != len(s.Categorical) || len(p.Vocab) != len(s.Tokens) {
		return errors.New("the fitted values do not match the spec's columns")
	}
	if want := len(s.Categorical); s.ImputeCategorical == ImputeMissingCategory && len(p.MissingCategory) != want ||
		s.ImputeCategorical != ImputeMissingCategory && len(p.MissingCategory) != 0 {
		return errors.New("the missing categories do not match the spec's columns and strategy")
	}
	n := len(s.Numeric)
	for k := range p.Categories {
		if p.codes() {
			n++
		} else {
			n += p.oneHotWidth(k)
		}
	}
	for _, v := range p.Vocab {
		n += len(v)
	}
	if n != len(p.Features) {
		return fmt.Errorf("%d feature names for %d features", len(p.Features), n)
	}
	p.index()
	return nil
}

// oneHotWidth is the number of one-hot features of categorical column k:
// one per training value, and the missing category's.
func (p *Pipeline) oneHotWidth(k int) int {
	n := len(p.Categories[k])
	if p.hasMissingCategory(k) {
		n++
	}
	return n
}

// hasMissingCategory reports whether categorical column k has the missing
// category's feature, its last.
func (p *Pipeline) hasMissingCategory(k int) bool {
	return k < len(p.MissingCategory) && p.MissingCategory[k]
}

func (p *Pipeline) index() {
	p.catIndex = make([]map[string]int, len(p.Categories))
	for k, cats := range p.Categories {
		p.catIndex[k] = make(map[string]int, len(cats))
		for i, v := range cats {
			p.catIndex[k][v] = i
		}
	}
	p.vocabIndex = make([]map[string]int, len(p.Vocab))
	for k, vocab := range p.Vocab {
		p.vocabIndex[k] = make(map[string]int, len(vocab))
		for i, v := range vocab {
			p.vocabIndex[k][v] = i
		}
	}
}

func (p *Pipeline) tokens(s string) []string {
	if p.Spec.TokenSep == "" {
		return strings.Fields(s)
	}
	var out []string
	for _, t := range strings.Split(s, p.Spec.TokenSep) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// TransformReport counts what Transform did beyond the plain mapping.
type TransformReport struct {
	// Unseen counts, per categorical column, the rows whose value was
	// never seen in training (no one-hot feature set, or the unseen code),
	// missing values among them where the training rows had none to learn
	// a category from (ImputeMissingCategory, or an ImputeConstant fill
	// that no training row needed).
	Unseen map[string]int
	// FirstUnseen is an example per column: the value (quoted, or "a
	// missing value") and where it is.
	FirstUnseen map[string]string
	// Imputed counts the missing values filled in.
	Imputed int
}

// unseen counts row i's value of column name, which training did not
// see: s, or a missing value (filled with s, when s is not ""). Only the
// column's first is described (FirstUnseen: quoted, or "a missing value",
// and where), so that a column of unseen values formats no text per row.
func (r *TransformReport) unseen(name string, b *Batch, i int, s string, missing bool) {
	if r.Unseen == nil {
		r.Unseen, r.FirstUnseen = map[string]int{}, map[string]string{}
	}
	if r.Unseen[name] == 0 {
		what := strconv.Quote(s)
		switch {
		case missing && s == "":
			what = "a missing value"
		case missing:
			// Filled with a constant no training row needed.
			what = fmt.Sprintf("a missing value (filled with %s)", what)
		}
		r.FirstUnseen[name] = fmt.Sprintf("%s (%s)", what, b.Where(i))
	}
	r.Unseen[name]++
}

// Add accumulates another report.
func (r *TransformReport) Add(o TransformReport) {
	for k, v := range o.Unseen {
		if r.Unseen == nil {
			r.Unseen, r.FirstUnseen = map[string]int{}, map[string]string{}
		}
		if r.Unseen[k] == 0 {
			r.FirstUnseen[k] = o.FirstUnseen[k]
		}
		r.Unseen[k] += v
	}
	r.Imputed += o.Imputed
}

// Transform maps a batch to its feature matrix, reusing out's storage when
// it is large enough. A non-number in a numeric column is an error naming
// the file, line (or row) and column; a category never seen in training is
// counted in the report and sets no feature (one-hot) or gets the unseen
// code (EncodeCodes), and so does a missing one that the training rows
// taught no category (see ImputeMissingCategory). A nil batch is an error.
func (p *Pipeline) Transform(b *Batch, out *Matrix) (*Matrix, TransformReport, error) {
	if b == nil {
		return nil, TransformReport{}, errors.New("tabular: Transform: the batch is nil")
	}
	d := len(p.Features)
	if out == nil || cap(out.Data) < b.Rows*d {
		out = NewMatrix(b.Rows, d)
	} else {
		out.Rows, out.Cols, out.Data = b.Rows, d, out.Data[:b.Rows*d]
		clear(out.Data)
	}
	rep, err := transform(p, b, out.Data)
	if err != nil {
		return nil, rep, err
	}
	return out, rep, nil
}

// TransformFloat64 is Transform for models that compute in float64, as
// scikit-learn's linear models do: it returns the batch's features as
// row-major float64 (row i is [i*len(Features) : (i+1)*len(Features)]),
// so a numeric value keeps the precision it was parsed with rather than
// float32's. The rules are Transform's, errors included, except that with
// Spec.Float64 a numeric value beyond float32's range is taken.
func (p *Pipeline) TransformFloat64(b *Batch) ([]float64, TransformReport, error) {
	if b == nil {
		return nil, TransformReport{}, errors.New("tabular: TransformFloat64: the batch is nil")
	}
	out := make([]float64, b.Rows*len(p.Features))
	rep, err := transform(p, b, out)
	if err != nil {
		return nil, rep, err
	}
	return out, rep, nil
}

// transform writes the features of b into data (zeroed, b.Rows ×
// len(p.Features), row-major): Transform's and TransformFloat64's body.
func transform[T float32 | float64](p *Pipeline, b *Batch, data []T) (TransformReport, error) {
	var rep TransformReport
	d := len(p.Features)
	if p.catIndex == nil {
		p.index()
	}
	col := 0
	for k, name := range p.Spec.Numeric {
		c, err := column(b, name)
		if err != nil {
			return rep, err
		}
		var zero T
		_, wide := any(zero).(float64)
		vals, err := numbers(b, c, wide && p.Spec.Float64)
		if err != nil {
			return rep, err
		}
		fill := T(p.Fill[k])
		for i, v := range vals {
			x := T(v)
			if v != v {
				x = fill
				if fill == fill {
					rep.Imputed++
				}
			}
			data[i*d+col] = x
		}
		col++
	}
	for k, name := range p.Spec.Categorical {
		c, err := column(b, name)
		if err != nil {
			return rep, err
		}
		idx := p.catIndex[k]
		codes := p.codes()
		missingCategory := p.Spec.ImputeCategorical == ImputeMissingCategory
		for i := range b.Rows {
			s, ok := c.Text(i)
			if !ok && missingCategory {
				if p.hasMissingCategory(k) {
					data[i*d+col+len(p.Categories[k])] = 1
				} else {
					rep.unseen(name, b, i, "", true)
				}
				continue
			}
			if !ok {
				if s = p.CategoryFill[k]; s == "" {
					if codes {
						data[i*d+col] = T(math.NaN())
					}
					continue
				}
				rep.Imputed++
			}
			j, known := idx[s]
			if codes {
				if !known {
					j = len(p.Categories[k])
				}
				data[i*d+col] = T(j)
			}
			if !known {
				rep.unseen(name, b, i, s, !ok)
				continue
			}
			if !codes {
				data[i*d+col+j] = 1
			}
		}
		if codes {
			col++
		} else {
			col += p.oneHotWidth(k)
		}
	}
	for k, name := range p.Spec.Tokens {
		c, err := column(b, name)
		if err != nil {
			return rep, err
		}
		idx := p.vocabIndex[k]
		for i := range b.Rows {
			s, ok := c.Text(i)
			if !ok {
				continue
			}
			for _, tok := range p.tokens(s) {
				if j, known := idx[tok]; known {
					data[i*d+col+j]++
				}
			}
		}
		col += len(p.Vocab[k])
	}
	return rep, nil
}

func column(b *Batch, name string) (*Column, error) {
	c := b.Column(name)
	if c == nil {
		return nil, &columnError{fmt.Sprintf("%s: no column %q", b.Source, name)}
	}
	return c, nil
}

// numbers is a column's values as numbers: text is parsed, and a value
// that is not a number is an error naming where it is, as is one that is
// infinite (as a float32 feature, or with wide as a float64).
func numbers(b *Batch, c *Column, wide bool) ([]float64, error) {
	infinite := Infinite
	if wide {
		infinite = func(v float64) bool { return math.IsInf(v, 0) }
	}
	if c.Kind == Numeric {
		for i, v := range c.Num {
			if infinite(v) {
				return nil, &ValueError{Where: b.Where(i), Column: c.Name, Value: strconv.FormatFloat(v, 'g', -1, 64), Infinite: true, Float64: wide}
			}
		}
		return c.Num, nil
	}
	out := make([]float64, len(c.Str))
	for i, s := range c.Str {
		if c.Null != nil && c.Null[i] {
			out[i] = math.NaN()
			continue
		}
		v, err := ParseNumber(s)
		if wide {
			v, err = parseFloat64(s)
		}
		if err != nil {
			var ve *ValueError
			errors.As(err, &ve)
			ve.Where, ve.Column, ve.Text, ve.Terms, ve.Float64 = b.Where(i), c.Name, b.Lines != nil, b.Layout.Terms, wide
			return nil, ve
		}
		out[i] = v
	}
	return out, nil
}

// Infinite reports whether v is infinite as a feature: ±Inf, or beyond
// float32's range (±3.4e38), which a Matrix holds as ±Inf.
func Infinite(v float64) bool { return math.IsInf(float64(float32(v)), 0) }

// ParseNumber reads a numeric feature cell: a number that is finite as a
// float32 feature, else a *ValueError (without Where and Column).
func ParseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, &ValueError{Value: s}
	case err != nil || Infinite(v):
		return 0, &ValueError{Value: s, Infinite: true}
	}
	return v, nil
}

// parseFloat64 is ParseNumber for float64 features: any finite float64.
func parseFloat64(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, &ValueError{Value: s}
	case err != nil || math.IsInf(v, 0):
		return 0, &ValueError{Value: s, Infinite: true}
	}
	return v, nil
}

// ValueError is a value that is not a number in a numeric column, or one
// that is infinite: XGBoost and scikit-learn refuse infinite features, and
// a tree could not route one as its bins placed it.
type ValueError struct {
	Where    string // "file: line N"
	Column   string
	Value    string
	Infinite bool
	// Text: the value came from a text table, where a Layout's NA
	// markers apply; a Parquet string column's do not.
	Text bool
	// Terms names Layout.NA in the hint for a missing-value marker: the
	// text table's Layout.Terms (nil: the field's name).
	Terms *Terms
	// Float64: the features are float64 (Spec.Float64), so an Infinite
	// value is beyond float64's range rather than float32's.
	Float64 bool
}

func (e *ValueError) Error() string {
	if e.Infinite && e.Float64 {
		return fmt.Sprintf("%s, column %q: %q is infinite or beyond float64's range (±1.8e308); features must be finite (leave the cell empty for a missing value)", e.Where, e.Column, e.Value)
	}
	if e.Infinite {
		return fmt.Sprintf("%s, column %q: %q is infinite or beyond float32's range (±3.4e38); features must be finite (leave the cell empty for a missing value)", e.Where, e.Column, e.Value)
	}
	if e.Text && LooksLikeNA(e.Value) {
		return fmt.Sprintf("%s, column %q: %q is not a number (a numeric feature; %s reads it as a missing value)", e.Where, e.Column, e.Value, e.Terms.naTerm(strings.TrimSpace(e.Value)))
	}
	return fmt.Sprintf("%s, column %q: %q is not a number (a numeric feature; list the column as categorical if it holds categories)", e.Where, e.Column, e.Value)
}

func numericFill(spec Spec, name string, vals []float64) (float64, error) {
	var present []float64
	for _, v := range vals {
		if v == v {
			present = append(present, v)
		}
	}
	if spec.Impute != ImputeNone && spec.Impute != ImputeConstant && len(present) == 0 {
		return 0, fmt.Errorf("column %q is missing in all %d rows fitted on, so it has no %s to fill them with", name, len(vals), spec.Impute)
	}
	switch spec.Impute {
	case ImputeMean:
		var s float64
		for _, v := range present {
			s += v
		}
		return s / float64(len(present)), nil
	case ImputeMedian:
		slices.Sort(present)
		n := len(present)
		if n%2 == 1 {
			return present[n/2], nil
		}
		return (present[n/2-1] + present[n/2]) / 2, nil
	case ImputeMostFrequent:
		counts := map[float64]int{}
		for _, v := range present {
			counts[v]++
		}
		best, bestN := 0.0, -1
		for v, n := range counts {
			if n > bestN || (n == bestN && v < best) {
				best, bestN = v, n
			}
		}
		return best, nil
	case ImputeConstant:
		return spec.FillValue, nil
	}
	return math.NaN(), nil
}

func mostFrequent(counts map[string]int) string {
	best, bestN := "", -1
	for v, n := range counts {
		if n > bestN || (n == bestN && v < best) {
			best, bestN = v, n
		}
	}
	return best
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
