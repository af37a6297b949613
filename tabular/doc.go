// Package tabular reads tables (CSV/TSV and Parquet) in batches of rows and
// turns their columns into the dense float32 feature matrices tree models
// and other shallow models take, with a feature pipeline that is fitted once
// on training data and saved with the model.
//
// # Reading
//
// Open picks the reader by content (Parquet files start with "PAR1") and
// returns a Reader yielding Batches of at most a few tens of thousands of
// rows: one Parquet row group at a time (split when larger), or a block of
// CSV lines, so a file far larger than memory is scored in constant memory.
// Only the requested columns are decoded. A text file is laid out as its
// Layout says (separator, header row, missing-value markers); Open uses
// the zero Layout, a comma- or tab-separated file with a header row.
// Lines end in LF, CRLF or a lone CR (old Mac files), and a quote inside
// an unquoted field is text, as pandas reads them; a quoted field never
// closed, or with text after its closing quote, is an error naming its
// line and column, as is a NUL byte (NewRecords). A file that is not
// text (UTF-16, gzip-compressed, binary) is refused from its first bytes
// with what to do (CheckText; ErrNotText), in the words package data
// uses for the same file.
//
// Every CSV column comes back as Text, numbers included: a Pipeline's
// Spec.Numeric columns, or ParseNumber on a column's Str, read them as
// numbers (see Kind). Parquet columns of a numeric physical type
// (BOOLEAN, INT32, INT64, FLOAT, DOUBLE; DATE and TIMESTAMP read as their
// integer count, DECIMAL as its scaled value) are Numeric, BYTE_ARRAY
// columns are Text; INT96, FIXED_LEN_BYTE_ARRAY and nested (list, map,
// group) columns are refused with an error naming the column and its type
// when they are asked for, and ignored otherwise. Missing values: an empty
// CSV cell or one of pandas' default NA strings ("NA", "NaN", "null",
// "None", "N/A", …) or of the Layout's NA markers, and a null in a Parquet
// column. Text that is not UTF-8 (a latin-1 CSV export, say) is read as
// latin-1, cell by cell, so names and categories are valid text in JSON
// and in model files.
//
// # Features
//
// A Pipeline maps raw columns to feature columns, in this order:
//   - numeric columns, optionally imputed (mean, median, most frequent or a
//     constant, fitted on the training rows; without imputation a missing
//     value stays NaN, which tree models route by a learned default);
//   - one-hot columns of categorical (text) columns, named "column=value"
//     as scikit-learn's DictVectorizer names them, one per value seen in
//     training, sorted; a value never seen in training sets none of them
//     (DictVectorizer's behaviour) and is counted in the transform report;
//     or, with Spec.CategoricalEncoding EncodeCodes, one column "column" of
//     category codes per categorical column, for trees that split on sets
//     of categories (CodeFeatures lists them for gbt's Model.Categorical):
//     the training values sorted, numbered from 0, a value never seen in
//     training one past them, a missing value NaN;
//   - a missing categorical value sets no one-hot feature (a NaN code) by
//     default, as scikit-learn's OneHotEncoder(categories=..., handle_unknown=
//     'ignore') treats a category it was not given; Spec.ImputeCategorical
//     fills it first as a SimpleImputer would (the most frequent training
//     value, or a constant), or, one-hot only, makes it a category of its
//     own, "column=nan" after the column's values, as OneHotEncoder makes
//     NaN one when the training rows have it;
//   - token counts of token-list columns (a CountVectorizer over tokens
//     split on a separator), named "column=token", with a vocabulary of the
//     most frequent tokens (MaxVocab) that occur in at least MinDF rows.
//
// A value that is not a number in a numeric column is an error naming the
// file, line and column, as is an infinite one (or one beyond float32's
// range), which XGBoost and scikit-learn refuse too. Pipelines marshal to JSON, which is how model
// files carry them.
package tabular
