package readers

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

// The zstd and snappy codecs arrow-go's page reader uses are the bounded ones: a block decodes
// into the room the page gives it, and a block that needs more (its header claims more) is an
// error, not an allocation of whatever it claims; Decode, the panicking form of
// compress.Codec, says the same.
func TestBoundedCodecs(t *testing.T) {
	data := bytes.Repeat([]byte("reweigh determinations "), 40_000) // 920,000 bytes
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		codec   compress.Compression
		bounded string // the registered codec's type
		block   []byte // data, compressed: its header gives the decoded size
	}{
		{"zstd", compress.Codecs.Zstd, "readers.boundedZstd", enc.EncodeAll(data, nil)},
		{"snappy", compress.Codecs.Snappy, "readers.boundedSnappy", snappy.Encode(nil, data)},
	} {
		codec, err := compress.GetCodec(c.codec)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%T", codec); got != c.bounded {
			t.Fatalf("%s: registered codec is %s, want %s", c.name, got, c.bounded)
		}
		dec := codec.(compress.ErrorCodec)
		got, err := dec.DecodeWithError(make([]byte, len(data)), c.block)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: decoding into room enough: err %v, %d bytes", c.name, err, len(got))
		}
		if _, err := dec.DecodeWithError(make([]byte, 1000), c.block); err == nil {
			t.Errorf("%s: a block larger than its room decoded without error", c.name)
		}
		if got := codec.Decode(make([]byte, len(data)), c.block); !bytes.Equal(got, data) {
			t.Errorf("%s: Decode: %d bytes", c.name, len(got))
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Decode of a block larger than its room did not panic", c.name)
				}
			}()
			codec.Decode(make([]byte, 1000), c.block)
		}()
	}
	// A snappy block whose stated length is not a length at all.
	snappyCodec, _ := compress.GetCodec(compress.Codecs.Snappy)
	if _, err := snappyCodec.(compress.ErrorCodec).DecodeWithError(make([]byte, 1000), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}); err == nil {
		t.Error("snappy: a corrupt length decoded without error")
	}
}
