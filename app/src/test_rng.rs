//! A tiny deterministic generator (xorshift) for the app's randomized tests:
//! the same sequences on every run, so a failure replays from its seed.

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        (!v.is_empty()).then(|| &v[self.below(v.len())])
    }

    /// A step of a drag on the drawing: -400 to 400 pixels.
    pub fn offset(&mut self) -> f64 {
        self.below(801) as f64 - 400.0
    }
}
