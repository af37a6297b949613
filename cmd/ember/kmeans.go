package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/models/kmeans"
	"github.com/emberml/ember/tabular"
)

func init() {
	register("kmeans", "cluster the numeric columns of a CSV/TSV file with k-means", runKMeans)
	scorers["kmeans"] = loadKMeans
}

// kmeansResult is the --json summary, one object on the last line.
type kmeansResult struct {
	Data       string      `json:"data"`
	Features   []string    `json:"features"`
	Rows       int         `json:"rows"`
	K          int         `json:"k"`
	NInit      int         `json:"n_init"`
	MaxIter    int         `json:"max_iter"`
	Tol        float64     `json:"tol"`
	Seed       uint64      `json:"seed"`
	Inertia    float64     `json:"inertia"`
	Iterations int         `json:"iterations"`
	Centroids  [][]float64 `json:"centroids"`
	Sizes      []int       `json:"sizes"`
	Target     string      `json:"target,omitempty"`
	Classes    []string    `json:"classes,omitempty"`
	CrossTab   [][]int     `json:"crosstab,omitempty"` // [cluster][class]
	ARI        *float64    `json:"adjusted_rand,omitempty"`
	Plots      []string    `json:"plots,omitempty"`
	Saved      string      `json:"saved,omitempty"`
}

