//! A fast match finder for `ruzstd`'s encoder: greedy, one hash table, in the spirit of zstd's
//! level-1 "fast" strategy. `ruzstd`'s own finder spends most of the compression time; this one
//! hashes 6 bytes to the last position seen, verifies, extends the match both ways, and moves on
//! faster the longer it goes without a match (incompressible stretches cost little).
//!
//! Contract (how `ruzstd::encoding::FrameCompressor` drives a [`Matcher`]): [`FastMatcher::prepare`]
//! names the frame's length before `compress` (it sizes the window, the hash table and the
//! spaces); `reset` starts the frame; then, per block, `get_next_space` / `commit_space` and
//! `start_matching` or `skip_matching`. Every sequence it emits has `match_len` in
//! `MIN_MATCH..=MAX_MATCH` and `1 <= offset <= window_size()`, pointing into this frame only.
//!
//! Memory: the frame's bytes of the last window (up to [`MAX_WINDOW`] plus a block) and a hash
//! table of `u32` positions (at most 2^[`MAX_HASH_LOG`] entries), both kept across frames.
//! Positions are stream positions that keep growing from frame to frame, so entries left by an
//! earlier frame lie below the current frame's start and are ignored without clearing the
//! table; it is cleared only when the positions near `u32::MAX` (every few GiB of input).
//! Nothing here indexes out of bounds or overflows, whatever the data.

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;

use ruzstd::encoding::{CompressionLevel, Matcher, Sequence};

/// The largest block zstd allows, and so the largest space handed out.
const MAX_BLOCK: usize = 128 << 10;
/// The largest window this matcher uses: a Kafka batch (1 MiB by default) fits in one.
pub(crate) const MAX_WINDOW: usize = 1 << 20;
/// The smallest window used: a block may not be larger than the window, and `ruzstd` may write
/// a compressed block a little larger than its input (or up to 128 KiB before it stores the
/// block raw), so a window sized to a small input would make some frames invalid.
const MIN_WINDOW: usize = MAX_BLOCK;
/// The largest hash table: 2^16 entries of 4 bytes.
pub(crate) const MAX_HASH_LOG: u32 = 16;
const MIN_HASH_LOG: u32 = 10;
/// Matches shorter than this cost more as an offset and lengths than as literals.
const MIN_MATCH: usize = 5;
/// `ruzstd` 0.8 writes match lengths above 65538 wrongly (the extra bits of code 52), so longer
/// matches are cut; the rest is found again as the next sequence.
const MAX_MATCH: usize = 65538;
/// After 2^SKIP_LOG bytes without a match, the step grows by one...
const SKIP_LOG: u32 = 6;
/// ... up to this: probes and the positions they leave in the table stay dense enough that a
/// long repeat of incompressible data (a record sent twice) is still found within a few KiB.
const MAX_STEP: usize = 32;
/// Bytes hashed at each position.
const HASH_BYTES: u32 = 6;
/// Positions restart here after a table clear; 0 marks an empty entry, always below a frame.
const FIRST_POSITION: u32 = 1;
/// The table is cleared before positions could pass `u32::MAX` within a frame.
const POSITION_LIMIT: u32 = u32::MAX - (64 << 20);

/// The match finder; see the module docs for the call order.
#[derive(Debug, Default)]
pub(crate) struct FastMatcher {
    /// The frame's bytes still within reach: `history[i]` is at stream position `base + i`.
    history: Vec<u8>,
    /// Stream position of `history[0]`.
    base: u32,
    /// Where the last committed block starts in `history`.
    block_start: usize,
    /// Last stream position + 1 for each hash (0: empty).
    table: Vec<u32>,
    hash_log: u32,
    window: usize,
    /// Bytes of the frame not yet committed, if the frame's length was given.
    remaining: Option<usize>,
    /// A space returned by `commit_space`, handed out again by `get_next_space`.
    spare: Vec<u8>,
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..)
        .and_then(<[u8]>::first_chunk::<8>)
        .map_or(0, |chunk| u64::from_le_bytes(*chunk))
}

fn hash(word: u64, hash_log: u32) -> usize {
    // Keep the low HASH_BYTES bytes (the first ones in memory), multiply, take the top bits.
    let kept = word << (64 - 8 * HASH_BYTES);
    (kept.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - hash_log)) as usize
}

