// Package checkpoint stores a trained model in one versioned, self-checking
// file: a kind string naming the model family (e.g. "ember.spamrnn"), a JSON
// metadata blob chosen by the caller (architecture, vocabulary,
// preprocessing settings, training info) and the model's named tensors.
//
// Save writes atomically (temp file in the same directory, fsync, rename),
// so a crash or error never leaves a half-written file at the destination.
// Load verifies everything before returning: every error names the file and
// says what is wrong (not an Ember model file, unsupported version, wrong
// kind, truncated, corrupt, invalid), and errors.Is matches it against
// ErrNotModel, ErrVersion, ErrKind, ErrTruncated, ErrCorrupt or ErrInvalid.
// Restore then copies the tensors into a model's parameters, checking names,
// dtypes and shapes first so that a mismatched model is never half-loaded.
// MigrateLSTMBiases, called between Load and Restore, renames the tensors of
// a layers.LSTM saved before it kept PyTorch's two biases per layer (Restore
// refuses such a file with a message that says so).
//
// # File layout (version 1)
//
// All integers are unsigned little-endian.
//
//	header, 24 bytes (this layout is the same in every version):
//	  0  [8]byte  magic "\x89EMB\r\n\x1a\n"
//	  8  uint32   format version (1)
//	  12 uint64   total file size in bytes, trailer included
//	  20 uint32   CRC-32C of bytes 0..19
//	sections, each framed as
//	  uint64      payload length L
//	  [L]byte     payload
//	  uint32      CRC-32C of the payload
//	  1. info:               uint16 kind length K, [K]byte kind (UTF-8),
//	                         uint32 tensor count N, then the metadata JSON
//	                         (the rest of the payload)
//	  2. per tensor, N times:
//	     descriptor:         uint16 name length, name (UTF-8),
//	                         uint8 dtype (1 float32, 2 float64, 3 int32),
//	                         uint8 rank R, R × uint64 dims (row-major)
//	     data:               the elements, little-endian, 4 or 8 bytes each
//	trailer, 32 bytes: SHA-256 of every byte before it
//
// The magic borrows PNG's trick: the high-bit first byte, CR LF, ^Z and LF
// catch files mangled by text-mode transfers, and it tells a model file from
// a text or image file given by mistake. The header CRC comes before the
// version check so that a flipped bit reads as corruption, not as a file
// from a newer Ember. Reading streams: the declared total size must equal the
// actual size (truncation is reported as such), every length is checked
// against the bytes left before anything is allocated (so a corrupt length
// cannot make Load allocate gigabytes: allocation stays proportional to the
// file's size), each section's CRC is
// verified before its payload is interpreted, and the SHA-256 trailer covers
// the whole file, including section order and framing.
package checkpoint
