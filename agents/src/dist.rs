//! Distributions of agent traits, as a scenario writes them: a number (constant), or one of
//! `{ uniform = [low, high] }`, `{ normal = [mean, sd] }`, `{ lognormal = [mu, sigma] }`.

use rand::Rng;
use sim_core::rng::SimRng;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    Constant(f64),
    Uniform { low: f64, high: f64 },
    Normal { mean: f64, sd: f64 },
    LogNormal { mu: f64, sigma: f64 },
}

impl Dist {
    /// Parses a scenario value; the error says what is wrong (the caller names the key).
    pub fn parse(v: &toml::Value) -> Result<Self, String> {
        let num = |v: &toml::Value| match v {
            toml::Value::Integer(i) => Some(*i as f64),
            toml::Value::Float(f) => Some(*f),
            _ => None,
        };
        if let Some(x) = num(v) {
            return finite(x).map(Dist::Constant);
        }
        let table = v.as_table().ok_or_else(|| {
            "must be a number or a table `{ uniform = [low, high] }`, `{ normal = [mean, sd] }` \
             or `{ lognormal = [mu, sigma] }`"
                .to_string()
        })?;
        if table.len() != 1 {
            return Err(format!(
                "must have exactly one of `uniform`, `normal`, `lognormal` (found {})",
                table.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        let (kind, args) = table.iter().next().expect("one entry");
        let pair = args
            .as_array()
            .filter(|a| a.len() == 2)
            .and_then(|a| Some((num(&a[0])?, num(&a[1])?)))
            .ok_or_else(|| format!("`{kind}` must be a pair of numbers"))?;
        let (a, b) = (finite(pair.0)?, finite(pair.1)?);
        match kind.as_str() {
            "uniform" if a > b => Err(format!(
                "`uniform = [{a}, {b}]` is an empty range (low > high)"
            )),
            "uniform" => Ok(Dist::Uniform { low: a, high: b }),
            "normal" if b < 0.0 => Err(format!("`normal` sd {b} is negative")),
            "normal" => Ok(Dist::Normal { mean: a, sd: b }),
            "lognormal" if b < 0.0 => Err(format!("`lognormal` sigma {b} is negative")),
            "lognormal" => Ok(Dist::LogNormal { mu: a, sigma: b }),
            other => Err(format!(
                "unknown distribution `{other}` (known: uniform, normal, lognormal)"
            )),
        }
    }

    /// The smallest and largest value a draw can take (infinite for unbounded tails).
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Dist::Constant(x) => (x, x),
            Dist::Uniform { low, high } => (low, high),
            Dist::Normal { mean, sd } if sd == 0.0 => (mean, mean),
            Dist::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Dist::LogNormal { mu, sigma } if sigma == 0.0 => (mu.exp(), mu.exp()),
            Dist::LogNormal { .. } => (0.0, f64::INFINITY),
        }
    }

    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        match *self {
            Dist::Constant(x) => x,
            Dist::Uniform { low, high } => low + (high - low) * rng.gen::<f64>(),
            Dist::Normal { mean, sd } => mean + sd * standard_normal(rng),
            Dist::LogNormal { mu, sigma } => (mu + sigma * standard_normal(rng)).exp(),
        }
    }
}

fn finite(x: f64) -> Result<f64, String> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("{x} is not a finite number"))
    }
}

pub use sim_core::rng::standard_normal;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Dist, String> {
        let v: toml::Table = toml::from_str(&format!("x = {s}")).unwrap();
        Dist::parse(&v["x"])
    }

    #[test]
    fn parses_every_form_and_rejects_bad_ones() {
        assert_eq!(parse("3"), Ok(Dist::Constant(3.0)));
        assert_eq!(
            parse("{ uniform = [1, 2.5] }"),
            Ok(Dist::Uniform {
                low: 1.0,
                high: 2.5
            })
        );
        assert_eq!(
            parse("{ normal = [0.5, 0.1] }"),
            Ok(Dist::Normal { mean: 0.5, sd: 0.1 })
        );
        assert!(parse("{ normal = [0.5, -0.1] }")
            .unwrap_err()
            .contains("negative"));
        assert!(parse("{ uniform = [2, 1] }")
            .unwrap_err()
            .contains("empty range"));
        assert!(parse("{ poisson = [2, 1] }")
            .unwrap_err()
            .contains("unknown distribution"));
        assert!(parse("{ uniform = [1] }").unwrap_err().contains("pair"));
        assert!(parse("\"x\"").is_err());
        assert!(parse("{ uniform = [1, 2], normal = [1, 2] }").is_err());
    }

    #[test]
    fn draws_follow_the_distribution() {
        let mut rng = sim_core::rng::agent_stream(1, "t", 0);
        let n = 20_000;
        let draws: Vec<f64> = (0..n)
            .map(|_| Dist::Normal { mean: 2.0, sd: 0.5 }.sample(&mut rng))
            .collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 2.0).abs() < 0.02, "mean {mean}");
        assert!((var.sqrt() - 0.5).abs() < 0.02, "sd {}", var.sqrt());
        let u = Dist::Uniform {
            low: 3.0,
            high: 4.0,
        };
        assert!((0..1000).all(|_| (3.0..=4.0).contains(&u.sample(&mut rng))));
    }
}
