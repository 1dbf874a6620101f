//! The byte-level codec of engine images: LEB128 integers, length-prefixed text and
//! collections, offer keys referred to by number (their table is written once, after the
//! state: see `state.rs`), and sections of known length that can be read side by side.
//!
//! Every collection is written in key order, hashed ones too. The first map of offers then
//! numbers the offer keys in key order, and reading their table allocates them in that order;
//! every collection refers to them in the same order, so a reader takes the shared keys' reference
//! counts from memory front to back. In hash order, each of those increments was a cache
//! miss: a fifth of decoding a million offers (`perf annotate`, `provisio-bench image`). An
//! engine and its decoded copy (whose hash maps have seeds of their own) write the same bytes.
//!
//! [`Image`] is implemented for the primitive and collection types the engine's state is made
//! of; `state.rs` implements it for the engine's own types, one field after another.

use super::ImageError;
use crate::cow::CowMap;
use crate::keys::{OfferId, OfferKey};
use foldhash::HashMap;
use provisio_events::vocab::{LocalId, Ukprn, Vocab};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

/// A value that writes itself into an image and reads itself back.
pub(crate) trait Image: Sized {
    fn put(&self, w: &mut Writer);
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError>;
    /// Describes what `put` writes (field names and types, vocabularies' values), so that the
    /// image header can carry a fingerprint of the state's shape (`mod.rs`).
    fn shape(s: &mut String);
}

/// The shape of field `$f` of a struct, its type found from the field itself.
pub(crate) fn field_shape<S, T: Image>(name: &str, _field: fn(&S) -> &T, s: &mut String) {
    s.push_str(name);
    s.push(':');
    T::shape(s);
    s.push(',');
}

#[derive(Default)]
pub(crate) struct Writer {
    pub(super) bytes: Vec<u8>,
    /// The number of each offer key written so far, in order of first appearance, found by
    /// address: the engine shares one `Arc` per offer (hashing the address costs a fraction
    /// of hashing the id), and the engine being encoded keeps every one of them alive.
    offer_numbers: HashMap<usize, u64>,
    /// The keys by number, for the table written after them.
    offer_keys: Vec<OfferKey>,
}

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    /// The offer keys by number: one `Arc` per offer, shared again by every map holding it.
    offer_keys: &'a [OfferKey],
}

impl Writer {
    pub(crate) fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.bytes.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.bytes.push(n as u8);
    }

    pub(crate) fn text(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.bytes.extend_from_slice(s.as_bytes());
    }

    pub(crate) fn byte(&mut self, b: u8) {
        self.bytes.push(b);
    }

    /// Writes what `put` writes after its length, as 8 bytes, so a reader can hand the
    /// section to a thread of its own without reading through it.
    pub(super) fn sized(&mut self, put: impl FnOnce(&mut Writer)) {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(&[0; 8]);
        put(self);
        let len = (self.bytes.len() - at - 8) as u64;
        self.bytes[at..at + 8].copy_from_slice(&len.to_le_bytes());
    }

    /// Writes every offer key referred to so far, in the order of their numbers.
    pub(super) fn offer_key_table(&mut self) {
        let keys = std::mem::take(&mut self.offer_keys);
        self.uint(keys.len() as u64);
        for key in &keys {
            key.ukprn().put(self);
            key.offer_id().put(self);
        }
    }
}

impl<'a> Reader<'a> {
    /// Reads `bytes`, whose offer keys are numbers in `offer_keys`.
    pub(super) fn new(bytes: &'a [u8], offer_keys: &'a [OfferKey]) -> Self {
        Reader { bytes, offer_keys }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(crate) fn uint(&mut self) -> Result<u64, ImageError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(ImageError::Invalid("integer"))
    }

    pub(crate) fn byte(&mut self) -> Result<u8, ImageError> {
        let (&b, rest) = self.bytes.split_first().ok_or(ImageError::Truncated)?;
        self.bytes = rest;
        Ok(b)
    }

    pub(crate) fn text(&mut self) -> Result<&'a str, ImageError> {
        let len = usize::try_from(self.uint()?).map_err(|_| ImageError::Truncated)?;
        if len > self.bytes.len() {
            return Err(ImageError::Truncated);
        }
        let (text, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        std::str::from_utf8(text).map_err(|_| ImageError::Invalid("text"))
    }

