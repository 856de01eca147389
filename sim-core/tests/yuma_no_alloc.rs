//! After a first epoch at a given size, an epoch allocates nothing: every buffer is owned by
//! `Yuma` or the output and reused. Checked with a counting global allocator (this test binary
//! only), on every case of the copied golden set, in every Yuma variant.

// A global allocator can only be written with `unsafe`; this test binary is the one place the
// project allows it (the workspace denies unsafe code everywhere else).
#![allow(unsafe_code)]

mod common;

use sim_core::yuma::{EpochInput, EpochOutput, Yuma};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call unchanged to the system allocator; only counts them.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_repeated_epoch_allocates_nothing() {
    let dir = common::golden_dir().join("yuma/random");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut checked = 0;
    for f in files {
        let case = common::read_json(&f);
        let input: EpochInput = serde_json::from_value(case["input"].clone()).unwrap();
        let mut yuma = Yuma::default();
        let mut out = EpochOutput::default();
        yuma.run(&input, &mut out);
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        yuma.run(&input, &mut out);
        let during = ALLOCATIONS.load(Ordering::Relaxed) - before;
        assert_eq!(
            during,
            0,
            "{}: the second epoch allocated {during} times",
            f.display()
        );
        checked += 1;
    }
    assert!(checked > 50);
}
