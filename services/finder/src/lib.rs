//! The public course finder (CONTRACT section 11): the public courses of the engine, indexed
//! for words (tantivy, English stemming: ADR 0012), filters and distance, and kept in step
//! with the engine one applied event at a time through `Engine::courses_touched_by`.
//!
//! Architecture invariant: no I/O and no clock. The service feeds it engines and the keys
//! events touched; it answers searches. Enrolments and places never enter it.

mod geo;
mod search;
mod text;

pub use geo::haversine_km;
pub use search::{Hit, Page, Search};

use provisio_engine::{Engine, PublicCourse};
use provisio_events::vocab::{LocalId, PartnershipId, Ukprn, Vocab};
use provisio_import::{LatLon, PostcodeLookup};
use std::collections::HashMap;
use std::sync::Arc;
use text::TextIndex;

#[derive(Debug, thiserror::Error)]
#[error("the search index failed: {0}")]
pub struct FinderError(#[from] tantivy::TantivyError);

/// A public course and where its venue is (its own `lat`/`lon`, else its postcode's).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) course: Arc<PublicCourse>,
    pub(crate) point: Option<LatLon>,
}

/// The index of public courses.
pub struct Finder {
    courses: HashMap<String, Entry>,
    text: TextIndex,
    postcodes: Option<Arc<PostcodeLookup>>,
}

/// One course's key in the index: `ukprn/offer_id` (neither may hold a `/`).
fn key(ukprn: &Ukprn, offer_id: &LocalId) -> String {
    format!("{}/{}", ukprn.as_str(), offer_id.as_str())
}

impl Finder {
    pub fn new(postcodes: Option<Arc<PostcodeLookup>>) -> Result<Self, FinderError> {
        Ok(Self { courses: HashMap::new(), text: TextIndex::new()?, postcodes })
    }

    /// Every public course of `engine`, replacing whatever the index held.
    pub fn rebuild(&mut self, engine: &Engine) -> Result<(), FinderError> {
        for k in self.courses.keys() {
            self.text.remove(k);
        }
        self.courses.clear();
        for course in engine.public_courses() {
            self.put(course)?;
        }
        Ok(self.text.commit()?)
    }

    /// Brings the named offers in line with `engine`: present when public, gone otherwise.
    pub fn refresh(&mut self, engine: &Engine, offers: &[(Ukprn, LocalId)]) -> Result<(), FinderError> {
        for (ukprn, offer_id) in offers {
            match engine.public_course(ukprn, offer_id) {
                Some(course) => self.put(course)?,
                None => {
                    let k = key(ukprn, offer_id);
                    if self.courses.remove(&k).is_some() {
                        self.text.remove(&k);
                    }
                }
            }
        }
        Ok(self.text.commit()?)
    }

    fn put(&mut self, course: PublicCourse) -> Result<(), FinderError> {
        let k = key(&course.ukprn, &course.offer_id);
        let held = self.courses.get(&k).map(|e| &*e.course);
        let texts = [course.title.as_str(), course.description.as_deref().unwrap_or(""), course.subject_name];
        let same_text =
            held.is_some_and(|h| [h.title.as_str(), h.description.as_deref().unwrap_or(""), h.subject_name] == texts);
        if !same_text {
            self.text.put(&k, texts)?;
        }
        let point = match (course.venue.lat, course.venue.lon) {
            (Some(lat), Some(lon)) => Some(LatLon { lat, lon }),
            _ => self.postcodes.as_deref().and_then(|p| p.point(&course.venue.postcode)),
        };
        self.courses.insert(k, Entry { course: Arc::new(course), point });
        Ok(())
    }

    /// One public course, or `None` when it is not public.
    pub fn course(&self, ukprn: &Ukprn, offer_id: &LocalId) -> Option<Arc<PublicCourse>> {
        self.courses.get(&key(ukprn, offer_id)).map(|e| e.course.clone())
    }

    /// The public courses of one partnership, in no particular order.
    pub fn courses_in<'a>(&'a self, partnership: &'a PartnershipId) -> impl Iterator<Item = &'a PublicCourse> + 'a {
        self.courses.values().map(|e| &*e.course).filter(move |c| c.partnerships.contains(partnership))
    }

    /// How many courses are public.
    pub fn len(&self) -> usize {
        self.courses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.courses.is_empty()
    }
}
