package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
)

// ember gbt's --metric takes two vocabularies for a non-rank objective:
// its own names, scikit-learn's where it has one (roc_auc, log_loss,
// accuracy, rmse, mae, deviance, nloglik, c_index), and XGBoost 1.7's
// eval_metric names of the same quantities (auc, logloss, error, rmsle,
// poisson-nloglik, …), which users of XGBoost type. An XGBoost name is
// read as the command's name of the quantity it computes, once, when the
// flags are checked: from there on --cv, --early-stopping (evalMetric),
// the summary and --json see only that name, so each spelling fits and
// reports the same. A rank objective's metrics (ndcg, map@5, …) have only
// XGBoost's names.

// metricSpellings is one name of what --metric scores an objective by,
// with XGBoost's eval_metric names of the same quantity.
type metricSpellings struct {
	name    string   // the command's: what --cv and the report name
	xgboost []string // XGBoost 1.7's (gbt.Model.EvalMetric's where it has it)
}

// objectiveMetrics are the --metric names of a non-rank objective,
// in the order its help lists them; tweediePower is reg:tweedie's
// variance power, which its XGBoost name carries (tweedie-nloglik@1.5).
//
// XGBoost's logloss and error are of two classes and mlogloss and merror
// of more (XGBoost refuses the other use), but the two-class figures are
// the multi-class ones of two classes, so both are taken for any
// classifier. An objective's own loss by XGBoost's name (poisson-nloglik,
// gamma-deviance, mphe, rmsle, cox-nloglik, …) is deviance or nloglik:
// the objective's mean deviance is its negative log likelihood up to a
// factor and a term of the labels alone, so it ranks grid points and
// rounds alike (rmsle is the root of reg:squaredlogerror's deviance, the
// mean squared log error, which --cv averages over the folds).
func objectiveMetrics(obj gbt.Objective, tweediePower float64) []metricSpellings {
	switch {
	case obj.Survival():
		nll := "cox-nloglik"
		if obj == gbt.SurvivalAFT {
			nll = "aft-nloglik"
		}
		return []metricSpellings{{"nloglik", []string{nll}}, {"c_index", nil}}
	case obj == gbt.BinaryHinge: // it predicts classes: no probabilities to score
		return []metricSpellings{{"roc_auc", []string{gbt.MetricAUC}}, {"accuracy", []string{gbt.MetricError, gbt.MetricMError}}}
	case obj.Classifier():
		return []metricSpellings{{"roc_auc", []string{gbt.MetricAUC}}, {"log_loss", []string{gbt.MetricLogLoss, gbt.MetricMLogLoss}},
			{"accuracy", []string{gbt.MetricError, gbt.MetricMError}}}
	}
	out := []metricSpellings{{"rmse", []string{gbt.MetricRMSE}}, {"mae", []string{gbt.MetricMAE}}}
	var own []string // XGBoost's names of the objective's deviance
	switch obj {
	case gbt.CountPoisson:
		own = []string{"poisson-nloglik"}
	case gbt.Gamma:
		own = []string{"gamma-nloglik", "gamma-deviance"}
	case gbt.Tweedie:
		own = []string{tweedieNLogLik(tweediePower)}
	case gbt.PseudoHuber:
		own = []string{"mphe"}
	case gbt.SquaredLogError:
		own = []string{"rmsle"}
	case gbt.RegLogistic:
		own = []string{gbt.MetricLogLoss}
	case gbt.SquaredError, gbt.AbsoluteError:
		return out // their loss is rmse's or mae's
	}
	return append(out, metricSpellings{"deviance", own})
}

// tweedieNLogLik is XGBoost's name of reg:tweedie's loss at variance power
// p, as its default eval_metric writes it.
func tweedieNLogLik(p float64) string {
	return "tweedie-nloglik@" + strconv.FormatFloat(p, 'g', -1, 64)
}

// xgboostOnlyMetrics are XGBoost 1.7's eval_metric names (the part before
// any @) of quantities ember gbt does not compute.
var xgboostOnlyMetrics = []string{"mape", "aucpr", "pre", "interval-regression-accuracy"}

// gbtMetric is --metric's name for a non-rank objective, given in either
// vocabulary (see objectiveMetrics), as the command names it; an error,
// saying why and listing the objective's names in both, when the
// objective is not scored by it.
func gbtMetric(obj gbt.Objective, name string, tweediePower float64) (string, error) {
	if name == gbt.MetricCIndex {
		// c-index is how the model and the early-stopping summary spell
		// c_index (XGBoost has no such metric).
		name = "c_index"
	}
	spelled := name
	if before, after, ok := strings.Cut(name, "@"); ok {
		// XGBoost's parameter after @ is a number: error@0.5 is error,
		// tweedie-nloglik@1.50 names power 1.5.
		t, err := strconv.ParseFloat(after, 64)
		switch {
		case err != nil:
		case before == "error" && t == 0.5:
			spelled = gbt.MetricError
		case before == "tweedie-nloglik":
			spelled = tweedieNLogLik(t)
		}
	}
	accepted := objectiveMetrics(obj, tweediePower)
	for _, m := range accepted {
		if spelled == m.name || slices.Contains(m.xgboost, spelled) {
			return m.name, nil
		}
	}
	return "", fmt.Errorf("%s: use --metric %s", metricRefusal(obj, name, spelled), metricList(accepted))
}

