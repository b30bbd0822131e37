//! A map that holds at most a fixed number of entries and makes room by
//! dropping the one inserted longest ago: first in, first out, O(1) per
//! insert however much the entries churn (a new post's counts every few
//! milliseconds). A busy entry is dropped once per `capacity` inserts and
//! read back from the database once.

use std::{
    collections::{HashMap, VecDeque},
    hash::Hash,
};

/// At most `capacity` entries; 0 holds nothing.
#[derive(Debug)]
pub struct Bounded<K, V> {
    capacity: usize,
    /// Each value with the stamp of its insertion.
    entries: HashMap<K, (V, u64)>,
    /// Keys in insertion order with their stamps. A key removed or inserted
    /// again leaves a stale pair behind, skipped when it comes up.
    order: VecDeque<(K, u64)>,
    next_stamp: u64,
}

impl<K: Eq + Hash + Clone, V> Bounded<K, V> {
    /// An empty map that will hold at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Bounded { capacity, entries: HashMap::new(), order: VecDeque::new(), next_stamp: 0 }
    }

    /// The value under `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|(value, _)| value)
    }

    /// Puts `value` under `key`. A key already present keeps its place in
    /// the order; a new one may push out the oldest entry.
    pub fn insert(&mut self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.0 = value;
            return;
        }
        while self.entries.len() >= self.capacity {
            let Some((oldest, stamp)) = self.order.pop_front() else { break };
            if self.entries.get(&oldest).is_some_and(|(_, current)| *current == stamp) {
                self.entries.remove(&oldest);
            }
        }
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        self.order.push_back((key.clone(), stamp));
        self.entries.insert(key, (value, stamp));
        // Stale pairs from removals never outnumber the live ones for long.
        if self.order.len() > 2 * self.capacity + 16 {
            let entries = &self.entries;
            self.order.retain(|(key, stamp)| entries.get(key).is_some_and(|(_, current)| current == stamp));
        }
    }

    /// Removes the value under `key`.
    pub fn remove(&mut self, key: &K) {
        self.entries.remove(key);
    }

    /// Keeps only the entries `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.entries.retain(|key, _| keep(key));
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The values, in no order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.values().map(|(value, _)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_entry_makes_room_and_updates_keep_their_place() {
        let mut map = Bounded::new(3);
        for key in 1..=3 {
            map.insert(key, key * 10);
        }
        map.insert(1, 11);
        map.insert(4, 40);
        assert_eq!((map.get(&1), map.get(&2), map.get(&4)), (None, Some(&20), Some(&40)));
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn removed_and_reinserted_keys_are_not_dropped_for_their_old_place() {
        let mut map = Bounded::new(2);
        map.insert("a", 1);
        map.insert("b", 2);
        map.remove(&"a");
        map.insert("a", 3);
        // "b" is now the oldest; the stale first "a" is skipped.
        map.insert("c", 4);
        assert_eq!((map.get(&"a"), map.get(&"b"), map.get(&"c")), (Some(&3), None, Some(&4)));
    }

    #[test]
    fn churn_keeps_the_order_queue_bounded_and_zero_holds_nothing() {
        let mut map = Bounded::new(10);
        for key in 0..10_000 {
            map.insert(key % 37, key);
            if key % 3 == 0 {
                map.remove(&(key % 37));
            }
        }
        assert!(map.len() <= 10 && map.order.len() <= 2 * 10 + 16);
        let mut off = Bounded::new(0);
        off.insert(1, 1);
        assert_eq!(off.len(), 0);
    }
}
