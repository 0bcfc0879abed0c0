//! "Did you mean …?": the closest known keyword to a misspelt one.

/// Edit distance between two words, ignoring case.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate nearest to `word`, if it is near enough to be a typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let best = candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .min_by_key(|(d, _)| *d)?;
    let limit = (word.chars().count().max(best.1.len()) / 3).max(2);
    (best.0 <= limit).then_some(best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_directive() {
        let names = ["MaximumVolumeBytes", "MaximumVolumes", "MaximumVolumeJobs"];
        assert_eq!(
            closest("MaximumVolumeByte", &names),
            Some("MaximumVolumeBytes")
        );
        assert_eq!(
            closest("maximumvolumbytes", &names),
            Some("MaximumVolumeBytes")
        );
        assert_eq!(closest("Frobnicate", &names), None);
    }
}
