// Package shareddata locates the public data sets that live beside the
// checkout (../shared/data) so tests and benchmarks can read them without
// copying them into the module.
//
// The directory is found, in order, from the EMBER_DATA environment variable
// or by walking up from the working directory to the module root (the
// directory holding go.mod) and looking at ../shared/data beside it.
package shareddata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// EnvVar overrides where the shared data directory is.
const EnvVar = "EMBER_DATA"

// Dir returns the shared data directory, or an error that says where it looked.
func Dir() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return "", fmt.Errorf("%s=%q is not a directory", EnvVar, d)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			cand := filepath.Join(filepath.Dir(dir), "shared", "data")
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return cand, nil
			}
			return "", fmt.Errorf("shared data not found at %s (set %s to its location)", cand, EnvVar)
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("shared data not found: no go.mod above " + wd + " (set " + EnvVar + ")")
		}
	}
}

// Path joins rel onto the shared data directory.
func Path(rel ...string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(append([]string{d}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("shared data file missing: %w", err)
	}
	return p, nil
}

// TestPath returns the path of a shared data file for a test or benchmark.
// When the data is absent it skips with a clear message, except under CI
// (CI=true), where the data is always provided and absence is a failure.
func TestPath(tb testing.TB, rel ...string) string {
	tb.Helper()
	p, err := Path(rel...)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI must provide the shared data: %v", err)
		}
		tb.Skipf("skipping: %v", err)
	}
	return p
}
