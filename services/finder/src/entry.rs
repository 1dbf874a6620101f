//! What the finder keeps of each public course: only what its filters and orders read, and
//! where the venue is (about a tenth of a whole `PublicCourse` with its strings), in slots
//! found by document number.

use hashbrown::HashTable;
use provisio_engine::PublicCourse;
use provisio_events::vocab::{AgeGroup, Date, Funding, Level, LocalId, Mode, PartnershipId, SubjectCode, Ukprn, Vocab};
use provisio_import::LatLon;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

pub(crate) struct Entry {
    pub(crate) ukprn: Ukprn,
    pub(crate) offer_id: LocalId,
    pub(crate) title: Box<str>,
    /// The start date as the number `YYYYMMDD`, which orders as the date does.
    pub(crate) start: Option<u32>,
    pub(crate) subject: SubjectCode,
    pub(crate) level: Level,
    pub(crate) age_group: AgeGroup,
    pub(crate) mode: Mode,
    pub(crate) funding: Option<Funding>,
    /// Shared by the courses of the same partnerships (see `Finder::partnership_set`).
    pub(crate) partnerships: Arc<[PartnershipId]>,
    pub(crate) point: Option<LatLon>,
}

/// `YYYY-MM-DD` as `YYYYMMDD` (a `Date` is always of that shape).
pub(crate) fn day_number(date: &Date) -> u32 {
    date.as_str().bytes().filter(u8::is_ascii_digit).fold(0, |n, b| n * 10 + u32::from(b - b'0'))
}

impl Entry {
    pub(crate) fn of(course: &PublicCourse, point: Option<LatLon>, partnerships: Arc<[PartnershipId]>) -> Self {
        Self {
            ukprn: course.ukprn.clone(),
            offer_id: course.offer_id.clone(),
            title: course.title.as_str().into(),
            start: course.start_date.as_ref().map(day_number),
            subject: course.subject,
            level: course.level,
            age_group: course.age_group,
            mode: course.mode,
            funding: course.funding,
            partnerships,
            point,
        }
    }
}

/// The entries by document number, and the number of each offer's. A number is a slot of
/// `slots` (its low 32 bits) and the slot's generation (its high 32 bits). A removal frees the
/// slot and the next entry put there gets the next generation, so a number is never given
/// twice (the committed word index can still name a removed document until the next commit)
/// and a lookup is an index, not a hash: a hash map of a million entries held twice their
/// size in empty buckets.
#[derive(Default)]
pub(crate) struct Entries {
    slots: Vec<Slot>,
    /// Slots without an entry, reused first.
    free: Vec<u32>,
    /// The number of each entry, found by its offer's key, which only the entry holds (a map
    /// keyed by it held a second copy of every offer id).
    by_key: HashTable<u64>,
    hasher: RandomState,
}

struct Slot {
    generation: u32,
    entry: Option<Entry>,
}

fn split(doc: u64) -> (usize, u32) {
    ((doc & u64::from(u32::MAX)) as usize, (doc >> 32) as u32)
}

fn get(slots: &[Slot], doc: u64) -> Option<&Entry> {
    let (slot, generation) = split(doc);
    slots.get(slot).filter(|s| s.generation == generation)?.entry.as_ref()
}

/// The entry of a number the key table holds: every one of them has its entry.
fn entry_of(slots: &[Slot], doc: u64) -> &Entry {
    get(slots, doc).expect("the key table names only entries that are there")
}

/// The one hash of an offer's key, for finding it and for the table's growth alike.
fn key_hash(hasher: &RandomState, ukprn: &Ukprn, offer_id: &LocalId) -> u64 {
    hasher.hash_one((ukprn, offer_id))
}

fn entry_hash(hasher: &RandomState, entry: &Entry) -> u64 {
    key_hash(hasher, &entry.ukprn, &entry.offer_id)
}

impl Entry {
    fn is_of(&self, ukprn: &Ukprn, offer_id: &LocalId) -> bool {
        self.ukprn == *ukprn && self.offer_id == *offer_id
    }
}

