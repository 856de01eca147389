//! A run with agents does not grow its heap block by block: live bytes after the agents have
//! settled stay flat from one simulated day to the next (trace rows dropped by the sink).

mod common;

use common::{config, populations, START};
use sim_core::sim::Simulation;
use sim_core::trace::NullSink;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only the byte count of live
// allocations is tracked on the side.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same layout, same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn live_heap_stays_flat_day_after_day() {
    let shapes = [(20_000, 400_000, 600_000); 8];
    let pops = populations(
        r#"
        [[agents]]
        name = "validators"
        kind = "validator"
        count = 64
        stake_tao = { uniform = [100, 300] }
        [[agents]]
        name = "miners"
        kind = "miner"
        count = 1536
        capital_tao = 20
        quality_drift_per_day = 0.05
        reaction_blocks = { uniform = [360, 3600] }
        min_payback = 0.5
        [[agents]]
        name = "stakers"
        kind = "staker"
        count = 60
        capital_tao = { uniform = [10, 500] }
        rebalance_blocks = { uniform = [3600, 14400] }
        [[agents]]
        name = "traders"
        kind = "trader"
        count = 16
        reaction_blocks = { uniform = [50, 500] }
        "#,
        shapes.len(),
    );
    let mut cfg = config(&shapes, 1);
    cfg.invariants_every = 7_200;
    for s in cfg.subnets.iter_mut().skip(1) {
        s.hyper.stake_threshold = 500 * sim_core::RAO_PER_TAO;
    }
    let mut sim = Simulation::with_agents(cfg, agents::build(&pops)).unwrap();
    let mut live = Vec::new();
    for day in 1..=10u64 {
        sim.run_until(START + day * 7_200, &mut NullSink).unwrap();
        live.push(LIVE.load(Ordering::Relaxed));
    }
    // The first days fill the metagraphs (the burn paces registrations), bonds and stakes;
    // after that the heap must stay flat.
    let (day7, day10) = (live[6], live[9]);
    let growth = (day10 - day7) as f64 / day7 as f64;
    assert!(
        growth < 0.02,
        "live heap per day: {live:?} ({:.1} % from day 7 to day 10)",
        growth * 100.0
    );
}
