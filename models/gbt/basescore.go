package gbt

import (
	"fmt"
	"math"
	"slices"
)

// BaseScoreError is the error for a base_score (Model.BaseScore, or one an
// XGBoost model file holds) that an objective cannot start from:
// BaseMargin returns it, and errors.As finds it in Fit's and
// ParseXGBoost's errors, which word it in their own terms.
type BaseScoreError struct {
	Objective Objective
	BaseScore float64
	// Reason completes "base_score 1.5 is …": e.g. "not a probability in
	// (0, 1), which binary:logistic needs: its starting margin is the
	// log-odds".
	Reason string
}

func (e *BaseScoreError) Error() string {
	return fmt.Sprintf("gbt: base_score %v is %s", e.BaseScore, e.Reason)
}

// BaseMargin is the margin a fit of the objective starts every row from
// (every class's, for the multi-class objectives) when given base_score
// (Model.BaseScore): XGBoost 1.7's ObjFunction::ProbToMargin, in float32
// as XGBoost keeps base_score and computes it. That is the log-odds
// −log(1/base_score − 1) for BinaryLogistic and RegLogistic, whose
// base_score must be a probability in (0, 1); the log for the log links
// (CountPoisson, Tweedie, Gamma, SurvivalCox, SurvivalAFT), whose
// base_score must be above 0; and base_score itself for the others
// (BinaryLogitRaw's base_score is its margin, as in XGBoost). A value the
// objective cannot take, one that is not finite or is beyond float32's
// range, or an unknown objective, is a *BaseScoreError.
func (o Objective) BaseMargin(baseScore float64) (float32, error) {
	if !slices.Contains(objectives, o) {
		return 0, &BaseScoreError{o, baseScore, fmt.Sprintf("not for an objective Fit knows (%q)", o)}
	}
	return baseMargin(o, o.link(), baseScore)
}

// baseMargin is BaseMargin by the objective's link, which decides
// XGBoost's ProbToMargin (logit for the logistic link, log for the exp
// link, identity for the rest: binary:logitraw, whose link is the
// identity, keeps base_score as its margin), for LoadXGBoost's objectives
// too; name is the objective, for the error.
func baseMargin(name Objective, link Link, baseScore float64) (float32, error) {
	bad := func(format string, args ...any) error {
		return &BaseScoreError{name, baseScore, fmt.Sprintf(format, args...)}
	}
	if math.IsNaN(baseScore) || math.Abs(baseScore) > math.MaxFloat32 {
		return 0, bad("not a finite number within float32's range (±3.4e38), where XGBoost keeps base_score")
	}
	b := float32(baseScore)
	switch link {
	case Logistic:
		if !(b > 0 && b < 1) {
			return 0, bad("not a probability in (0, 1), which %s needs: its starting margin is the log-odds", name)
		}
		// XGBoost's ProbToMargin: -logf(1/base_score - 1), in float32.
		m := -float32(math.Log(float64(1/b - 1)))
		if isInf32(m) {
			return 0, bad("too close to 0 for %s: its log-odds, the starting margin, are beyond float32's range", name)
		}
		return m, nil
	case Exp:
		if !(b > 0) {
			return 0, bad("not above 0 (as float32, as XGBoost keeps it), which %s needs: its starting margin is the log", name)
		}
		// The log link's ProbToMargin: logf(base_score).
		return float32(math.Log(float64(b))), nil
	}
	return b, nil
}
