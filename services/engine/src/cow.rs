//! A hash map that is cheap to clone and copies little on the first write after a clone.
//!
//! The engine is cloned to hand a consistent snapshot to readers while the projector goes on
//! applying events, and for every what-if. A plain `HashMap` behind one `Arc` would copy the
//! whole map on the next write. Here copy-on-write works at three levels: the entries are
//! spread over a fixed number of shards (small hash maps) that sit at the leaves of a tree of
//! `Arc`-shared branches (`FANOUT` children each, or up to `FLAT` shards directly), and each
//! value sits behind its own `Arc`. A clone costs one reference count; a write after it copies
//! the branches on the way to its shard, the pointers of that shard and the one value it
//! changes, never the other values (some of which are sets of thousands of offers). An empty
//! subtree is nothing until written, so a map that holds little costs little to walk.

use foldhash::fast::RandomState;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::iter::Peekable;
use std::sync::Arc;

/// Shards of a map that stays small (a partnership's rows); a map of every offer of the
/// country takes more (`CowMap<K, V, 65536>`), so that a write after a snapshot copies a few
/// dozen entries, not hundreds (measured by services/engine/benches/what_if.rs).
const DEFAULT_SHARDS: usize = 64;

/// Children of a branch: a write copies this many pointers on each level it goes down, and a
/// read follows one pointer per level.
const FANOUT: usize = 16;

/// A branch over this many shards or fewer holds them directly, so a map of this size (a
/// partnership's rows, read and written many times per event) is one level deep.
const FLAT: usize = 64;

type Shard<K, V> = HashMap<K, Arc<V>, RandomState>;

#[derive(Debug)]
enum Node<K, V> {
    /// No entry below: nothing is allocated for it until the first write.
    Empty,
    Branch(Arc<[Node<K, V>]>),
    Leaf(Arc<Shard<K, V>>),
}

/// One reference count, whatever the keys and values.
impl<K, V> Clone for Node<K, V> {
    fn clone(&self) -> Self {
        match self {
            Node::Empty => Node::Empty,
            Node::Branch(children) => Node::Branch(children.clone()),
            Node::Leaf(shard) => Node::Leaf(shard.clone()),
        }
    }
}

impl<K, V> Node<K, V> {
    /// What an empty node over `shards` shards (a power of two) becomes on its first write:
    /// its shard, a branch of its empty shards, or a branch of `FANOUT` empty children.
    fn made(shards: usize) -> Self {
        if shards <= 1 {
            return Node::Leaf(Arc::new(HashMap::default()));
        }
        Node::Branch(vec![Node::Empty; children(shards)].into())
    }

    /// The node over shards `first..first + shards`, from the filled shards in order of index:
    /// the shape `made` and `shard_mut` give the same node, with nothing for empty subtrees.
    fn built(shards: usize, first: usize, filled: &mut Peekable<impl Iterator<Item = (usize, Shard<K, V>)>>) -> Self {
        match filled.peek() {
            Some((index, _)) if *index < first + shards => {}
            _ => return Node::Empty,
        }
        if shards <= 1 {
            return filled.next().map_or(Node::Empty, |(_, shard)| Node::Leaf(Arc::new(shard)));
        }
        let children = children(shards);
        let span = shards / children;
        Node::Branch((0..children).map(|c| Node::built(span, first + c * span, filled)).collect())
    }
}

/// Children of a branch over `shards` shards (more than one).
fn children(shards: usize) -> usize {
    if shards <= FLAT { shards } else { FANOUT }
}

/// A `CowMap`'s shards from left to right.
struct Shards<'a, K, V> {
    stack: Vec<&'a Node<K, V>>,
}

