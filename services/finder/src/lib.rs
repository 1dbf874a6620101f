//! The public course finder (CONTRACT section 11): the public courses of the engine, indexed
//! for words (tantivy, English stemming: ADR 0012), filters and distance, and kept in step
//! with the engine one applied event at a time through `Engine::courses_touched_by`.
//!
//! Architecture invariant: no I/O and no clock. The service feeds it engines and the keys
//! events touched, and says when to make new words searchable ([`Finder::commit`]); it
//! answers searches. Enrolments and places never enter it.
//!
//! What it holds per course is compact ([`Entry`]: what filters and orders need, and where
//! the venue is); the courses it answers are read from the engine it was last brought in line
//! with, which it keeps (a snapshot the service holds anyway).

mod entry;
mod geo;
mod grid;
mod search;
mod text;

pub use geo::haversine_km;
pub use search::{Hit, Page, Search};

use entry::{Entries, Entry};
use grid::{Grid, cell_key};
use provisio_engine::{Engine, PublicCourse};
use provisio_events::vocab::{LocalId, PartnershipId, SubjectCode, Ukprn};
use provisio_import::{LatLon, PostcodeLookup};
use std::collections::HashSet;
use std::sync::Arc;
use text::TextIndex;

#[derive(Debug, thiserror::Error)]
#[error("the search index failed: {0}")]
pub struct FinderError(#[from] tantivy::TantivyError);

/// One offer: its provider and its id there.
type OfferKey = (Ukprn, LocalId);

/// The index of public courses.
pub struct Finder {
    /// The snapshot every entry was taken from: the courses answered are read from it.
    engine: Arc<Engine>,
    /// Each public course by its text document's number.
    entries: Entries,
    /// The sets of partnerships the entries name, each held once: most courses share theirs
    /// with every course of their venue.
    partnership_sets: HashSet<Arc<[PartnershipId]>>,
    text: TextIndex,
    /// The document numbers of the courses with a position, by where they are.
    grid: Grid,
    postcodes: Option<Arc<PostcodeLookup>>,
    /// False until the first [`Finder::rebuild`]: an index made by `new` holds no course yet.
    built: bool,
}

/// The words a course is found by: title, description, subject name.
fn texts(course: &PublicCourse) -> [&str; 3] {
    [course.title.as_str(), course.description.as_deref().unwrap_or(""), course.subject_name]
}

impl Finder {
    pub fn new(postcodes: Option<Arc<PostcodeLookup>>) -> Result<Self, FinderError> {
        Ok(Self {
            engine: Arc::new(Engine::new()),
            entries: Entries::default(),
            partnership_sets: HashSet::new(),
            text: TextIndex::new()?,
            grid: Grid::default(),
            postcodes,
            built: false,
        })
    }

    /// Every public course of `engine`, in a new index that replaces the old, committed.
    pub fn rebuild(&mut self, engine: &Arc<Engine>) -> Result<(), FinderError> {
        // A new word index, so document numbers start again.
        self.text = TextIndex::new()?;
        self.entries = Entries::default();
        self.partnership_sets.clear();
        self.grid = Grid::default();
        // Added in the order of their grid cells, the courses of a neighbourhood are runs of
        // the index's documents: a search near a point walks a few runs (`TextIndex::matches`).
        // Only keys are sorted and each course is built again to be added: sorting a million
        // whole courses would hold them all at once (about 1.6 s more CPU per million instead).
        let mut places: Vec<(Option<u64>, OfferKey)> =
            engine.public_courses().map(|c| (self.point(&c).map(cell_key), (c.ukprn, c.offer_id))).collect();
        places.sort_unstable_by_key(|(cell, _)| cell.unwrap_or(u64::MAX));
        self.entries.reserve(places.len());
        for (_, (ukprn, offer_id)) in places {
            if let Some(course) = engine.public_course(&ukprn, &offer_id) {
                self.add(&course)?;
            }
        }
        self.engine = engine.clone();
        self.built = true;
        self.commit()
    }

    /// Brings the named offers in line with `engine`: present when public, gone otherwise.
    /// Every other offer must be the same in `engine` as in the engine of the last refresh
    /// (the offers `Engine::courses_touched_by` names for the events between them). A course
    /// whose words or place changed is found by words after the next [`Finder::commit`];
    /// filters, order, distances and the course answered follow `engine` at once.
    pub fn refresh(&mut self, engine: &Arc<Engine>, offers: &[(Ukprn, LocalId)]) -> Result<(), FinderError> {
        for (ukprn, offer_id) in offers {
            let Some(course) = engine.public_course(ukprn, offer_id) else {
                self.remove(ukprn, offer_id);
                continue;
            };
            // Same words and place as indexed (those of the engine of the last refresh): same
            // document. Its place is a term of the word index, so a move is a new document.
            let point = self.point(&course);
            let same = |doc: &u64| {
                self.entries.get(*doc).is_some_and(|e| e.point == point)
                    && self.engine.public_course(ukprn, offer_id).is_some_and(|h| texts(&h) == texts(&course))
            };
            match self.entries.doc_of(ukprn, offer_id).filter(same) {
                Some(doc) => {
                    let entry = self.entry(&course, point);
                    self.entries.replace(doc, entry);
                }
                None => {
                    self.remove(ukprn, offer_id);
                    self.add(&course)?;
                }
            }
        }
        self.engine = engine.clone();
        Ok(())
    }

    /// Makes the words of the courses refreshed since the last commit searchable. Costly
    /// (tantivy writes a segment): the service calls it at most a few times a second.
    pub fn commit(&mut self) -> Result<(), FinderError> {
        Ok(self.text.commit()?)
    }

    fn add(&mut self, course: &PublicCourse) -> Result<(), FinderError> {
        let point = self.point(course);
        let entry = self.entry(course, point);
        let doc = self.entries.put(entry);
        self.text.put(doc, texts(course), point.map(cell_key))?;
        if let Some(at) = point {
            self.grid.put(doc, at);
        }
        Ok(())
    }

    fn entry(&mut self, course: &PublicCourse, point: Option<LatLon>) -> Entry {
        Entry::of(course, point, self.partnership_set(&course.partnerships))
    }

    /// The shared copy of a set of partnerships (kept until the next rebuild: there are as
    /// many as the combinations of partnerships venues are in).
    fn partnership_set(&mut self, partnerships: &[PartnershipId]) -> Arc<[PartnershipId]> {
        if let Some(set) = self.partnership_sets.get(partnerships) {
            return set.clone();
        }
        let set: Arc<[PartnershipId]> = partnerships.into();
        self.partnership_sets.insert(set.clone());
        set
    }

    fn remove(&mut self, ukprn: &Ukprn, offer_id: &LocalId) {
        if let Some((doc, entry)) = self.entries.remove(ukprn, offer_id) {
            if let Some(at) = entry.point {
                self.grid.remove(doc, at);
            }
            self.text.remove(doc);
        }
    }

    /// Where the course is taught: its venue's own position, else its postcode's.
    fn point(&self, course: &PublicCourse) -> Option<LatLon> {
        match (course.venue.lat, course.venue.lon) {
            (Some(lat), Some(lon)) => Some(LatLon { lat, lon }),
            _ => self.postcodes.as_deref().and_then(|p| p.point(&course.venue.postcode)),
        }
    }

    /// The postcode lookup distances fall back on.
    pub fn postcodes(&self) -> Option<Arc<PostcodeLookup>> {
        self.postcodes.clone()
    }

    /// One public course, or `None` when it is not public.
    pub fn course(&self, ukprn: &Ukprn, offer_id: &LocalId) -> Option<PublicCourse> {
        self.engine.public_course(ukprn, offer_id)
    }

    /// The subject of each public course of one partnership, in no particular order.
    pub fn subjects_in<'a>(&'a self, partnership: &'a PartnershipId) -> impl Iterator<Item = SubjectCode> + 'a {
        self.entries.values().filter(move |e| e.partnerships.contains(partnership)).map(|e| e.subject)
    }

    /// Whether the index holds the courses of an engine yet (see `built`).
    pub fn is_built(&self) -> bool {
        self.built
    }

    /// How many courses are public.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// Bytes the committed word index takes (tantivy's own count of its segments).
    pub fn text_bytes(&self) -> usize {
        self.text.bytes()
    }
}
