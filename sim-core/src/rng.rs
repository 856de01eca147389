//! One seed, named streams (house rule 1).
//!
//! Every consumer of randomness draws from its own ChaCha8 stream, derived from the scenario
//! seed and the consumer's name. Adding an agent or a subnet therefore never changes the draws
//! of any other consumer.

use rand::distributions::Distribution;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator every stream uses.
pub type SimRng = ChaCha8Rng;

/// The consumers of randomness. Each maps to a distinct ChaCha stream number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    /// One agent, by its stable index in the scenario's agent list.
    Agent(u32),
    /// Registration demand on one subnet.
    Registration(u16),
    /// Scenario-level stochastic inputs (e.g. an exogenous price path).
    Scenario(u32),
    /// Block production (block author selection, auto-claim coldkey selection).
    Blocks,
}

impl Stream {
    /// The ChaCha stream number: the kind in the top byte, the index below.
    fn number(self) -> u64 {
        match self {
            Stream::Agent(i) => (1 << 56) | u64::from(i),
            Stream::Registration(n) => (2 << 56) | u64::from(n),
            Stream::Scenario(i) => (3 << 56) | u64::from(i),
            Stream::Blocks => 4 << 56,
        }
    }
}

/// Creates the named stream for this seed.
pub fn stream(seed: u64, which: Stream) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(which.number());
    rng
}

/// The stream of member `member` of the agent population `population`: seeded by the scenario
/// seed mixed with a 64-bit hash of the population's name, so that adding, removing or
/// reordering other populations never changes this agent's draws.
pub fn agent_stream(seed: u64, population: &str, member: u32) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(name_seed(seed, population));
    rng.set_stream(Stream::Agent(member).number());
    rng
}

/// A stream named by a string outside the simulation (a sweep's drawn input, by its key): it
/// depends on the seed and the name only.
pub fn named_stream(seed: u64, name: &str) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(name_seed(seed, name));
    rng.set_stream(Stream::Scenario(u32::MAX).number());
    rng
}

/// One standard normal draw, by the ziggurat method (`rand_distr`): one 64-bit value per draw
/// in about 99 % of draws and no logarithm or sine there, several times cheaper than the
/// Box-Muller transform used before (decision 0008).
///
/// The ziggurat's fast path is written here, inline in the callers' loops (agents draw one per
/// UID they score): `rand_distr`'s sampler is not inlined, and its call, register saves and
/// spills cost as much as the path itself. Its steps are `rand_distr`'s, on its own layer table
/// ([`ziggurat_layers`]): the layer from the low byte, u in [-1, 1) from the top 52 bits,
/// x = u x_i, kept when |x| < x_(i+1). Every other draw (the last layer, the base strip's
/// tail, the wedges) is `rand_distr`'s sampler itself, handed the same 64-bit value first
/// ([`Replay`]), so every draw and every value taken from the stream is the library's.
#[inline]
pub fn standard_normal(rng: &mut SimRng) -> f64 {
    use rand::RngCore;
    let layers = ziggurat_layers();
    let bits = rng.next_u64();
    let i = (bits & 0xff) as usize;
    if i < 255 {
        // 2 + m 2^-51 (m the top 52 bits) less 3: u = m 2^-51 - 1, exactly.
        let u = f64::from_bits(bits >> 12 | 0x4000_0000_0000_0000) - 3.0;
        let x = u * layers[i];
        if x.abs() < layers[i + 1] {
            return x;
        }
    }
    replayed_normal(bits, rng)
}

/// `rand_distr`'s draw from `bits` and then `rng`: out of line, so that the fast path above
/// stays small enough to be inlined.
#[cold]
#[inline(never)]
fn replayed_normal(bits: u64, rng: &mut SimRng) -> f64 {
    rand_distr::StandardNormal.sample(&mut Replay {
        first: Some(bits),
        rng,
    })
}

/// A stream that gives `first` back before it goes on with `rng`: `rand_distr`'s sampler then
/// starts from the value [`standard_normal`] drew.
struct Replay<'a> {
    first: Option<u64>,
    rng: &'a mut SimRng,
}

impl rand::RngCore for Replay<'_> {
    fn next_u64(&mut self) -> u64 {
        self.first.take().unwrap_or_else(|| self.rng.next_u64())
    }
    // The f64 sampler asks for 64-bit values only; these keep the trait whole.
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes()[..chunk.len()]);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// The layer boundaries x_0 > x_1 > ... > x_255 of `rand_distr`'s normal ziggurat, read from its
/// sampler once: a value with layer byte i and u = 2^-51 exactly is x_i 2^-51 (a product by a
/// power of two), kept by the fast path for i < 255 (x_i 2^-51 < x_(i+1)); layer 255's value is
/// kept by the wedge test when the next uniform is the largest (f(x_256) + (f(x_255) - f(x_256))
/// (1 - 2^-53) < 1 = pdf of so small an x). Should the library not answer so (another version),
/// the table is all zeros: no fast path then, every draw the library's.
#[inline]
fn ziggurat_layers() -> &'static [f64; 256] {
    match LAYERS.get() {
        Some(layers) => layers,
        None => init_layers(),
    }
}

static LAYERS: std::sync::OnceLock<[f64; 256]> = std::sync::OnceLock::new();

#[cold]
#[inline(never)]
fn init_layers() -> &'static [f64; 256] {
    LAYERS.get_or_init(|| read_layers().unwrap_or([0.0; 256]))
}

