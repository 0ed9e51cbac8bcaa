// Package readers reads reweigh's input tables (CSV or Parquet) into the typed rows of package
// model, validating every row: bad rows become rejects, bad files a *FileError.
//
// Both formats go through one row-decoding path: each Parquet cell is turned into the same
// trimmed string view a CSV cell has ("" is null), and one decoder per table turns that view
// into a model row or a model.Reject with a stable code (the Code* constants, documented in
// docs/errors.md). ReadAll reads the tables concurrently, then runs the cross-table checks
// (unknown submissions, entities with no clinicians, members with no clinicians).
package readers
