//! Small helpers: a bounds-checked byte reader and a fast non-cryptographic hasher.

use std::hash::{BuildHasherDefault, Hasher};

/// A bounds-checked cursor over untrusted bytes. Every accessor returns `None` past the end.
#[derive(Clone, Copy, Debug)]
pub struct Rd<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Rd<'a> {
    /// Starts reading `buf` at offset 0.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }
    /// Bytes not yet consumed.
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }
    /// Number of bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }
    /// Takes `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }
    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos = self.pos.checked_add(1)?;
        Some(b)
    }
    /// Big-endian u16.
    pub fn be16(&mut self) -> Option<u16> {
        self.arr::<2>().map(u16::from_be_bytes)
    }
    /// Little-endian u16.
    pub fn le16(&mut self) -> Option<u16> {
        self.arr::<2>().map(u16::from_le_bytes)
    }
    /// Big-endian u32.
    pub fn be32(&mut self) -> Option<u32> {
        self.arr::<4>().map(u32::from_be_bytes)
    }
    /// Little-endian u32.
    pub fn le32(&mut self) -> Option<u32> {
        self.arr::<4>().map(u32::from_le_bytes)
    }
    /// Little-endian i32.
    pub fn le_i32(&mut self) -> Option<i32> {
        self.arr::<4>().map(i32::from_le_bytes)
    }
    fn arr<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
}

/// Big-endian u16 at `off`.
pub fn be16_at(b: &[u8], off: usize) -> Option<u16> {
    let mut r = Rd::new(b);
    r.skip(off)?;
    r.be16()
}

/// Converts protocol text to a clean, bounded string: trims NULs and spaces, drops control
/// characters and caps the length, so that device-supplied strings are safe to display and store.
pub fn clean_text(b: &[u8]) -> Option<String> {
    const MAX: usize = 128;
    let s = String::from_utf8_lossy(b);
    let s: String = s.chars().filter(|c| !c.is_control()).take(MAX).collect();
    let t = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    if t.is_empty() {
        None
    } else {
        Some(t.to_owned())
    }
}

/// FxHash-style hasher (multiply-rotate): fast for the small fixed-size keys of the hot path.
/// Not DoS-resistant; keys come from captures, and maps are size-capped.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            self.add(u64::from_le_bytes(a));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` using [`FxHasher`].
pub type FxMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn reader_stops_at_end() {
        let mut r = Rd::new(&[1, 2, 3]);
        assert_eq!(r.be16(), Some(0x0102));
        assert_eq!(r.be16(), None);
        assert_eq!(r.u8(), Some(3));
        assert_eq!(r.u8(), None);
        assert_eq!(r.take(usize::MAX), None);
        assert_eq!(be16_at(&[0, 1, 2], 1), Some(0x0102));
        assert_eq!(be16_at(&[0, 1, 2], usize::MAX), None);
    }

    #[test]
    fn clean_text_trims_and_drops_controls() {
        assert_eq!(clean_text(b"  abc\0\0").unwrap(), "abc");
        assert_eq!(clean_text(b"a\x01b").unwrap(), "ab");
        assert_eq!(clean_text(b"\0\0"), None);
    }
}
