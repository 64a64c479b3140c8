//! Reads Prometheus text from the processes' `/metrics` endpoints.

use std::collections::HashMap;

/// The sums, across every endpoint that answers, of the named unlabelled samples.
pub async fn totals(client: &reqwest::Client, urls: &[String], names: &[&str]) -> Totals {
    let mut totals = HashMap::new();
    for url in urls {
        let Ok(resp) = client.get(url).send().await else {
            continue;
        };
        let text = resp.text().await.unwrap_or_default();
        for line in text.lines() {
            let mut parts = line.split_whitespace();
            let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
                continue;
            };
            if let (true, Ok(v)) = (names.contains(&name), value.parse::<f64>()) {
                *totals.entry(name.to_owned()).or_default() += v;
            }
        }
    }
    Totals(totals)
}

pub struct Totals(HashMap<String, f64>);

impl Totals {
    pub fn get(&self, name: &str) -> f64 {
        self.0.get(name).copied().unwrap_or(0.0)
    }

    /// `sum / count`, or 0 when nothing was counted.
    pub fn mean(&self, sum: &str, count: &str) -> f64 {
        let c = self.get(count);
        if c > 0.0 {
            self.get(sum) / c
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mean_of_nothing_is_zero() {
        let t = Totals(HashMap::from([
            ("s".to_owned(), 6.0),
            ("c".to_owned(), 3.0),
        ]));
        assert_eq!(t.mean("s", "c"), 2.0);
        assert_eq!(t.mean("s", "missing"), 0.0);
    }
}
