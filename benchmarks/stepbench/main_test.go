package main

import (
	"bytes"
	"regexp"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-batch", "2", "-steps", "1", "-warm", "1"}, &out); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^batch=2 seq/s=[\d.]+ ms/step=[\d.]+ best-ms/step=[\d.]+ best-seq/s=[\d.]+ cpu-ms/step=[\d.]+ seq/cpu-s=[\d.]+ allocs/step=[\d.]+\n$`)
	if !re.MatchString(out.String()) {
		t.Errorf("output %q", out.String())
	}
	if err := run([]string{"-batch", "0"}, &out); err == nil {
		t.Error("batch 0 accepted")
	}
}
