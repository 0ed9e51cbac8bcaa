package readers

import "fmt"

// Fatal file error codes (FileError.Code).
const (
	CodeFileBothFormats     = "file.both_formats"     // DIR/<t>.csv and DIR/<t>.parquet both given
	CodeFileMissingTable    = "file.missing_table"    // a required table (clinicians) is absent
	CodeFileEmpty           = "file.empty"            // 0 bytes, or no header row
	CodeFileMissingColumn   = "file.missing_column"   // a required column is not in the header
	CodeFileDuplicateColumn = "file.duplicate_column" // a column name appears twice in the header
	CodeFileUnreadable      = "file.unreadable"       // the file cannot be opened or read
	CodeFileCorrupt         = "file.corrupt"          // not a valid Parquet file
	CodeFileCSVSyntax       = "file.csv_syntax"       // CSV syntax error (e.g. a bare quote)
	CodeFileEncoding        = "file.encoding"         // a CSV file that is not UTF-8 (UTF-16)
	CodeFileColumnType      = "file.column_type"      // a Parquet column has a type the column does not allow
)

// Row reject codes (model.Reject.Code). Severity is error (row not used) unless noted.
const (
	CodeRequiredMissing    = "required.missing"
	CodeNPIFormat          = "npi.format"
	CodeNPICheckDigit      = "npi.check_digit"
	CodeTINFormat          = "tin.format"
	CodeBoolInvalid        = "bool.invalid"
	CodeIntInvalid         = "int.invalid"
	CodeIntNegative        = "int.negative"
	CodeNumberInvalid      = "number.invalid"
	CodeNumberRange        = "number.range"
	CodeDateInvalid        = "date.invalid"
	CodeEnumInvalid        = "enum.invalid"
	CodeZIPFormat          = "zip.format"
	CodeStateFormat        = "state.format"
	CodeCategoriesInvalid  = "categories.invalid"
	CodeEUCNoCategories    = "euc.no_categories"
	CodeLevelNotAllowed    = "level.not_allowed"
	CodePIHardshipLevel    = "pi_hardship.level_not_allowed"
	CodeLevelIDsMissing    = "level.ids_missing"
	CodeDuplicateKey       = "duplicate_key"
	CodeRowFieldCount      = "row.field_count"
	CodeInvalidUTF8        = "value.invalid_utf8"
	CodeUnknownSubmission  = "measurement.unknown_submission"
	CodeEntityNoClinicians = "entity.no_clinicians"
	CodeMemberNoClinicians = "member.no_clinicians" // warning: the row is kept
	CodeGroupNoClinicians  = "group.no_clinicians"  // warning: the row is kept
)

// FileError is a fatal input error: the file cannot be used at all. It names the file (base
// name) and, where there is one, the column. A CSV syntax error wraps the *csv.ParseError, which
// carries the line.
type FileError struct {
	File   string // base name, e.g. "clinicians.csv"
	Column string // column name, "" when the error is not about one column
	Code   string // one of the CodeFile* constants
	Err    error
}

// Error returns e.g. `clinicians.csv: column "npi": missing required column`.
func (e *FileError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("%s: column %q: %v", e.File, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

func fileErr(file, column, code string, format string, args ...any) *FileError {
	return &FileError{File: file, Column: column, Code: code, Err: fmt.Errorf(format, args...)}
}