    /// What `take` reads from the whole of `bytes`, a section.
    pub(super) fn whole<T>(
        bytes: &'a [u8],
        offer_keys: &'a [OfferKey],
        take: impl FnOnce(&mut Reader<'a>) -> Result<T, ImageError>,
    ) -> Result<T, ImageError> {
        let mut r = Reader::new(bytes, offer_keys);
        let taken = take(&mut r)?;
        if r.is_empty() { Ok(taken) } else { Err(ImageError::TrailingBytes) }
    }

    /// The bytes of a section written by [`Writer::sized`].
    pub(super) fn sized(&mut self) -> Result<&'a [u8], ImageError> {
        let Some((len, rest)) = self.bytes.split_first_chunk::<8>() else { return Err(ImageError::Truncated) };
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| ImageError::Truncated)?;
        if len > rest.len() {
            return Err(ImageError::Truncated);
        }
        let (section, rest) = rest.split_at(len);
        self.bytes = rest;
        Ok(section)
    }

    /// Reads a table written by [`Writer::offer_key_table`]: one `Arc` per offer, allocated
    /// in the order every later reference takes them.
    pub(super) fn offer_key_table(&mut self) -> Result<Vec<OfferKey>, ImageError> {
        let n = self.len()?;
        let mut keys = Vec::with_capacity(n);
        for _ in 0..n {
            keys.push(Arc::new(OfferId::new(Ukprn::take(self)?, LocalId::take(self)?)));
        }
        Ok(keys)
    }

    /// A collection's length, checked against what is left so a corrupt length cannot make a
    /// reader reserve memory it will never fill.
    fn len(&mut self) -> Result<usize, ImageError> {
        let n = self.uint()?;
        if n > self.bytes.len() as u64 {
            return Err(ImageError::Truncated);
        }
        Ok(n as usize)
    }
}

macro_rules! unsigned {
    ($($t:ty),+) => {$(
        impl Image for $t {
            fn put(&self, w: &mut Writer) {
                w.uint(u64::from(*self));
            }
            fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
                <$t>::try_from(r.uint()?).map_err(|_| ImageError::Invalid(stringify!($t)))
            }
            fn shape(s: &mut String) {
                s.push_str(stringify!($t));
            }
        }
    )+};
}
unsigned!(u16, u32, u64);

impl Image for f64 {
    fn put(&self, w: &mut Writer) {
        w.bytes.extend_from_slice(&self.to_bits().to_le_bytes());
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = r.byte()?;
        }
        Ok(f64::from_bits(u64::from_le_bytes(b)))
    }
    fn shape(s: &mut String) {
        s.push_str("f64");
    }
}

impl Image for String {
    fn put(&self, w: &mut Writer) {
        w.text(self);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        r.text().map(str::to_owned)
    }
    fn shape(s: &mut String) {
        s.push_str("String");
    }
}

/// Vocabulary values as their text, parsed back so an image cannot smuggle in a bad value.
macro_rules! vocab_text {
    ($($t:ty),+) => {$(
        impl Image for $t {
            fn put(&self, w: &mut Writer) {
                w.text(self.as_str());
            }
            fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
                <$t>::parse(r.text()?).ok_or(ImageError::Invalid(stringify!($t)))
            }
            fn shape(s: &mut String) {
                s.push_str(stringify!($t));
            }
        }
    )+};
}
vocab_text!(Ukprn, LocalId, provisio_events::vocab::PartnershipId, provisio_events::vocab::AreaCode);
vocab_text!(provisio_events::vocab::Date);

impl<T: Image> Image for Option<T> {
    fn put(&self, w: &mut Writer) {
        match self {
            None => w.byte(0),
            Some(v) => {
                w.byte(1);
                v.put(w);
            }
        }
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        match r.byte()? {
            0 => Ok(None),
            1 => T::take(r).map(Some),
            _ => Err(ImageError::Invalid("option")),
        }
    }
    fn shape(s: &mut String) {
        wrapped(s, "Option", T::shape);
    }
}

impl<T: Image> Image for Arc<T> {
    fn put(&self, w: &mut Writer) {
        (**self).put(w);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        T::take(r).map(Arc::new)
    }
    fn shape(s: &mut String) {
        T::shape(s);
    }
}

