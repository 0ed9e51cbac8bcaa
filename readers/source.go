package readers

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"reweigh/model"
)

// tableRun is the reading of one table file: the row decoder, its stats and rejects.
type tableRun struct {
	table   string
	path    string // as given: dir joined with the file name
	file    string // base name, for rejects and errors
	h       handler
	c       *rowCtx
	stat    model.InputStat
	rejects []model.Reject
	mem     memory.Allocator // Arrow buffers of the Parquet path
	workers int              // Parquet row groups decoded at once
}

func newTableRun(table, path, file string, in *model.Inputs, mem memory.Allocator, workers int) *tableRun {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &tableRun{
		table: table, path: path, file: file, mem: mem, workers: workers,
		h:    newHandler(table, in),
		c:    newRowCtx(tableColumns[table]),
		stat: model.InputStat{Table: table, Path: path},
	}
}

// emit decodes the row in t.c (cells and row set by the caller).
func (t *tableRun) emit() {
	t.stat.RowsRead++
	t.c.failed = false
	if t.h.decode(t.c) {
		t.stat.RowsAccepted++
		return
	}
	t.reject(t.c.rej)
}

// finish drops the table's duplicate rows, once it is read (handler.finish).
func (t *tableRun) finish(bufs *itemBuffers) {
	t.h.finish(func(r model.Reject) {
		t.stat.RowsAccepted--
		t.stat.RowsRejected++
		r.Severity = model.SeverityError
		r.Table = t.table
		r.File = t.file
		t.rejects = append(t.rejects, r)
	}, bufs)
}

func (t *tableRun) reject(r model.Reject) {
	t.stat.RowsRejected++
	r.Severity = model.SeverityError
	r.Table = t.table
	r.File = t.file
	r.Row = t.c.row
	t.rejects = append(t.rejects, r)
}

const bom = "\uFEFF"

// normName normalizes a header name: spaces and a UTF-8 BOM trimmed, lower-cased.
func normName(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), bom))
	return strings.ToLower(s)
}

// bind maps the table's columns to the file's columns: pos[i] is the file column of table
// column i, or -1 when absent. Duplicate names, a column given under both its contract name and
// its QPP alias, and missing required columns are fatal. A column found under its alias is
// named by the alias from then on (rejects and errors name the file's column).
func (t *tableRun) bind(names []string) ([]int, error) {
	seen := make(map[string]int, len(names))
	for j, n := range names {
		n = normName(n)
		if n == "" {
			continue // an unnamed column is an extra column
		}
		if _, dup := seen[n]; dup {
			return nil, fileErr(t.file, n, CodeFileDuplicateColumn, "duplicate column in header (columns %d and %d)", seen[n]+1, j+1)
		}
		seen[n] = j
	}
	pos := make([]int, len(t.c.cols))
	renamed := false
	for i, col := range t.c.cols {
		j, ok := seen[col.name]
		if col.alias != "" {
			if k, aliased := seen[strings.ToLower(col.alias)]; aliased {
				if ok {
					return nil, fileErr(t.file, col.name, CodeFileDuplicateColumn,
						"both %q (column %d) and its QPP Eligibility API name %q (column %d) are in the header: keep one",
						col.name, j+1, col.alias, k+1)
				}
				if !renamed {
					t.c.cols = slices.Clone(t.c.cols) // never rename the shared table definition
					renamed = true
				}
				t.c.cols[i].name = col.alias
				j, ok = k, true
			}
		}
		if !ok {
			if col.required {
				return nil, fileErr(t.file, col.name, CodeFileMissingColumn, "missing required column")
			}
			j = -1
		}
		pos[i] = j
	}
	return pos, nil
}

// checkEvery is how many rows are read between two checks of the context.
const checkEvery = 4096

// readCSV streams a CSV file through encoding/csv, hashing its bytes as they are read.
func (t *tableRun) readCSV(ctx context.Context) error {
	f, err := os.Open(t.path)
	if err != nil {
		return &FileError{File: t.file, Code: CodeFileUnreadable, Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return &FileError{File: t.file, Code: CodeFileUnreadable, Err: err}
	}
	if fi.IsDir() {
		return fileErr(t.file, "", CodeFileUnreadable, "is a directory")
	}
	size := fi.Size()
	if size == 0 {
		return fileErr(t.file, "", CodeFileEmpty, "empty file: expected a header row")
	}
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(f, h), 1<<16)
	if b, _ := br.Peek(len(bom)); bytes.Equal(b, []byte(bom)) {
		br.Discard(len(bom))
	} else if len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF) {
		return fileErr(t.file, "", CodeFileEncoding, "the file is UTF-16 (byte-order mark % X): save it as UTF-8", b[:2])
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.LazyQuotes = false

	csvErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &FileError{File: t.file, Code: CodeFileCSVSyntax, Err: pe}
		}
		return &FileError{File: t.file, Code: CodeFileUnreadable, Err: err}
	}
	header, err := r.Read()
	if err == io.EOF {
		return fileErr(t.file, "", CodeFileEmpty, "no header row")
	}
	if err != nil {
		return csvErr(err)
	}
	for _, name := range header {
		if strings.IndexByte(name, 0) >= 0 {
			return fileErr(t.file, "", CodeFileEncoding, "the header has NUL bytes: the file is probably UTF-16 without a byte-order mark; save it as UTF-8")
		}
	}
	pos, err := t.bind(header)
	if err != nil {
		return err
	}
	width := len(header)
	c := t.c
	start := r.InputOffset()
	for n := 1; ; n++ {
		if n == 1024 || n == 2 && size < 1<<20 {
			// Size the rows for the whole file from the lines read so far.
			if per := (r.InputOffset() - start) / int64(n-1); per > 0 {
				t.h.grow(int((size-r.InputOffset())/per) + 1)
			}
		}
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return csvErr(err)
		}
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c.row, _ = r.FieldPos(0)
		if len(rec) != width {
			t.stat.RowsRead++
			t.reject(model.Reject{Code: CodeRowFieldCount,
				Message: fmt.Sprintf("row has %d fields, the header has %d", len(rec), width)})
			continue
		}
		for i, j := range pos {
			if j >= 0 {
				c.cells[i] = rec[j]
			}
		}
		t.emit()
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return &FileError{File: t.file, Code: CodeFileUnreadable, Err: err}
	}
	t.stat.SHA256 = hex.EncodeToString(h.Sum(nil))
	return nil
}
