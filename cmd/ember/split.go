package main

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
)

// The classifiers (logreg, naivebayes, gbt) hold out --test-frac of --data
// with one split, stratifiedSplit, so that a seed and a fraction hold out
// the same share of each class in all three, and none of them can train
// without a class that its held-out rows have.

// stratifiedSplit holds out ceil(frac·n) rows of each class, in proportion
// when stratify is set (as train_test_split(stratify=y)), though never a
// class's last row: every class keeps a training row, so that the model
// learns it (a class of one row is left out of the held-out rows). Without
// stratify (a regressor's targets), ceil(frac·n) of all the rows are held
// out. Both lists are in row order.
func stratifiedSplit(y []float64, frac float64, seed uint64, stratify bool) (train, test []int) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	groups := map[float64][]int{}
	if !stratify {
		groups[0] = allRows(len(y))
	} else {
		for i, v := range y {
			groups[v] = append(groups[v], i)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		rows := groups[k]
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		nt := int(math.Ceil(frac * float64(len(rows))))
		if stratify {
			nt = min(nt, len(rows)-1)
		}
		test = append(test, rows[:nt]...)
		train = append(train, rows[nt:]...)
	}
	slices.Sort(train)
	slices.Sort(test)
	return train, test
}

// classSplit is stratifiedSplit for class numbers (logreg's and naive
// Bayes's labels).
func classSplit(y []int, frac float64, seed uint64) (train, test []int) {
	f := make([]float64, len(y))
	for i, c := range y {
		f[i] = float64(c)
	}
	return stratifiedSplit(f, frac, seed, true)
}

// heldOutMissing lists the classes (names) that have training rows but
// none held out: too few rows to hold one out. The held-out scores say
// nothing about them, which the commands warn of.
func heldOutMissing(ytest []int, classes []string) []string {
	f := make([]float64, len(ytest))
	for i, c := range ytest {
		f[i] = float64(c)
	}
	return classesWithout(f, classes)
}

// noRowHeldOut is the error for a split (what) that holds out no row:
// being stratified, it keeps a row of every class for training, and each
// class has a single row (where: "in FILE", "training"). fix names the
// ways out besides more data.
func noRowHeldOut(what, target string, classes int, where, fix string) error {
	return fmt.Errorf("%s holds out no row: the split is stratified, keeping a row of every class for training, and each of the %d classes of %q has a single %s; holding out a row needs a class of 2 rows or more: use more data, %s",
		what, classes, target, where, fix)
}