impl<A: Image, B: Image> Image for (A, B) {
    fn put(&self, w: &mut Writer) {
        self.0.put(w);
        self.1.put(w);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        Ok((A::take(r)?, B::take(r)?))
    }
    fn shape(s: &mut String) {
        s.push('(');
        A::shape(s);
        s.push(',');
        B::shape(s);
        s.push(')');
    }
}

/// Writes any collection: its length, then its items.
fn put_all<'a, T: Image + 'a>(w: &mut Writer, len: usize, items: impl Iterator<Item = &'a T>) {
    w.uint(len as u64);
    items.for_each(|item| item.put(w));
}

/// Reads `len` then that many items. Into a vector first: collecting straight from fallible
/// reads gives the collection no size to reserve, so hash sets grew and rehashed as they
/// filled.
fn take_all<T: Image, C: FromIterator<T>>(r: &mut Reader<'_>) -> Result<C, ImageError> {
    let n = r.len()?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        items.push(T::take(r)?);
    }
    Ok(items.into_iter().collect())
}

impl<T: Image> Image for Vec<T> {
    fn put(&self, w: &mut Writer) {
        put_all(w, self.len(), self.iter());
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        take_all::<T, _>(r)
    }
    fn shape(s: &mut String) {
        wrapped(s, "Seq", T::shape);
    }
}

impl<T: Image + Ord> Image for BTreeSet<T> {
    fn put(&self, w: &mut Writer) {
        put_all(w, self.len(), self.iter());
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        take_all::<T, _>(r)
    }
    fn shape(s: &mut String) {
        wrapped(s, "Seq", T::shape);
    }
}

impl<T: Image + Eq + Hash + Ord, S: BuildHasher + Default> Image for std::collections::HashSet<T, S> {
    fn put(&self, w: &mut Writer) {
        let mut items: Vec<&T> = self.iter().collect();
        items.sort_unstable();
        put_all(w, items.len(), items.into_iter());
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        take_all::<T, _>(r)
    }
    fn shape(s: &mut String) {
        wrapped(s, "Seq", T::shape);
    }
}

impl<K: Image + Ord, V: Image> Image for BTreeMap<K, V> {
    fn put(&self, w: &mut Writer) {
        w.uint(self.len() as u64);
        for (k, v) in self {
            k.put(w);
            v.put(w);
        }
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        take_all::<(K, V), _>(r)
    }
    fn shape(s: &mut String) {
        wrapped(s, "Map", <(K, V)>::shape);
    }
}

impl<K: Image + Clone + Eq + Hash + Ord, V: Image + Clone, const SHARDS: usize> Image for CowMap<K, V, SHARDS> {
    fn put(&self, w: &mut Writer) {
        let mut entries: Vec<(&K, &V)> = self.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        w.uint(entries.len() as u64);
        for (k, v) in entries {
            k.put(w);
            v.put(w);
        }
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        let n = r.len()?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let k = K::take(r)?;
            entries.push((k, Arc::new(V::take(r)?)));
        }
        Ok(CowMap::from_entries(entries))
    }
    fn shape(s: &mut String) {
        wrapped(s, "Map", <(K, V)>::shape);
    }
}

/// An offer key is written as its number in the table of offer keys: the same offer sits in
/// half a dozen maps, and reading it back this way makes them share one `Arc` again, as the
/// live engine does.
impl Image for OfferKey {
    fn put(&self, w: &mut Writer) {
        let next = w.offer_numbers.len() as u64;
        let n = *w.offer_numbers.entry(Arc::as_ptr(self) as usize).or_insert(next);
        if n == next {
            w.offer_keys.push(self.clone());
        }
        w.uint(n);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        let n = usize::try_from(r.uint()?).map_err(|_| ImageError::Invalid("offer key"))?;
        r.offer_keys.get(n).cloned().ok_or(ImageError::Invalid("offer key"))
    }
    fn shape(s: &mut String) {
        s.push_str("OfferKey");
    }
}

/// `name<inner>`.
fn wrapped(s: &mut String, name: &str, inner: fn(&mut String)) {
    s.push_str(name);
    s.push('<');
    inner(s);
    s.push('>');
}