impl<'a, K, V> Iterator for Shards<'a, K, V> {
    type Item = &'a Arc<Shard<K, V>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.stack.pop()? {
                Node::Empty => {}
                Node::Leaf(shard) => return Some(shard),
                Node::Branch(children) => self.stack.extend(children.iter().rev()),
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct CowMap<K, V, const SHARDS: usize = DEFAULT_SHARDS> {
    /// Picks the shard. The quality variant: under some process-wide seeds, foldhash's fast
    /// variant put the keys 0..1000 in 40 of 64 shards, which makes a write after a clone copy
    /// a bigger shard; its one extra multiply is cheap beside the shard's own lookup.
    hasher: foldhash::quality::RandomState,
    root: Node<K, V>,
}

impl<K, V, const SHARDS: usize> Default for CowMap<K, V, SHARDS> {
    fn default() -> Self {
        const { assert!(SHARDS.is_power_of_two()) };
        Self { hasher: foldhash::quality::RandomState::default(), root: Node::Empty }
    }
}

impl<K: Clone + Eq + Hash, V: Clone, const SHARDS: usize> CowMap<K, V, SHARDS> {
    fn shard_index<Q: Hash + ?Sized>(&self, key: &Q) -> usize {
        // The remainder is below SHARDS, so the narrowing cast cannot lose anything.
        (self.hasher.hash_one(key) % SHARDS as u64) as usize
    }

    /// The shard of `key`, if anything was ever written there.
    fn shard_of<Q: Hash + ?Sized>(&self, key: &Q) -> Option<&Shard<K, V>> {
        let mut i = self.shard_index(key);
        let (mut node, mut span) = (&self.root, SHARDS);
        loop {
            match node {
                Node::Empty => return None,
                Node::Leaf(shard) => return Some(shard),
                Node::Branch(children) => {
                    // Powers of two: shifts and masks, where a division would cost more than
                    // the rest of the step.
                    span >>= children.len().trailing_zeros();
                    node = &children[i >> span.trailing_zeros()];
                    i &= span - 1;
                }
            }
        }
    }

    /// The shard of `key`, made this map's own (with the branches on the way) if shared.
    fn shard_mut<Q: Hash + ?Sized>(&mut self, key: &Q) -> &mut Shard<K, V> {
        let mut i = self.shard_index(key);
        let (mut node, mut span) = (&mut self.root, SHARDS);
        loop {
            match node {
                // Made, then gone down into on the next turn.
                Node::Empty => *node = Node::made(span),
                Node::Leaf(shard) => return Arc::make_mut(shard),
                Node::Branch(children) => {
                    let children = Arc::make_mut(children);
                    span >>= children.len().trailing_zeros();
                    node = &mut children[i >> span.trailing_zeros()];
                    i &= span - 1;
                }
            }
        }
    }

    /// The map of these entries (a later one of equal key wins), built shard by shard at
    /// each shard's final size: what a decoder does with a million entries, where inserting
    /// them one by one walked the tree and grew each shard's table several times.
    pub(crate) fn from_entries(entries: Vec<(K, Arc<V>)>) -> Self {
        let mut map = Self::default();
        let mut placed: Vec<(usize, K, Arc<V>)> =
            entries.into_iter().map(|(k, v)| (map.shard_index(&k), k, v)).collect();
        // Stable, so that of two equal keys the later is inserted last, as `insert` would.
        placed.sort_by_key(|(shard, _, _)| *shard);
        let runs: Vec<(usize, usize)> = placed.chunk_by(|a, b| a.0 == b.0).map(|run| (run[0].0, run.len())).collect();
        let mut placed = placed.into_iter();
        let mut filled = runs
            .into_iter()
            .map(|(index, len)| {
                let mut shard = Shard::with_capacity_and_hasher(len, RandomState::default());
                shard.extend(placed.by_ref().take(len).map(|(_, k, v)| (k, v)));
                (index, shard)
            })
            .peekable();
        map.root = Node::built(SHARDS, 0, &mut filled);
        map
    }

