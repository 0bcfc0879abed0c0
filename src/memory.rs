//! The Director's own count of the memory it holds, for the `Heap:` line
//! of `status dir` (bacula-dir prints its smartalloc counters there:
//! sm_bytes, sm_max_bytes, sm_buffers, sm_max_buffers). The rdird binary
//! installs `Counting` as its global allocator; it counts every
//! allocation the system allocator makes for it. Where it is not
//! installed (the library's own unit tests) the counts stay 0.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

static BYTES: AtomicUsize = AtomicUsize::new(0);
static MAX_BYTES: AtomicUsize = AtomicUsize::new(0);
static BUFS: AtomicUsize = AtomicUsize::new(0);
static MAX_BUFS: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting what it holds for the process.
pub struct Counting;

fn taken(size: usize) {
    let bytes = BYTES.fetch_add(size, Relaxed) + size;
    MAX_BYTES.fetch_max(bytes, Relaxed);
    let bufs = BUFS.fetch_add(1, Relaxed) + 1;
    MAX_BUFS.fetch_max(bufs, Relaxed);
}

fn given_back(size: usize) {
    BYTES.fetch_sub(size, Relaxed);
    BUFS.fetch_sub(1, Relaxed);
}

// SAFETY: every call goes to the system allocator with the caller's
// arguments; the counting only reads sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            taken(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            taken(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        given_back(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let bytes = if new_size >= layout.size() {
                BYTES.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size()
            } else {
                BYTES.fetch_sub(layout.size() - new_size, Relaxed) - (layout.size() - new_size)
            };
            MAX_BYTES.fetch_max(bytes, Relaxed);
        }
        p
    }
}

/// What the process holds now and at most since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// The process's data segment (heap and thread stacks,
    /// /proc/self/status VmData), where bacula-dir gives sbrk's growth.
    pub heap: u64,
    pub bytes: u64,
    pub max_bytes: u64,
    pub bufs: u64,
    pub max_bufs: u64,
}

pub fn usage() -> Usage {
    let heap = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmData:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024);
    let n = |a: &AtomicUsize| a.load(Relaxed) as u64;
    Usage {
        heap,
        bytes: n(&BYTES),
        max_bytes: n(&MAX_BYTES),
        bufs: n(&BUFS),
        max_bufs: n(&MAX_BUFS),
    }
}
