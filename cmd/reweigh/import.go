package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"reweigh/eligibility"
)

// cmdImportEligibility turns QPP Eligibility API v6 responses into clinicians.csv and
// groups.csv in --out (see package eligibility for the mapping). Both files are written to
// temporary files in --out and renamed into place once both are complete.
func cmdImportEligibility(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("import-eligibility", stderr)
	out := fset.String("out", "", "directory to write clinicians.csv and groups.csv to (created if missing)")
	files, err := parse(fset, args)
	if err != nil {
		return err
	}
	switch {
	case len(files) == 0:
		return usagef("import-eligibility: give at least one QPP Eligibility API response file (FILE.json...)")
	case *out == "":
		return usagef("import-eligibility: --out is required")
	}

	im := eligibility.NewImporter()
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := readResponses(im, name); err != nil {
			return err
		}
	}
	for _, w := range im.Warnings() {
		fmt.Fprintf(stderr, "reweigh import-eligibility: warning: %s\n", w)
	}
	clinicians, groups := im.Clinicians(), im.Groups()
	if len(clinicians) == 0 {
		return fmt.Errorf("import-eligibility: no NPI/TIN could be imported from the %d responses (%d skipped, see the warnings): nothing written", im.Responses, im.Skipped)
	}

	// A clinicians.parquet or groups.parquet beside the CSV would make the directory unreadable
	// (both formats of one table): refuse before writing anything.
	for _, name := range []string{"clinicians.parquet", "groups.parquet"} {
		if _, err := os.Stat(filepath.Join(*out, name)); err == nil {
			return fmt.Errorf("import-eligibility: %s is in %s: reweigh reads one format per table, so %s would be unusable; remove it or choose another --out",
				name, *out, name[:len(name)-len(".parquet")]+".csv")
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("import-eligibility: %w", err)
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("import-eligibility: %w", err)
	}
	err = writeAtomically(*out, map[string]func(io.Writer) error{
		"clinicians.csv": func(w io.Writer) error { return eligibility.WriteClinicians(w, clinicians) },
		"groups.csv":     func(w io.Writer) error { return eligibility.WriteGroups(w, groups) },
	})
	if err != nil {
		return fmt.Errorf("import-eligibility: %w", err)
	}
	fmt.Fprintf(stdout, "reweigh import-eligibility: %d responses from %d files: %d clinicians rows, %d groups rows written to %s (%d NPI/TINs skipped, %d warnings)\n",
		im.Responses, len(files), len(clinicians), len(groups), *out, im.Skipped, len(im.Warnings()))
	return nil
}

// readResponses adds the responses of one file (streamed).
func readResponses(im *eligibility.Importer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("import-eligibility: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return fmt.Errorf("import-eligibility: %s is a directory, not a response file", name)
	}
	return im.Read(name, f)
}

// writeAtomically writes each file of dir through a temporary file in dir, then renames them all
// into place: a failed write leaves the previous files untouched.
func writeAtomically(dir string, files map[string]func(io.Writer) error) (err error) {
	temps := map[string]string{} // final name -> temporary path
	defer func() {
		for _, tmp := range temps {
			os.Remove(tmp) // after a successful rename, there is nothing to remove
		}
	}()
	for name, write := range files {
		f, err := os.CreateTemp(dir, "."+name+".*.tmp")
		if err != nil {
			return err
		}
		temps[name] = f.Name()
		bw := bufio.NewWriterSize(f, 1<<16)
		err = write(bw)
		if err == nil {
			err = bw.Flush()
		}
		if err == nil {
			err = f.Chmod(0o644)
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", filepath.Join(dir, name), err)
		}
	}
	for name, tmp := range temps {
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