    fn shards(&self) -> Shards<'_, K, V> {
        Shards { stack: vec![&self.root] }
    }

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shard_of(key)?.get(key).map(|v| &**v)
    }

    pub(crate) fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shard_of(key)?.get_key_value(key).map(|(k, v)| (k, &**v))
    }

    /// Looks before it copies: a miss never un-shares a shard.
    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if !self.shard_of(key).is_some_and(|s| s.contains_key(key)) {
            return None;
        }
        self.shard_mut(key).get_mut(key).map(Arc::make_mut)
    }

    pub(crate) fn entry_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        Arc::make_mut(self.shard_mut(&key).entry(key).or_default())
    }

    /// Stores a value, which may be shared with a caller that keeps it too.
    pub(crate) fn insert(&mut self, key: K, value: impl Into<Arc<V>>) -> Option<Arc<V>> {
        self.shard_mut(&key).insert(key, value.into())
    }

    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<Arc<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if !self.shard_of(key).is_some_and(|s| s.contains_key(key)) {
            return None;
        }
        self.shard_mut(key).remove(key)
    }

    /// Applies `f` to the entry and drops it when `empty` says it has nothing left, so maps of
    /// sets do not keep a husk for every key they ever held.
    pub(crate) fn update<Q>(&mut self, key: &Q, f: impl FnOnce(&mut V), empty: impl Fn(&V) -> bool)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(v) = self.get_mut(key) {
            f(v);
            if empty(v) {
                self.remove(key);
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.shards().map(|s| s.len()).sum()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards().flat_map(|s| s.iter().map(|(k, v)| (k, &**v)))
    }
}

/// The same entries, whatever the shards they sit in (each map hashes with its own seed).
impl<K: Clone + Eq + Hash, V: Clone + PartialEq, const SHARDS: usize> PartialEq for CowMap<K, V, SHARDS> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_after_a_clone_leaves_the_clone_untouched() {
        let mut a: CowMap<u32, u32> = CowMap::default();
        for i in 0..1000 {
            a.insert(i, i);
        }
        let b = a.clone();
        a.insert(7, 70);
        a.remove(&8);
        *a.get_mut(&9).expect("present") += 1;
        assert_eq!((a.get(&7), a.get(&8), a.get(&9)), (Some(&70), None, Some(&10)));
        assert_eq!((b.get(&7), b.get(&8), b.get(&9)), (Some(&7), Some(&8), Some(&9)));
        let shared = a.shards().zip(b.shards()).filter(|(x, y)| Arc::ptr_eq(x, y)).count();
        assert!(shared >= DEFAULT_SHARDS - 3, "only the written shards are copied");
        // 1000 entries in 64 shards: the written shards hold other entries, which stay shared.
        let copied = a.shards().zip(b.shards()).filter(|(x, y)| !Arc::ptr_eq(x, y));
        let others =
            copied.flat_map(|(x, y)| x.iter().filter(|(k, _)| ![7, 9].contains(*k)).map(move |(k, v)| (v, &y[k])));
        let (mut seen, mut all_shared) = (0, true);
        for (va, vb) in others {
            seen += 1;
            all_shared &= Arc::ptr_eq(va, vb);
        }
        assert!(seen > 0 && all_shared, "values a write does not reach stay shared ({seen} checked)");
    }

    /// Built at once or entry by entry, the same map, shaped the same way: a later write
    /// after a clone copies as little, and a later equal key wins.
    #[test]
    fn a_map_built_from_entries_is_the_map_of_inserting_them() {
        let entries: Vec<(u32, Arc<u32>)> = (0..5_000).chain([17, 17]).zip((0..).map(Arc::new)).collect();
        let built: CowMap<u32, u32, 4096> = CowMap::from_entries(entries.clone());
        let mut inserted: CowMap<u32, u32, 4096> = CowMap { hasher: built.hasher.clone(), root: Node::Empty };
        for (k, v) in entries {
            inserted.insert(k, v);
        }
        assert_eq!(built, inserted);
        assert_eq!(built.get(&17), Some(&5_001));
        let sizes = |m: &CowMap<u32, u32, 4096>| m.shards().map(|s| s.len()).collect::<Vec<_>>();
        assert_eq!(sizes(&built), sizes(&inserted), "the same shards, in the same places");
        let empty: CowMap<u32, u32> = CowMap::from_entries(Vec::new());
        assert!(matches!(empty.root, Node::Empty));
    }

    #[test]
    fn update_drops_entries_left_empty() {
        let mut m: CowMap<&str, Vec<u32>> = CowMap::default();
        m.entry_or_default("a").push(1);
        m.update("a", |v| v.clear(), Vec::is_empty);
        assert!(m.get("a").is_none());
        assert_eq!(m.iter().count(), 0);
    }
}
