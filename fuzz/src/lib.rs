//! What franzl's fuzz targets share: a byte cursor that reads structured choices out of the
//! fuzzer's input, an allocator that counts the bytes held so a target can check that memory
//! stays within a bound tied to its input, and record batches built from short descriptions so
//! a target reaches past the CRC and the decompressors.

pub mod alloc_bound;
pub mod batches;
pub mod cursor;
