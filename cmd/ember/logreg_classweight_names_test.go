package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseClassWeightSpecNames: a class name holding a comma could not be
// given to --class-weight (the comma split it); it goes in double quotes,
// as a CSV field, with "" for a quote inside. Unquoted names still take
// everything before the pair's last colon, '=' and ':' included.
func TestParseClassWeightSpecNames(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want map[string]float64
	}{
		{`"bad, debt":3,ok:1`, map[string]float64{"bad, debt": 3, "ok": 1}},
		{` "bad, debt" : 3 , ok : 1 `, map[string]float64{"bad, debt": 3, "ok": 1}},
		{`ok:1,"Smith, J.":2.5`, map[string]float64{"ok": 1, "Smith, J.": 2.5}},
		{`"say ""hi"", then go":2`, map[string]float64{`say "hi", then go`: 2}},
		{`"a:b":1,"c=d":2`, map[string]float64{"a:b": 1, "c=d": 2}},
		{`x:y:2,a=b:0`, map[string]float64{"x:y": 2, "a=b": 0}},
	} {
		got, err := parseClassWeightSpec(tc.spec)
		require.NoError(t, err, tc.spec)
		require.Equal(t, tc.want, got, tc.spec)
	}
	for _, tc := range []struct{ spec, want string }{
		{`bad, debt:3`, `"bad" has no ':'; want balanced, or CLASS:WEIGHT pairs separated by commas, as yes:5,no:1 (a class name holding a comma goes in double quotes: '"bad, debt":3')`},
		{`"bad, debt:3`, `the quote that opens "bad, debt:3 is never closed (a quote inside a class name is written "")`},
		{`"bad, debt"3`, `class "bad, debt": want ':' and its weight right after the closing quote, as "bad, debt":3`},
		{`"bad, debt":x`, `class "bad, debt": weight "x" is not a finite number from 0 up`},
		{`"  ":3`, `"  " names no class`},
		{`"a,b":1,"a,b":2`, `class "a,b" is given twice`},
		{`ok=3`, `"ok=3" has no ':'; write ok:3 (CLASS:WEIGHT pairs separated by commas, as yes:5,no:1)`},
		{`ok:3,`, `an empty pair (two commas in a row, or one at an end)`},
		{`ok:3,,no:1`, `an empty pair (two commas in a row, or one at an end)`},
	} {
		_, err := parseClassWeightSpec(tc.spec)
		require.Error(t, err, tc.spec)
		require.Contains(t, err.Error(), tc.want, tc.spec)
	}
}

// TestLogregClassWeightCommaName fits with a class whose name holds a
// comma, weighted through a quoted --class-weight, and requires the fit of
// the same data with the class renamed "bad" and weighted bad:3: the
// weight reached the class. A name that is no class is an error naming it
// and listing the classes, quoted.
func TestLogregClassWeightCommaName(t *testing.T) {
	plain, _, _ := imbalancedCSV(unitWeight)
	renamed := strings.ReplaceAll(plain, ",yes\n", ",\"bad, debt\"\n")
	renamed = strings.ReplaceAll(renamed, ",no\n", ",ok\n")
	plain = strings.ReplaceAll(strings.ReplaceAll(plain, ",yes\n", ",bad\n"), ",no\n", ",ok\n")
	fit := func(csv, spec string) logregResult {
		t.Helper()
		data := writeFile(t, "in.csv", csv)
		code, out, errOut := runCmd(t, append([]string{"logreg", "--data", data, "--exclude", "w", "--class-weight", spec}, tightArgs...)...)
		require.Equal(t, 0, code, errOut)
		return lastJSON(t, out)
	}
	got := fit(renamed, `"bad, debt":3`)
	want := fit(plain, "bad:3")
	require.Equal(t, map[string]float64{"bad, debt": 3, "ok": 1}, got.ClassWeights)
	require.Equal(t, want.Coef, got.Coef)
	require.Equal(t, want.Intercept, got.Intercept)
	unweighted := fit(plain, "bad:1")
	require.NotEqual(t, unweighted.Coef, want.Coef, "the weight changes the fit")

	data := writeFile(t, "in.csv", renamed)
	code, _, errOut := runCmd(t, "logreg", "--data", data, "--target", "label", "--exclude", "w", "--class-weight", "bad:3")
	require.Equal(t, 1, code)
	require.Equal(t, `ember logreg: --class-weight: column "label" of `+data+` has no class "bad"; its classes are "bad, debt", "ok"`+"\n", errOut)
}
