package readers

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

// The zstd codec arrow-go's page reader uses is the bounded one: a frame decodes into the room
// the page gives it, and a frame that needs more (its header claims more) is an error, not an
// allocation of whatever it claims.
func TestBoundedZstd(t *testing.T) {
	codec, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := codec.(boundedZstd)
	if !ok {
		t.Fatalf("registered zstd codec is %T, want boundedZstd", codec)
	}
	data := bytes.Repeat([]byte("reweigh determinations "), 40_000) // 920,000 bytes
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	frame := enc.EncodeAll(data, nil) // its header gives the content size
	got, err := c.DecodeWithError(make([]byte, len(data)), frame)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("decoding into room enough: err %v, %d bytes", err, len(got))
	}
	if _, err := c.DecodeWithError(make([]byte, 1000), frame); err == nil {
		t.Error("a frame larger than its room decoded without error")
	}
}

// A snappy block longer than the page's buffer is an error, not an allocation of its length.
func TestBoundedSnappy(t *testing.T) {
	codec, err := compress.GetCodec(compress.Codecs.Snappy)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := codec.(boundedSnappy)
	if !ok {
		t.Fatalf("registered snappy codec is %T, want boundedSnappy", codec)
	}
	data := bytes.Repeat([]byte("reweigh determinations "), 40_000)
	block := snappy.Encode(nil, data)
	got, err := c.DecodeWithError(make([]byte, len(data)), block)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("decoding into room enough: err %v, %d bytes", err, len(got))
	}
	if _, err := c.DecodeWithError(make([]byte, 1000), block); err == nil {
		t.Error("a block longer than its room decoded without error")
	}
	if _, err := c.DecodeWithError(make([]byte, 1000), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}); err == nil {
		t.Error("a corrupt length decoded without error")
	}
	// Decode, the panicking form of compress.Codec, says the same.
	if got := codec.Decode(make([]byte, len(data)), block); !bytes.Equal(got, data) {
		t.Errorf("Decode: %d bytes", len(got))
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Decode of a block longer than its room did not panic")
			}
		}()
		codec.Decode(make([]byte, 1000), block)
	}()
}