/// How many bytes from `later` (up to `end`) repeat those from `earlier`, with `earlier < later`.
fn common_len(bytes: &[u8], earlier: usize, later: usize, end: usize) -> usize {
    let mut n = 0;
    while later + n + 8 <= end {
        let diff = read_u64(bytes, earlier + n) ^ read_u64(bytes, later + n);
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while later + n < end && bytes.get(earlier + n) == bytes.get(later + n) {
        n += 1;
    }
    n
}

impl FastMatcher {
    /// A matcher that has allocated nothing yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Sizes the window, the hash table and the spaces for a frame of `len` bytes; call before
    /// each frame (the compressor then calls `reset`). The table only ever grows.
    pub(crate) fn prepare(&mut self, len: usize) {
        let rounded = len.checked_next_power_of_two().unwrap_or(usize::MAX);
        self.window = rounded.clamp(MIN_WINDOW, MAX_WINDOW);
        self.remaining = Some(len);
        // The frame's history grows to this; reserving it now saves the copies of doubling.
        let keep = len.min(self.window.saturating_mul(2).saturating_add(MAX_BLOCK));
        self.history
            .reserve(keep.saturating_sub(self.history.len()));
        let wanted = rounded.ilog2().clamp(MIN_HASH_LOG, MAX_HASH_LOG);
        if wanted > self.hash_log {
            self.hash_log = wanted;
            self.table = vec![0; 1 << wanted];
            self.base = FIRST_POSITION;
            self.history.clear();
        }
    }

    fn position(&self, index: usize) -> u32 {
        // `history` never holds more than two windows and a block (a few MiB) and `base` stays
        // below POSITION_LIMIT, so this does not wrap.
        self.base.wrapping_add(index as u32)
    }

    /// Drops history the window no longer reaches, keeping `window` bytes before the next block.
    fn trim(&mut self) {
        let excess = self.history.len().saturating_sub(self.window);
        // Moving bytes is paid once per window's worth of input, not once per block.
        if excess >= self.window.max(MAX_BLOCK) {
            self.history.drain(..excess);
            let base = self.position(excess);
            if base >= POSITION_LIMIT {
                // Only a frame of gigabytes gets here: start the positions again.
                self.table.fill(0);
                self.base = FIRST_POSITION;
            } else {
                self.base = base;
            }
        }
    }

    /// Finds the sequences of the last committed block.
    fn find_sequences(&mut self, mut emit: impl FnMut(Sequence<'_>)) {
        let hash_log = self.hash_log;
        let window = self.window;
        let base = self.base;
        let Self { history, table, .. } = self;
        let bytes = history.as_slice();
        let end = bytes.len();
        let mut anchor = self.block_start;
        // The block's first sequence gets a literal: `ruzstd` 0.8 panics building the
        // literal-length table when every sequence of a block has none.
        let mut lowest = anchor + 1;
        let mut at = lowest;
        // Positions hashed need 8 readable bytes.
        while at + 8 <= end && !table.is_empty() {
            let word = read_u64(bytes, at);
            let slot = hash(word, hash_log);
            let now = base.wrapping_add(at as u32);
            let seen = table.get(slot).copied().unwrap_or(0);
            if let Some(entry) = table.get_mut(slot) {
                *entry = now;
            }
            let distance = now.wrapping_sub(seen) as usize;
            let valid = seen >= base && seen < now && distance <= window;
            let earlier = at.wrapping_sub(distance);
            let mut len = 0;
            if valid && read_u64(bytes, earlier) as u32 == word as u32 {
                len = 4 + common_len(bytes, earlier + 4, at + 4, end);
            }
            if len < MIN_MATCH {
                at += (1 + ((at - anchor) >> SKIP_LOG)).min(MAX_STEP);
                continue;
            }
            // Extend backwards over literals that repeat too.
            let (mut start, mut from) = (at, earlier);
            while start > lowest && from > 0 && bytes.get(start - 1) == bytes.get(from - 1) {
                start -= 1;
                from -= 1;
                len += 1;
            }
            let len = len.min(MAX_MATCH);
            emit(Sequence::Triple {
                literals: bytes.get(anchor..start).unwrap_or_default(),
                offset: distance,
                match_len: len,
            });
            at = start + len;
            anchor = at;
            lowest = at;
            // Remember a position inside the match, as zstd does, for the data that follows.
            let inside = at - 2;
            if inside + 8 <= end {
                let slot = hash(read_u64(bytes, inside), hash_log);
                if let Some(entry) = table.get_mut(slot) {
                    *entry = base.wrapping_add(inside as u32);
                }
            }
        }
        emit(Sequence::Literals {
            literals: bytes.get(anchor..).unwrap_or_default(),
        });
    }
}

impl Matcher for FastMatcher {
    fn get_next_space(&mut self) -> Vec<u8> {
        // One byte more than what is left, so the source reports its end within this block
        // rather than with an extra empty block.
        let len = self
            .remaining
            .map_or(MAX_BLOCK, |left| left.saturating_add(1).min(MAX_BLOCK));
        let mut space = core::mem::take(&mut self.spare);
        space.clear();
        space.resize(len, 0);
        space
    }

    fn get_last_space(&mut self) -> &[u8] {
        self.history.get(self.block_start..).unwrap_or_default()
    }

    fn commit_space(&mut self, space: Vec<u8>) {
        self.trim();
        self.block_start = self.history.len();
        self.history.extend_from_slice(&space);
        if let Some(left) = &mut self.remaining {
            *left = left.saturating_sub(space.len());
        }
        self.spare = space;
    }

    fn skip_matching(&mut self) {
        // The block stays in the history (later offsets may reach it); its positions are not
        // hashed: `ruzstd` skips only single-byte runs, which hashing would not help.
    }

    fn start_matching(&mut self, handle_sequence: impl for<'a> FnMut(Sequence<'a>)) {
        self.find_sequences(handle_sequence);
    }

    fn reset(&mut self, _level: CompressionLevel) {
        if self.table.is_empty() {
            // Used without `prepare`: the largest window and table.
            self.prepare(MAX_WINDOW);
            self.remaining = None;
        }
        // The new frame starts past every position the table holds from earlier frames.
        let next = self.position(self.history.len());
        if next >= POSITION_LIMIT {
            self.table.fill(0);
            self.base = FIRST_POSITION;
        } else {
            self.base = next;
        }
        self.history.clear();
        self.block_start = 0;
    }

    fn window_size(&self) -> u64 {
        self.window as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the matcher over `blocks` as one frame and rebuilds the data from its sequences.
    fn sequences_rebuild(blocks: &[&[u8]]) -> Vec<u8> {
        let total = blocks.iter().map(|b| b.len()).sum();
        let mut matcher = FastMatcher::new();
        matcher.prepare(total);
        matcher.reset(CompressionLevel::Fastest);
        let window = matcher.window_size() as usize;
        let mut out = Vec::new();
        for block in blocks {
            let mut space = matcher.get_next_space();
            space.clear();
            space.extend_from_slice(block);
            matcher.commit_space(space);
            matcher.start_matching(|seq| match seq {
                Sequence::Literals { literals } => out.extend_from_slice(literals),
                Sequence::Triple {
                    literals,
                    offset,
                    match_len,
                } => {
                    out.extend_from_slice(literals);
                    assert!((MIN_MATCH..=MAX_MATCH).contains(&match_len));
                    assert!(offset >= 1 && offset <= window && offset <= out.len());
                    for _ in 0..match_len {
                        out.push(out[out.len() - offset]);
                    }
                }
            });
        }
        out
    }

    #[test]
    fn finds_a_repeat_by_hand() {
        let mut seen = Vec::new();
        let mut matcher = FastMatcher::new();
        matcher.prepare(24);
        matcher.reset(CompressionLevel::Fastest);
        let mut space = matcher.get_next_space();
        assert_eq!(
            space.len(),
            25,
            "one byte more than the frame, to see its end"
        );
        space.clear();
        space.extend_from_slice(b"abcdefghabcdefghabcdefgh");
        matcher.commit_space(space);
        matcher.start_matching(|seq| {
            seen.push(match seq {
                Sequence::Triple {
                    literals,
                    offset,
                    match_len,
                } => (literals.to_vec(), offset, match_len),
                Sequence::Literals { literals } => (literals.to_vec(), 0, 0),
            })
        });
        // Eight literals, then 16 bytes copied from 8 back (overlapping), nothing left.
        assert_eq!(seen, [(b"abcdefgh".to_vec(), 8, 16), (Vec::new(), 0, 0)]);
        assert_eq!(matcher.window_size(), 128 << 10);
    }

    #[test]
    fn matches_reach_into_earlier_blocks_and_rebuild() {
        let mut state = 7u32;
        let random: Vec<u8> = (0..3000)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u8
            })
            .collect();
        let first = &random[..];
        let mut second = random[1000..].to_vec();
        second.extend_from_slice(&random[..500]);
        assert_eq!(
            sequences_rebuild(&[first, &second]),
            [first, &second[..]].concat()
        );
    }

    #[test]
    fn long_runs_are_cut_at_the_encoders_limit() {
        let data = vec![7u8; 100_000];
        assert_eq!(sequences_rebuild(&[&data]), data);
    }
}
