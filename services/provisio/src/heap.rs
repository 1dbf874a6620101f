//! The process's allocator (mimalloc; the system's with the `system-allocator` feature, for
//! malloc profilers), and on request (`--count-heap`) a count of the bytes allocated and not
//! yet freed. Resident memory cannot tell live data from pages the
//! allocator keeps for later; this count can, which is what a process whose resident memory
//! grows under a steady load needs (the soak of issue 18).

// The only unsafe code of the workspace: an allocator is an unsafe trait. Each method passes
// its call on to the allocator beneath unchanged and only adds the size to a counter.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// The engine allocates and frees small values (shared keys, copied shards) at every event;
/// glibc's allocator spent about a third of the service's CPU on them (perf, BENCHMARKS.md).
/// Declared here, not in `main.rs`, so that every binary running the service (the benchmark
/// too) uses it.
#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[cfg(not(feature = "system-allocator"))]
const BENEATH: mimalloc::MiMalloc = mimalloc::MiMalloc;
#[cfg(feature = "system-allocator")]
const BENEATH: std::alloc::System = std::alloc::System;

/// Off by default: every allocation then adds to one shared counter, which the cores
/// contend for (the load of a flag no one writes is all it costs when off).
static COUNTING: AtomicBool = AtomicBool::new(false);
/// Signed: a block allocated before counting started and freed after takes away what was
/// never added. What that misses is the little allocated before the service starts.
static IN_USE: AtomicI64 = AtomicI64::new(0);

struct Counting;

impl Counting {
    /// Adds `delta` bytes when counting. An allocation's size fits in i64 (`Layout` caps it
    /// at `isize::MAX`).
    fn add(delta: i64) {
        if COUNTING.load(Ordering::Relaxed) {
            IN_USE.fetch_add(delta, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is passed on unchanged to the allocator beneath; the counter only watches.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is the allocator beneath's.
        let p = unsafe { BENEATH.alloc(layout) };
        if !p.is_null() {
            Self::add(layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { BENEATH.alloc_zeroed(layout) };
        if !p.is_null() {
            Self::add(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as `alloc`.
        unsafe { BENEATH.dealloc(ptr, layout) };
        Self::add(-(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { BENEATH.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            Self::add(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

/// Starts counting (for the rest of the process's life).
pub fn start_counting() {
    COUNTING.store(true, Ordering::Relaxed);
}

/// Bytes allocated and not freed since counting started; 0 before.
pub fn in_use() -> u64 {
    IN_USE.load(Ordering::Relaxed).max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_held_counts_until_it_is_freed() {
        start_counting();
        // Other tests of this binary allocate meanwhile: a block large enough to stand out.
        const BLOCK: u64 = 256 << 20;
        let before = in_use();
        let block = vec![1u8; BLOCK as usize];
        let held = in_use();
        drop(block);
        let after = in_use();
        assert!(held >= before + BLOCK - (16 << 20), "held {held}, before {before}");
        assert!(after + BLOCK - (16 << 20) <= held, "held {held}, after {after}");
    }
}