fn read_layers() -> Option<[f64; 256]> {
    /// Gives a fixed list of values, and counts what it gave (0 past the end).
    struct Script<'a>(&'a [u64], usize);
    impl rand::RngCore for Script<'_> {
        fn next_u64(&mut self) -> u64 {
            self.1 += 1;
            self.0.get(self.1 - 1).copied().unwrap_or(0)
        }
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.fill(0);
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
            dest.fill(0);
            Ok(())
        }
    }
    const TINY: u64 = ((1 << 51) + 1) << 12; // u = 2^-51
    let scale = f64::from_bits((1023 + 51) << 52); // 2^51
    let mut layers = [0.0; 256];
    for (i, x) in layers.iter_mut().enumerate() {
        let script = [TINY | i as u64, u64::MAX];
        let mut rng = Script(&script, 0);
        let v: f64 = rand_distr::StandardNormal.sample(&mut rng);
        let expected = if i < 255 { 1 } else { 2 };
        if rng.1 != expected || !(v > 0.0) {
            return None;
        }
        *x = v * scale;
    }
    layers.windows(2).all(|w| w[0] > w[1]).then_some(layers)
}

/// FNV-1a over the name, then a SplitMix64 finaliser with the seed.
fn name_seed(seed: u64, name: &str) -> u64 {
    let name = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let mut z = seed ^ name.rotate_left(17) ^ 0x9e37_79b9_7f4a_7c15;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn streams_are_independent_and_repeatable() {
        let a1 = stream(7, Stream::Agent(1)).next_u64();
        let a1_again = stream(7, Stream::Agent(1)).next_u64();
        let a2 = stream(7, Stream::Agent(2)).next_u64();
        let r1 = stream(7, Stream::Registration(1)).next_u64();
        let other_seed = stream(8, Stream::Agent(1)).next_u64();
        assert_eq!(a1, a1_again);
        assert_ne!(a1, a2);
        assert_ne!(a1, r1);
        assert_ne!(a1, other_seed);
    }

    #[test]
    fn agent_streams_depend_on_population_name_and_member_only() {
        let m = |pop: &str, i: u32| agent_stream(7, pop, i).next_u64();
        assert_eq!(m("miners", 3), m("miners", 3));
        assert_ne!(m("miners", 3), m("miners", 4));
        assert_ne!(m("miners", 3), m("validators", 3));
        assert_ne!(agent_stream(8, "miners", 3).next_u64(), m("miners", 3));
    }

    /// The inline fast path and the replay give `rand_distr`'s draws, bit for bit, and leave
    /// the stream where `rand_distr` leaves it: 4 x 10^6 draws from four streams (about 48,000
    /// of them through the replay), and the layer table read from the library, not the
    /// all-zero fallback.
    #[test]
    fn standard_normal_is_rand_distrs_sampler() {
        use rand::Rng;
        let layers = ziggurat_layers();
        assert!(layers[0] > 3.9 && layers[1] > 3.65 && layers[255] > 0.0);
        let mut replays = 0;
        for seed in 0..4 {
            let mut ours = named_stream(seed, "normal parity");
            let mut theirs = ours.clone();
            for k in 0..1_000_000 {
                let probe = ours.clone().next_u64();
                let a = standard_normal(&mut ours);
                let b: f64 = theirs.sample(rand_distr::StandardNormal);
                assert_eq!(a.to_bits(), b.to_bits(), "seed {seed}, draw {k}");
                let i = (probe & 0xff) as usize;
                let u = f64::from_bits(probe >> 12 | 0x4000_0000_0000_0000) - 3.0;
                replays += usize::from(i == 255 || (u * layers[i]).abs() >= layers[i + 1]);
            }
            assert_eq!(ours.next_u64(), theirs.next_u64(), "seed {seed}");
        }
        assert!((40_000..60_000).contains(&replays), "{replays} replays");
    }

    /// The ziggurat draws against the standard normal: moments, the share beyond 1.96 and 3
    /// (two-sided 0.05 and 0.0027), the tail past the ziggurat's base strip (x > 3.6542, drawn by
    /// the rare path, two-sided 2.58e-4), symmetry, and repeatability from the same stream.
    /// Bounds are about five standard errors at 10^6 draws.
    #[test]
    fn standard_normal_draws_follow_the_standard_normal() {
        let n = 1_000_000;
        let mut rng = named_stream(3, "normals");
        let draws: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
        let mut again = named_stream(3, "normals");
        assert!(draws[..1000]
            .iter()
            .all(|z| z.to_bits() == standard_normal(&mut again).to_bits()));
        let nf = n as f64;
        let mean = draws.iter().sum::<f64>() / nf;
        let var = draws.iter().map(|z| (z - mean).powi(2)).sum::<f64>() / nf;
        let kurt = draws.iter().map(|z| (z - mean).powi(4)).sum::<f64>() / nf / (var * var);
        assert!(mean.abs() < 0.005, "mean {mean}");
        assert!((var - 1.0).abs() < 0.007, "variance {var}");
        assert!((kurt - 3.0).abs() < 0.025, "kurtosis {kurt}");
        for (t, expected, bound) in [
            (1.959_964, 0.05, 0.0011),
            (3.0, 0.0027, 2.6e-4),
            (3.6542, 2.58e-4, 0.8e-4),
        ] {
            let share = draws.iter().filter(|z| z.abs() > t).count() as f64 / nf;
            assert!(
                (share - expected).abs() < bound,
                "share beyond {t}: {share}"
            );
        }
        let positive = draws.iter().filter(|z| **z > 0.0).count() as f64 / nf;
        assert!((positive - 0.5).abs() < 0.0025, "positive share {positive}");
    }
}