impl Entries {
    /// Room for `additional` more entries without growing.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.slots.reserve(additional.saturating_sub(self.free.len()));
        let Self { slots, by_key, hasher, .. } = self;
        by_key.reserve(additional, |&doc| entry_hash(hasher, entry_of(slots, doc)));
    }

    /// Puts `entry`, of an offer that has none, in a free slot and answers its new document
    /// number.
    pub(crate) fn put(&mut self, entry: Entry) -> u64 {
        let hash = entry_hash(&self.hasher, &entry);
        let doc = self.place(entry);
        let Self { slots, by_key, hasher, .. } = self;
        by_key.insert_unique(hash, doc, |&doc| entry_hash(hasher, entry_of(slots, doc)));
        doc
    }

    fn place(&mut self, entry: Entry) -> u64 {
        let (slot, generation) = match self.free.pop() {
            Some(slot) => {
                let s = &mut self.slots[slot as usize];
                s.generation = s.generation.wrapping_add(1);
                s.entry = Some(entry);
                (slot, s.generation)
            }
            None => {
                let slot = u32::try_from(self.slots.len()).expect("fewer than 2^32 courses");
                self.slots.push(Slot { generation: 0, entry: Some(entry) });
                (slot, 0)
            }
        };
        (u64::from(generation) << 32) | u64::from(slot)
    }

    pub(crate) fn get(&self, doc: u64) -> Option<&Entry> {
        get(&self.slots, doc)
    }

    /// The document number of the offer's entry.
    pub(crate) fn doc_of(&self, ukprn: &Ukprn, offer_id: &LocalId) -> Option<u64> {
        let hash = key_hash(&self.hasher, ukprn, offer_id);
        self.by_key.find(hash, |&doc| entry_of(&self.slots, doc).is_of(ukprn, offer_id)).copied()
    }

    /// Replaces the entry of `doc` with one of the same offer.
    pub(crate) fn replace(&mut self, doc: u64, entry: Entry) {
        let (slot, generation) = split(doc);
        if let Some(s) = self.slots.get_mut(slot).filter(|s| s.generation == generation)
            && s.entry.as_ref().is_some_and(|old| old.is_of(&entry.ukprn, &entry.offer_id))
        {
            s.entry = Some(entry);
        }
    }

    /// Removes the offer's entry and answers it with its document number.
    pub(crate) fn remove(&mut self, ukprn: &Ukprn, offer_id: &LocalId) -> Option<(u64, Entry)> {
        let hash = key_hash(&self.hasher, ukprn, offer_id);
        let found = self.by_key.find_entry(hash, |&doc| entry_of(&self.slots, doc).is_of(ukprn, offer_id));
        let (doc, _) = found.ok()?.remove();
        let (slot, _) = split(doc);
        let entry = self.slots[slot].entry.take()?;
        self.free.push(slot as u32);
        Some((doc, entry))
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Entry> {
        self.slots.iter().filter_map(|s| s.entry.as_ref())
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_order_as_the_dates_do() {
        let day = |s: &str| day_number(&Date::parse(s).unwrap());
        assert_eq!(day("2026-09-07"), 20_260_907);
        assert!(day("2026-09-07") < day("2026-10-01"));
        assert!(day("2025-12-31") < day("2026-01-01"));
    }

    fn entry(offer: &str, title: &str) -> Entry {
        Entry {
            ukprn: Ukprn::parse("10000001").unwrap(),
            offer_id: LocalId::parse(offer).unwrap(),
            title: title.into(),
            start: None,
            subject: SubjectCode::parse("4.1").unwrap(),
            level: Level::parse("3").unwrap(),
            age_group: AgeGroup::parse("19+").unwrap(),
            mode: Mode::parse("full-time").unwrap(),
            funding: None,
            partnerships: Vec::new().into(),
            point: None,
        }
    }

    fn key(offer: &str) -> (Ukprn, LocalId) {
        (Ukprn::parse("10000001").unwrap(), LocalId::parse(offer).unwrap())
    }

    #[test]
    fn a_freed_slot_is_reused_under_a_number_never_given_before() {
        let mut entries = Entries::default();
        let a = entries.put(entry("A", "first"));
        let (ukprn, id) = key("A");
        assert_eq!(entries.remove(&ukprn, &id).map(|(doc, e)| (doc, e.title)), Some((a, "first".into())));
        let b = entries.put(entry("B", "second"));
        assert_ne!(a, b, "the slot is reused, the number is not");
        assert_eq!(a & 0xffff_ffff, b & 0xffff_ffff);
        assert!(entries.get(a).is_none(), "the old number finds nothing");
        assert_eq!(entries.get(b).map(|e| &*e.title), Some("second"));
        assert_eq!(entries.doc_of(&ukprn, &id), None);
        let (ukprn, id) = key("B");
        assert_eq!(entries.doc_of(&ukprn, &id), Some(b));
        assert!(entries.remove(&ukprn, &LocalId::parse("A").unwrap()).is_none());
        assert_eq!(entries.len(), 1);
    }

    #[test]
    fn a_replacement_keeps_the_number_and_must_be_of_the_same_offer() {
        let mut entries = Entries::default();
        let a = entries.put(entry("A", "old words"));
        entries.replace(a, entry("A", "new words"));
        entries.replace(a, entry("Z", "another offer's"));
        assert_eq!(entries.get(a).map(|e| &*e.title), Some("new words"));
        let (ukprn, id) = key("Z");
        assert_eq!(entries.doc_of(&ukprn, &id), None);
    }

    #[test]
    fn every_offer_is_found_by_its_key_through_growth_and_removals() {
        let mut entries = Entries::default();
        entries.reserve(100);
        let docs: Vec<u64> = (0..5_000).map(|n| entries.put(entry(&format!("O{n}"), "t"))).collect();
        for n in (0..5_000).step_by(2) {
            let (ukprn, id) = key(&format!("O{n}"));
            assert_eq!(entries.remove(&ukprn, &id).map(|(doc, _)| doc), Some(docs[n]));
        }
        let again: Vec<u64> = (0..2_500).map(|n| entries.put(entry(&format!("N{n}"), "t"))).collect();
        assert_eq!(entries.len(), 5_000);
        assert_eq!(entries.values().count(), 5_000);
        for (n, doc) in docs.iter().enumerate() {
            let (ukprn, id) = key(&format!("O{n}"));
            assert_eq!(entries.doc_of(&ukprn, &id), (n % 2 == 1).then_some(*doc), "O{n}");
        }
        for (n, doc) in again.iter().enumerate() {
            let (ukprn, id) = key(&format!("N{n}"));
            assert_eq!(entries.doc_of(&ukprn, &id), Some(*doc));
            assert!(!docs.contains(doc), "N{n} got a number given before");
        }
    }
}
