//! How many parts each unit gets: whole numbers in proportion to workloads.

/// Splits `total` into whole numbers in proportion to `shares` (largest remainder),
/// each at least its `min`. Deterministic: ties go to the earlier share.
pub(crate) fn apportion(total: usize, shares: &[f64], min: &[usize]) -> Vec<usize> {
    let n = shares.len();
    if n == 0 {
        return Vec::new();
    }
    let floor_total: usize = min.iter().sum();
    let total = total.max(floor_total);
    let sum: f64 = shares.iter().map(|s| s.max(0.0)).sum();
    let ideal: Vec<f64> = if sum > 0.0 {
        shares
            .iter()
            .map(|s| s.max(0.0) / sum * total as f64)
            .collect()
    } else {
        vec![total as f64 / n as f64; n]
    };
    let mut out: Vec<usize> = ideal
        .iter()
        .zip(min)
        .map(|(&x, &m)| (x.floor() as usize).max(m))
        .collect();
    let mut given: usize = out.iter().sum();
    // Too many (minimums pushed some up): take back from the largest surpluses.
    while given > total {
        let k = (0..n)
            .filter(|&k| out[k] > min[k])
            .max_by(|&a, &b| {
                (out[a] as f64 - ideal[a])
                    .total_cmp(&(out[b] as f64 - ideal[b]))
                    .then(b.cmp(&a))
            })
            .expect("total >= sum of minimums");
        out[k] -= 1;
        given -= 1;
    }
    // Too few: give to the largest remainders.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        (ideal[b] - out[b] as f64)
            .total_cmp(&(ideal[a] - out[a] as f64))
            .then(a.cmp(&b))
    });
    let mut k = 0;
    while given < total {
        out[order[k % n]] += 1;
        given += 1;
        k += 1;
    }
    out
}

/// `total` split into `parts` whole numbers differing by at most one.
pub(crate) fn even(total: usize, parts: usize) -> Vec<usize> {
    (0..parts)
        .map(|k| total / parts + usize::from(k < total % parts))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_keeps_the_total_and_the_minimums() {
        assert_eq!(apportion(10, &[1.0, 1.0, 2.0], &[0, 0, 0]), vec![3, 2, 5]);
        assert_eq!(apportion(10, &[0.0, 0.0, 10.0], &[2, 1, 0]), vec![2, 1, 7]);
        assert_eq!(apportion(3, &[5.0, 5.0], &[2, 2]), vec![2, 2]);
        let out = apportion(5906, &[205.3, 91.7, 961.5, 30.0], &[10, 10, 10, 10]);
        assert_eq!(out.iter().sum::<usize>(), 5906);
    }

    #[test]
    fn even_differs_by_at_most_one() {
        assert_eq!(even(10, 3), vec![4, 3, 3]);
        assert_eq!(even(2, 2), vec![1, 1]);
    }
}