// metricRefusal says why obj is not scored by the --metric name (spelled
// as gbtMetric reads it).
func metricRefusal(obj gbt.Objective, name, spelled string) string {
	base, _, _ := strings.Cut(name, "@")
	if base == "tweedie-nloglik" {
		spelled = tweedieNLogLik(1.5) // any power's is reg:tweedie's
	}
	// The kind of objective the name scores: a classifier, a regressor
	// or survival times ("" for none ember gbt computes).
	kind := func(o gbt.Objective) string {
		switch {
		case o.Classifier():
			return "classifier"
		case o.Survival():
			return "survival"
		}
		return "regressor"
	}
	scores := ""
	for _, o := range []gbt.Objective{gbt.BinaryLogistic, gbt.CountPoisson, gbt.Gamma, gbt.Tweedie, gbt.PseudoHuber,
		gbt.SquaredLogError, gbt.RegLogistic, gbt.SurvivalCox, gbt.SurvivalAFT} {
		for _, m := range objectiveMetrics(o, 1.5) {
			if (spelled == m.name || slices.Contains(m.xgboost, spelled)) && scores == "" {
				scores = kind(o) // logloss is a classifier's first, then reg:logistic's
			}
		}
	}
	switch {
	case spelled == "deviance" && obj == gbt.SquaredError:
		return fmt.Sprintf("--metric deviance: %s's loss is the squared error, which --metric rmse ranks the same way", obj)
	case spelled == "deviance" && obj == gbt.AbsoluteError:
		return fmt.Sprintf("--metric deviance: %s's loss is the absolute error", obj)
	case obj == gbt.BinaryHinge && scores == "classifier":
		return fmt.Sprintf("--metric %s scores probabilities; --objective %s gives none (it predicts classes)", name, obj)
	case strings.HasPrefix(spelled, "error@") && obj.Classifier():
		return fmt.Sprintf("--metric %s: ember gbt's error is XGBoost's at the threshold 0.5 (error, error@0.5) alone", name)
	case base == "tweedie-nloglik" && obj == gbt.Tweedie:
		return fmt.Sprintf("--metric %s: ember gbt scores reg:tweedie by its own loss, at --tweedie-variance-power, not at another power", name)
	case scores != "" && scores == kind(obj):
		// A regressor's or survival model's loss by another objective's name.
		return fmt.Sprintf("--metric %s is another objective's loss; ember gbt scores --objective %s by its own", name, obj)
	case scores == "classifier" || base == "error":
		return fmt.Sprintf("--metric %s scores a classifier's probabilities; --objective %s predicts a number", name, obj)
	case scores == "regressor" && obj.Classifier():
		return fmt.Sprintf("--metric %s scores a regressor's predicted numbers; --objective %s is a classifier", name, obj)
	case scores == "regressor":
		return fmt.Sprintf("--metric %s scores a regressor's predicted numbers; --objective %s scores survival times", name, obj)
	case scores == "survival":
		return fmt.Sprintf("--metric %s scores survival times (survival:cox, survival:aft); --objective is %s", name, obj)
	case slices.Contains(xgboostOnlyMetrics, base):
		return fmt.Sprintf("--metric %s is an XGBoost eval_metric that ember gbt does not compute", name)
	}
	return fmt.Sprintf("--metric %q is no metric ember gbt knows", name)
}

// metricList is the accepted names for a message: "roc_auc (XGBoost's
// auc), log_loss (XGBoost's logloss or mlogloss) or …".
func metricList(accepted []metricSpellings) string {
	var names []string
	for _, m := range accepted {
		var other []string
		for _, x := range m.xgboost {
			if x != m.name {
				other = append(other, x)
			}
		}
		if other != nil {
			names = append(names, fmt.Sprintf("%s (XGBoost's %s)", m.name, orList(other)))
		} else {
			names = append(names, m.name)
		}
	}
	return orList(names)
}

// orList is "a", "a or b", "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// isRankMetric is whether name is a ranking metric's (ndcg…, map…), as
// metrics.ParseRankMetric reads it (mape is not).
func isRankMetric(name string) bool {
	_, err := metrics.ParseRankMetric(name)
	return err == nil
}
