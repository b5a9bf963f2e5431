//! The global allocator the server and the benchmark run with: mimalloc,
//! asked the way C code asks it.
//!
//! mimalloc instead of the system allocator because indexing allocates and
//! frees small strings on several threads at once, where glibc's allocator
//! contends (measured: a fifth of the indexing time).
//!
//! Not the `mimalloc` crate's own `GlobalAlloc`: it passes every request's
//! alignment to `mi_malloc_aligned`, and mimalloc 3 serves an aligned
//! request by its plain path only when the size class is a power of two.
//! Every other size (a 48-byte `Arc`, a 1,500-byte JSON buffer) took the
//! generic aligned path, a few hundred instructions instead of a few
//! dozen, and was over-allocated into a larger block
//! (purpleprotocol/mimalloc_rust#170, microsoft/mimalloc#314). A Rust
//! layout's size is a multiple of its alignment, and mimalloc's size
//! classes are multiples of 8 (of 16 past 64) with a page's first block
//! 16-aligned, so up to 16 bytes of alignment the plain calls already
//! give it; only larger alignments need the aligned calls.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// The largest alignment every mimalloc block of a size that is a multiple
/// of it already has (`MI_MAX_ALIGN_SIZE`).
const PLAIN_ALIGN: usize = 16;

/// mimalloc through its plain calls wherever they give the alignment.
pub struct MiMalloc;

/// Whether a block of `size` bytes from mimalloc's plain calls is aligned
/// to `align`.
#[inline]
fn plain_suffices(size: usize, align: usize) -> bool {
    align <= PLAIN_ALIGN && size.is_multiple_of(align)
}

// SAFETY: every block comes from mimalloc and goes back to it (`mi_free`
// frees blocks of its plain and aligned calls alike); alignment is kept
// as `plain_suffices` explains.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: mimalloc's allocation calls have no preconditions.
        unsafe {
            if plain_suffices(layout.size(), layout.align()) {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe {
            if plain_suffices(layout.size(), layout.align()) {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, hence from mimalloc.
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator; the new block keeps the
        // layout's alignment as `alloc` does.
        unsafe {
            if plain_suffices(new_size, layout.align()) {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layout a program may ask for, small and large, with every
    /// alignment up to a page: each block is aligned as asked, holds what
    /// was written to it through a reallocation, and is freed again.
    #[test]
    fn every_block_is_aligned_as_asked_and_keeps_its_bytes_when_grown() {
        let sizes = (1..=96).chain([100, 127, 200, 1000, 1500, 4096, 5000, 70_000, 1 << 20]);
        for size in sizes {
            for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
                let Ok(layout) = Layout::from_size_align(size, align) else {
                    continue;
                };
                for zeroed in [false, true] {
                    // SAFETY: the layout's size is not zero; each block is
                    // written within its size and freed once, with the
                    // layout it was last allocated with.
                    unsafe {
                        let p = if zeroed {
                            MiMalloc.alloc_zeroed(layout)
                        } else {
                            MiMalloc.alloc(layout)
                        };
                        assert!(!p.is_null(), "{layout:?}");
                        assert_eq!(p as usize % align, 0, "{layout:?} zeroed {zeroed}");
                        if zeroed {
                            assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
                        }
                        for i in 0..size {
                            p.add(i).write(i as u8);
                        }
                        let grown = size * 3 + 5;
                        let q = MiMalloc.realloc(p, layout, grown);
                        assert!(!q.is_null(), "{layout:?} grown to {grown}");
                        assert_eq!(q as usize % align, 0, "{layout:?} grown to {grown}");
                        for i in 0..size {
                            assert_eq!(q.add(i).read(), i as u8, "{layout:?} byte {i}");
                        }
                        MiMalloc.dealloc(q, Layout::from_size_align_unchecked(grown, align));
                    }
                }
            }
        }
    }
}
