//! Counts as pages print them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How many (likes, views), as a page prints it.
///
/// The server keeps rendered pages with a hole wherever a count is printed,
/// and prints the count of the moment into each hole when it serves the
/// page (`server::cache`). It finds the holes by rendering a placeholder
/// number in place of every count. So a count must reach the page whole, as
/// it is: a sum, or a plural chosen from it ("1 like"), would be computed
/// from the placeholder, and every copy of the kept page would be wrong.
/// This type lets a count be displayed and compared with another count,
/// nothing more:
///
/// ```
/// let likes = bulletin::domain::Count::from(1);
/// assert_eq!(format!("{likes} likes"), "1 likes");
/// ```
///
/// No arithmetic, and no number to compute with, on the server:
///
/// ```compile_fail
/// let likes = bulletin::domain::Count::from(1);
/// let _ = likes + 1;
/// ```
///
/// ```compile_fail
/// let likes = bulletin::domain::Count::from(1);
/// let _ = if likes.0 == 1 { "like" } else { "likes" };
/// ```
///
/// Only the browser, which fills no holes, may move a count (a like shown
/// before the server confirms it): [`Count::moved_by`] exists in the client
/// alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Count(i64);

impl From<i64> for Count {
    fn from(count: i64) -> Self {
        Count(count)
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(not(feature = "ssr"))]
impl Count {
    /// The count moved by `delta`, as the browser shows a wish not yet
    /// confirmed.
    pub fn moved_by(self, delta: i64) -> Count {
        Count(self.0 + delta)
    }

    /// The larger of two counts: for a count that only grows (views), the
    /// newer of two reports.
    pub fn newer(self, other: Count) -> Count {
        Count(self.0.max(other.0))
    }
}

/// Tests read counts as numbers.
#[cfg(test)]
impl Count {
    /// The number.
    pub fn value(self) -> i64 {
        self.0
    }
}

/// Tests compare counts with plain numbers.
#[cfg(test)]
impl PartialEq<i64> for Count {
    fn eq(&self, other: &i64) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_prints_as_its_number_and_crosses_the_wire_as_one() {
        let count = Count::from(1_234);
        assert_eq!(count.to_string(), "1234");
        assert_eq!(serde_json::to_string(&count).unwrap(), "1234");
        assert_eq!(serde_json::from_str::<Count>("56").unwrap(), 56);
    }
}
