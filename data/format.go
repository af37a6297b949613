package data

import (
	"fmt"
	"strings"
)

// Format is the layout of an SMS data file.
type Format int

const (
	// FormatAuto detects the layout from the first lines of the file.
	FormatAuto Format = iota
	// FormatTSV is the UCI layout: "label<TAB>text" per line, no header and
	// no quoting, so a '"' is an ordinary character.
	FormatTSV
	// FormatCSV is a comma-separated file with a header naming the label and
	// text columns ("label"/"text" in either order, or Kaggle's "v1"/"v2").
	FormatCSV
)

// String returns the name ParseFormat accepts: "auto", "tsv" or "csv".
func (f Format) String() string {
	switch f {
	case FormatAuto:
		return "auto"
	case FormatTSV:
		return "tsv"
	case FormatCSV:
		return "csv"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat parses a format name as given on a command line: "auto" (or
// empty), "tsv" or "csv", in any case.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return FormatAuto, nil
	case "tsv":
		return FormatTSV, nil
	case "csv":
		return FormatCSV, nil
	}
	return FormatAuto, fmt.Errorf("unknown data format %q (want auto, tsv or csv)", s)
}
