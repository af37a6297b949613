package logreg

import (
	"errors"
	"fmt"
	"slices"
)

// State is what a fitted Model needs to predict, for saving it: rebuild
// the model with FromState. The options (C, Tol, ...) shape the fit and
// are not part of it.
type State struct {
	// Classes are the labels Fit saw, ascending: PredictProba's columns.
	Classes []int
	// Scheme is "binary" (one decision function for the larger label),
	// "multinomial" (softmax) or "ovr" (one sigmoid per class, normalised).
	Scheme string
	// Coef has one row of nFeatures weights per decision function;
	// Intercept one bias per function.
	Coef      [][]float64
	Intercept []float64
}

var schemeNames = map[scheme]string{schemeBinary: "binary", schemeSoftmax: "multinomial", schemeOVR: "ovr"}

// State returns the fitted state (copies), or ErrNotFitted.
func (m *Model) State() (State, error) {
	if m.classes == nil {
		return State{}, ErrNotFitted
	}
	return State{Classes: slices.Clone(m.classes), Scheme: schemeNames[m.scheme], Coef: m.Coef(), Intercept: m.Intercept()}, nil
}

// FromState rebuilds a fitted model from s, checking that its parts agree
// (the functions a scheme needs, one row length, finite weights): a
// restored model predicts exactly what the saved one did. The options are
// New's.
func FromState(s State) (*Model, error) {
	m := New()
	var sc scheme
	for k, v := range schemeNames {
		if v == s.Scheme {
			sc = k
		}
	}
	k := len(s.Classes)
	switch {
	case sc == 0:
		return nil, fmt.Errorf("logreg: state: unknown scheme %q (want binary, multinomial or ovr)", s.Scheme)
	case k < 2:
		return nil, fmt.Errorf("logreg: state: %d classes; need at least two", k)
	case !slices.IsSorted(s.Classes) || len(slices.Compact(slices.Clone(s.Classes))) != k:
		return nil, errors.New("logreg: state: classes must be distinct and ascending")
	case sc == schemeBinary && (k != 2 || len(s.Coef) != 1):
		return nil, fmt.Errorf("logreg: state: a binary model has 2 classes and 1 coefficient row, not %d and %d", k, len(s.Coef))
	case sc != schemeBinary && len(s.Coef) != k:
		return nil, fmt.Errorf("logreg: state: %d coefficient rows for %d classes", len(s.Coef), k)
	case len(s.Intercept) != len(s.Coef):
		return nil, fmt.Errorf("logreg: state: %d intercepts for %d coefficient rows", len(s.Intercept), len(s.Coef))
	case len(s.Coef[0]) == 0:
		return nil, errors.New("logreg: state: no features")
	}
	d := len(s.Coef[0])
	for i, row := range s.Coef {
		if len(row) != d {
			return nil, fmt.Errorf("logreg: state: coefficient row %d has %d features, row 0 has %d", i, len(row), d)
		}
		if err := checkFinite(row, d); err != nil {
			return nil, fmt.Errorf("logreg: state: coefficients: %w", err)
		}
	}
	if err := checkFinite(s.Intercept, len(s.Intercept)); err != nil {
		return nil, fmt.Errorf("logreg: state: intercepts: %w", err)
	}
	m.scheme, m.classes, m.nFeatures = sc, slices.Clone(s.Classes), d
	m.Converged = true
	for _, row := range s.Coef {
		m.coef = append(m.coef, slices.Clone(row))
	}
	m.intercept = slices.Clone(s.Intercept)
	if sc == schemeOVR {
		m.Multi = OneVsRest
	} else if sc == schemeSoftmax {
		m.Multi = Multinomial
	}
	return m, nil
}
