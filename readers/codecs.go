package readers

import (
	"fmt"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

// boundedZstd is arrow-go's zstd codec with a block decoder that never writes more than the
// room it is given. arrow-go decodes a zstd page into a buffer of the size the page header
// gives, but its decoder (klauspost/compress, default options) trusts the size a zstd frame
// header claims instead, and allocates it: a corrupt frame claiming 36 GB killed the process
// with a fatal out-of-memory error, which no recover can catch (found by FuzzParquet). With
// zstd.WithDecodeAllCapLimit a frame larger than the page is a decoding error, which the reader
// reports as a corrupt file naming the column.
//
// Everything else (encoding, at every level, and the bound) is arrow-go's own codec, so the
// files the writers make are unchanged. The codec does not offer arrow-go's optional streaming
// interface, so pages are decoded as blocks (arrow-go's default for reading whole columns).
type boundedZstd struct {
	compress.Codec // arrow-go's zstd codec, for everything but decoding
	dec            *zstd.Decoder
}

// Decode decodes a block into dst (as compress.Codec), panicking on corrupt input like
// arrow-go's codec; DecodeWithError is what the page reader calls.
func (c boundedZstd) Decode(dst, src []byte) []byte { return mustDecode(c.DecodeWithError, dst, src) }

// DecodeWithError decodes a block into dst's room (cap(dst)), and fails on a frame that needs
// more.
func (c boundedZstd) DecodeWithError(dst, src []byte) ([]byte, error) {
	return c.dec.DecodeAll(src, dst[:0])
}

// newBoundedZstd wraps the zstd codec registered with arrow-go.
func newBoundedZstd() (compress.Codec, error) {
	orig, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		return nil, err
	}
	// As many blocks decoded at once as there are cores (the default is at most four).
	dec, err := zstd.NewReader(nil, zstd.WithDecodeAllCapLimit(true), zstd.WithDecoderConcurrency(0))
	if err != nil {
		return nil, err
	}
	return boundedZstd{Codec: orig, dec: dec}, nil
}

// boundedSnappy is arrow-go's snappy codec with a check first: a snappy block states its
// decoded length, and the decoder allocates that (up to 4 GB) when the page's buffer is
// smaller. A block longer than the page's buffer is a decoding error instead.
type boundedSnappy struct {
	compress.Codec // arrow-go's snappy codec
}

// Decode is as compress.Codec's (see boundedZstd.Decode).
func (c boundedSnappy) Decode(dst, src []byte) []byte { return mustDecode(c.DecodeWithError, dst, src) }

// mustDecode is compress.Codec's Decode from DecodeWithError: it panics where that fails.
func mustDecode(decode func(dst, src []byte) ([]byte, error), dst, src []byte) []byte {
	out, err := decode(dst, src)
	if err != nil {
		panic(err)
	}
	return out
}

// DecodeWithError decodes a block that fits dst's room (cap(dst)), and fails on one that does
// not.
func (c boundedSnappy) DecodeWithError(dst, src []byte) ([]byte, error) {
	n, err := snappy.DecodedLen(src)
	if err != nil {
		return nil, err
	}
	if n > cap(dst) {
		return nil, fmt.Errorf("snappy block of %d bytes for a page of %d", n, cap(dst))
	}
	return snappy.Decode(dst, src)
}

// arrow-go keeps its codecs in a process-wide registry that is meant to be extended from an
// init function (compress.RegisterCodec): the only way to change how its page reader decodes.
// The other codecs arrow-go reads (gzip, brotli, lz4) decode as streams or into the page's
// buffer, never into what the data claims.
func init() {
	c, err := newBoundedZstd()
	if err != nil {
		panic(err) // only with invalid options: a programming error
	}
	compress.RegisterCodec(compress.Codecs.Zstd, c)
	orig, err := compress.GetCodec(compress.Codecs.Snappy)
	if err != nil {
		panic(err) // arrow-go always registers snappy
	}
	compress.RegisterCodec(compress.Codecs.Snappy, boundedSnappy{orig})
}
