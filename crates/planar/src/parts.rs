//! Connected parts by union-find: which faces, vertices or segments belong
//! together, once some pairs are joined.

/// Items `0..n` in disjoint parts, each named by its lowest item.
#[derive(Debug, Clone)]
pub struct Parts {
    root: Vec<u32>,
}

impl Parts {
    /// `n` items, each alone.
    #[must_use]
    pub fn new(n: usize) -> Self {
        Parts {
            root: (0..n as u32).collect(),
        }
    }

    /// The part of item `i` (its lowest item), halving the path on the way.
    pub fn of(&mut self, mut i: u32) -> u32 {
        let root = &mut self.root;
        while root[i as usize] != i {
            root[i as usize] = root[root[i as usize] as usize];
            i = root[i as usize];
        }
        i
    }

    /// Puts `a` and `b` in one part; returns whether they were apart.
    pub fn join(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.of(a), self.of(b));
        if ra != rb {
            self.root[ra.max(rb) as usize] = ra.min(rb);
        }
        ra != rb
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_items_share_their_lowest_as_part() {
        let mut p = Parts::new(6);
        assert!(p.join(4, 2));
        assert!(p.join(2, 5));
        assert!(!p.join(5, 4));
        assert_eq!((p.of(4), p.of(5), p.of(2)), (2, 2, 2));
        assert_eq!(p.of(3), 3);
    }
}