func runKMeans(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("kmeans", stdout,
		"usage: ember kmeans --data FILE --k 3 [options]\n"+
			"\nClusters rows with k-means (k-means++ seeding, Lloyd iterations, best of --n-init\n"+
			"runs, as scikit-learn's KMeans) and prints centroids, cluster sizes and inertia.\n"+
			"Features are used as given; scale them first if their units differ.\n")
	data := fs.Input("data", "", "CSV or TSV `file` with a header row (or see --no-header)", cli.Required())
	layout := layoutFlags(fs)
	features := fs.String("features", "", "comma-separated numeric `columns` to cluster", cli.DefaultText("every named column but --target and --exclude"), cli.NotEmpty("the columns"))
	k := fs.Int("k", 3, 1, maxClusters, "number of clusters (at most the number of distinct rows)")
	nInit := fs.Int("n-init", kmeans.DefaultNInit, 1, 1000, "k-means++ restarts; the lowest inertia wins")
	maxIter := fs.Int("max-iter", kmeans.DefaultMaxIter, 1, 1_000_000, "Lloyd iterations per run")
	tol := fs.Float("tol", kmeans.DefaultTol, cli.AtLeast(0), "stop when the squared centroid shift is below tol × mean feature variance")
	seed := fs.Uint64("seed", 1, "random seed for k-means++")
	target := fs.String("target", "", "optional class `column` to cross-tabulate against the clusters (not used for fitting)")
	exclude := excludeFlag(fs, features)
	checkFeatureFlags(fs, features, exclude, target)
	asJSON := fs.Bool("json", false, "print the figures as one JSON object on the last line")
	plotPrefix := fs.OutputPrefix("plot", "write PREFIX-clusters.png: the first two features coloured by cluster, with centroids",
		[]string{"-clusters.png"})
	save := fs.Output("save", "", "save the fitted centroids to this `file` (see ember predict)")
	fs.Check(func() error {
		if *plotPrefix != "" && *k > maxPlotClusters {
			return fmt.Errorf("--plot tells at most %d clusters apart, and --k is %d", maxPlotClusters, *k)
		}
		if names := splitList(*features); *plotPrefix != "" && len(names) == 1 {
			return fmt.Errorf("--plot draws the first two features, but --features lists only %q", names[0])
		}
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}

	tab, err := readTable(*data, *layout)
	if err != nil {
		return err
	}
	featNames, X, err := featureMatrix(tab, *data, *features, *exclude, *target)
	if err != nil {
		return err
	}
	if err := checkMagnitude(tab, featNames, X, nil, kmeans.MaxFeature, kmeansTooLarge); err != nil {
		return err
	}
	if *plotPrefix != "" && len(featNames) < 2 {
		return fs.Problem(fmt.Errorf("--plot draws the first two features, but only %q is clustered", featNames[0]))
	}
	var y []int
	var classes []string
	if *target != "" {
		if y, classes, err = tab.labels(*target); err != nil {
			return err
		}
	}

	m := kmeans.New(*k)
	m.NInit, m.MaxIter, m.Tol, m.Seed = *nInit, *maxIter, *tol, *seed
	if err := m.Fit(X); err != nil {
		if few, ok := errors.AsType[*kmeans.TooFewPointsError](err); ok {
			return fmt.Errorf("--k %d: %s has only %d distinct rows in the features used (of %d rows); lower --k", few.K, *data, few.Distinct, few.Samples)
		}
		return fmt.Errorf("%s: %w", *data, err)
	}
	res := kmeansResult{
		Data: *data, Features: featNames, Rows: len(X),
		K: m.K, NInit: m.NInit, MaxIter: m.MaxIter, Tol: m.Tol, Seed: m.Seed,
		Inertia: m.Inertia(), Iterations: m.Iterations(),
		Centroids: m.Centroids(), Sizes: m.Sizes(),
	}
	labels := m.Labels()
	if *target != "" {
		res.Target, res.Classes = *target, classes
		res.CrossTab = make([][]int, m.K)
		for c := range res.CrossTab {
			res.CrossTab[c] = make([]int, len(classes))
		}
		for i, l := range labels {
			res.CrossTab[l][y[i]]++
		}
		ari := adjustedRand(res.CrossTab)
		res.ARI = &ari
	}
	if *plotPrefix != "" {
		path := *plotPrefix + "-clusters.png"
		title := kmeansPlotTitle(m.K, *data, m.Inertia(), len(featNames))
		if err := kmeansScatter(path, X, labels, res.Centroids, featNames[0], featNames[1], title); err != nil {
			return err
		}
		res.Plots = append(res.Plots, path)
	}
	if *save != "" {
		st, err := m.State()
		if err != nil {
			return err
		}
		mf := newModelFile("kmeans")
		mf.meta.Input = modelInput{Kind: "table", Features: featNames}
		mf.meta.Settings = map[string]any{"k": m.K, "n_init": m.NInit, "max_iter": m.MaxIter, "tol": m.Tol,
			"inertia": m.Inertia(), "sizes": st.Sizes}
		mf.meta.Training = trainingInfo{Data: *data, Rows: len(X), NTrain: len(X), Seed: *seed}
		mf.vector("mean", st.Mean)
		mf.matrix("centroids", st.Centroids)
		if err := mf.save(*save); err != nil {
			return err
		}
		res.Saved = *save
	}

	printKMeans(stdout, res)
	if *asJSON {
		return cli.WriteJSON(stdout, res, nil)
	}
	return nil
}

// kmeansPlotTitle is the clusters chart's title. Clusters fitted on more
// than the two features drawn overlap in them: the title says so, or the
// chart reads as a poor clustering.
func kmeansPlotTitle(k int, data string, inertia float64, features int) string {
	if features > 2 {
		return fmt.Sprintf("k-means, k=%d: %s (inertia %.4g; 2 of %d features drawn)", k, filepath.Base(data), inertia, features)
	}
	return fmt.Sprintf("k-means, k=%d: %s (inertia %.4g)", k, filepath.Base(data), inertia)
}

// kmeansTooLarge says why k-means refuses values beyond kmeans.MaxFeature.
const kmeansTooLarge = "squared distances would overflow; scale the feature first"

// maxClusters bounds --k: far beyond any use of a k-means summary, and
// small enough that the k×features centroids never strain memory.
const maxClusters = 100_000

// maxPlotClusters is the most clusters the scatter plot tells apart (ten
// colours, two glyph shapes).
const maxPlotClusters = 20

// kmeansScorer assigns rows to the nearest saved centroid.
type kmeansScorer struct {
	mf *modelFile
	m  *kmeans.KMeans
}

func loadKMeans(mf *modelFile) (scorer, error) {
	d := len(mf.meta.Input.Features)
	if d == 0 {
		return nil, fmt.Errorf("model file %s: no features", mf.path)
	}
	mean, err := mf.vectorOf("mean", d)
	if err != nil {
		return nil, err
	}
	centroids, err := mf.matrixOf("centroids", -1, d)
	if err != nil {
		return nil, err
	}
	m, err := kmeans.FromState(kmeans.State{Mean: mean, Centroids: centroids})
	if err != nil {
		return nil, fmt.Errorf("model file %s: %w", mf.path, err)
	}
	return &kmeansScorer{mf: mf, m: m}, nil
}

func (s *kmeansScorer) unscored(string) string { return "" } // clusters: no labels

func (s *kmeansScorer) score(data string, layout tabular.Layout, id, weight string) (*scores, error) {
	if weight != "" {
		return nil, fmt.Errorf("--weight %s: the kmeans model %s assigns clusters and is scored against no labels, so there are no scores to weigh; leave --weight out", weight, s.mf.path)
	}
	tab, X, ids, err := readFeatures(s.mf, data, layout, id)
	if err != nil {
		return nil, err
	}
	if err := checkMagnitude(tab, s.mf.meta.Input.Features, X, nil, kmeans.MaxFeature, kmeansTooLarge); err != nil {
		return nil, err
	}
	labels, err := s.m.Predict(X)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", data, err)
	}
	out := &scores{}
	if id != "" {
		out.header = append(out.header, id)
	}
	out.header = append(out.header, "cluster")
	for i, l := range labels {
		var rec []string
		if id != "" {
			rec = append(rec, ids[i])
		}
		out.rows = append(out.rows, append(rec, strconv.Itoa(l)))
	}
	return out, nil
}

