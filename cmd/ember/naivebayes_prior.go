package main

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// --prior: the class priors P(c) of ember naivebayes, scikit-learn's
// fit_prior and class_prior (GaussianNB's priors).

// Its forms.
const (
	priorFrequencies = "frequencies" // fit_prior=True: the training classes' shares
	priorUniform     = "uniform"     // fit_prior=False
)

var priorSyntax = pairSyntax{value: "prior", example: "ham:0.8,spam:0.2", sample: "0.2", keywords: "frequencies, uniform, or "}

// parsePriorSpec checks --prior's syntax before any file is read:
// frequencies, uniform, or CLASS:P pairs, each P above 0 and at most 1.
// It returns the pairs (nil for the two keywords). That every training
// class has one, and that they sum to 1, is checked against the data by
// nbClassPrior.
func parsePriorSpec(spec string) (map[string]float64, error) {
	if spec == "" || spec == priorFrequencies || spec == priorUniform {
		return nil, nil
	}
	return parseClassPairs(spec, priorSyntax, func(name, ps string) (float64, error) {
		p, err := strconv.ParseFloat(ps, 64)
		if err != nil || !(p > 0 && p <= 1) {
			return 0, fmt.Errorf("class %q: prior %q is not a probability above 0 and at most 1", name, ps)
		}
		return p, nil
	})
}

func checkPriorSpec(spec string) error {
	_, err := parsePriorSpec(spec)
	return err
}

// nbClassPrior resolves --prior for a model fitted on the training labels
// ytr (indices into classes): nil for frequencies; for uniform and for
// CLASS:P pairs one prior per training class, in the order of the
// model's Classes() (ascending index). Pairs must name every training
// class and no other, and sum to 1 (within 1e-6, as the library checks);
// labels says where the labels come from: `column "y" of data.csv`.
func nbClassPrior(spec string, classes []string, ytr []int, labels string) ([]float64, error) {
	fitted := slices.Compact(slices.Sorted(slices.Values(ytr)))
	switch spec {
	case "", priorFrequencies:
		return nil, nil
	case priorUniform:
		prior := make([]float64, len(fitted))
		for k := range prior {
			prior[k] = 1 / float64(len(fitted))
		}
		return prior, nil
	}
	byName, err := parsePriorSpec(spec)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(fitted))
	for k, c := range fitted {
		names[k] = classes[c]
	}
	prior := make([]float64, len(fitted))
	var missing []string
	for k, name := range names {
		p, ok := byName[name]
		if !ok {
			missing = append(missing, strconv.Quote(name))
		}
		prior[k] = p
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		if !slices.Contains(names, name) {
			why := fmt.Sprintf("there is no class %q among %s", name, labels)
			if slices.Contains(classes, name) {
				why = fmt.Sprintf("class %q has no training rows", name)
			}
			return nil, fmt.Errorf("--prior: %s; the training classes are %s", why, strings.Join(quoteAll(names), ", "))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("--prior gives no prior for class %s of %s: give every training class one (%s), or use frequencies or uniform",
			strings.Join(missing, ", "), labels, strings.Join(quoteAll(names), ", "))
	}
	sum := 0.0
	for _, p := range prior {
		sum += p
	}
	if math.Abs(sum-1) > 1e-6 {
		return nil, fmt.Errorf("--prior %s: the priors sum to %.10g, not 1", spec, sum)
	}
	return prior, nil
}

// describePrior is the report's words on the class priors used: prior is
// nbClassPrior's, names the fitted classes.
func describePrior(spec string, prior []float64, names []string) string {
	switch spec {
	case "", priorFrequencies:
		return "class priors from frequencies"
	case priorUniform:
		return "uniform class priors"
	}
	parts := make([]string, len(prior))
	for k, p := range prior {
		parts[k] = fmt.Sprintf("%s %.4g", names[k], p)
	}
	return "class priors " + strings.Join(parts, ", ") + " (--prior)"
}

// labelsWhere names where a file's class labels are, for errors: its
// column, or the file when its layout has no header.
func labelsWhere(column, data string) string {
	if column == "" {
		return "the labels of " + data
	}
	return fmt.Sprintf("column %q of %s", column, data)
}