func printKMeans(w io.Writer, r kmeansResult) {
	fmt.Fprintf(w, "data: %s: %d rows, %d features (%s)\n", r.Data, r.Rows, len(r.Features), strings.Join(r.Features, ", "))
	fmt.Fprintf(w, "model: k-means, k=%d, k-means++ seeding, best of %d runs, max-iter %d, tol %g, seed %d\n",
		r.K, r.NInit, r.MaxIter, r.Tol, r.Seed)
	fmt.Fprintf(w, "inertia: %.6g (sum of squared distances to the centroids; %d iterations)\n", r.Inertia, r.Iterations)

	fmt.Fprintln(w, "\ncentroids:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "cluster\tsize\tshare\t")
	for _, f := range r.Features {
		fmt.Fprintf(tw, "%s\t", f)
	}
	fmt.Fprintln(tw)
	for c, ctr := range r.Centroids {
		fmt.Fprintf(tw, "%d\t%d\t%.1f%%\t", c, r.Sizes[c], 100*float64(r.Sizes[c])/float64(r.Rows))
		for _, v := range ctr {
			fmt.Fprintf(tw, "%.4g\t", v)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	if r.CrossTab != nil {
		fmt.Fprintf(w, "\nclusters against %q (rows: cluster, columns: class; the labels were not used to fit):\n", r.Target)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "cluster\t")
		for _, c := range r.Classes {
			fmt.Fprintf(tw, "%s\t", c)
		}
		fmt.Fprintln(tw)
		for c, row := range r.CrossTab {
			fmt.Fprintf(tw, "%d\t", c)
			for _, v := range row {
				fmt.Fprintf(tw, "%d\t", v)
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
		fmt.Fprintf(w, "adjusted Rand index: %.4f (1 = clusters match the classes, about 0 = chance)\n", *r.ARI)
	}
	for _, p := range r.Plots {
		fmt.Fprintf(w, "wrote %s\n", p)
	}
	if r.Saved != "" {
		fmt.Fprintf(w, "saved the model to %s\n", r.Saved)
	}
}

// adjustedRand is the adjusted Rand index (Hubert and Arabie) of a
// contingency table, as scikit-learn's adjusted_rand_score: pair-counting
// agreement between two labelings, corrected for chance.
func adjustedRand(tab [][]int) float64 {
	comb2 := func(n int) float64 { return float64(n) * float64(n-1) / 2 }
	var sumCells, sumRows, sumCols float64
	cols := make([]int, len(tab[0]))
	n := 0
	for _, row := range tab {
		r := 0
		for j, v := range row {
			sumCells += comb2(v)
			r += v
			cols[j] += v
		}
		sumRows += comb2(r)
		n += r
	}
	for _, c := range cols {
		sumCols += comb2(c)
	}
	if n < 2 {
		// No pair of samples to agree or disagree on: scikit-learn's
		// adjusted_rand_score is 1.0 here (its pair confusion matrix is all
		// zeros), where the formula below would divide 0 by 0.
		return 1
	}
	expected := sumRows * sumCols / comb2(n)
	maxIndex := (sumRows + sumCols) / 2
	if maxIndex == expected {
		// Both labelings are trivial (one cluster, or all singletons):
		// scikit-learn defines the score as 1 here.
		return 1
	}
	return (sumCells - expected) / (maxIndex - expected)
}
