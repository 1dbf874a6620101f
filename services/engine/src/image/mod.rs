//! Engine images: the whole state of an [`Engine`] with its position, as compact bytes, so a
//! service starts from the newest image and replays only the log after it (ADR 0009).
//!
//! Layout: a header of fixed size (magic, format version, engine version, position, body
//! length, checksum of the body), then the body, written by [`Image`] impls field by field.
//! Pure: no I/O, no clock; storing and choosing images is the services' job.
//!
//! Three marks guard an image. [`FORMAT_VERSION`] is the header and codec (how integers,
//! text, collections and offer keys are written). The shape fingerprint is a hash of what the
//! state's `Image` impls say they write (every field's name and type, every vocabulary's
//! values in order), computed, never edited: a field added, removed, renamed, reordered or
//! retyped changes it by itself. [`ENGINE_VERSION`] is the state's meaning: bump it when
//! `apply` would leave different state for the same log with the same shape (a planning rule
//! changed). The `fields!` lists in `state.rs` do not compile until a new field is listed (the
//! three hand-written impls destructure without `..`: list a new field in their `shape` too),
//! and the round-trip test compares decoded engines with the original field for field.

#[macro_use]
mod codec;
/// Writes the listed fields in order, reads them back in the same order into the struct:
/// `fields!(Type { a, b, c })`. The destructuring has no `..`, so a new field is a compile
/// error here until it is listed.
macro_rules! fields {
    ($t:ident { $($f:ident),+ $(,)? }) => {
        impl Image for $t {
            fn put(&self, w: &mut Writer) {
                let $t { $($f),+ } = self;
                $($f.put(w);)+
            }
            fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
                Ok($t { $($f: Image::take(r)?),+ })
            }
            fn shape(s: &mut String) {
                s.push_str(concat!(stringify!($t), "{"));
                $(field_shape::<$t, _>(stringify!($f), |x| &x.$f, s);)+
                s.push('}');
            }
        }
    };
}

mod collab;
mod state;

use crate::Engine;
use codec::{Image, Reader, Writer};

/// The header and codec's version. 2: offer keys in a table after the state, which is in two
/// sections read side by side.
pub const FORMAT_VERSION: u16 = 2;

/// The meaning of the engine's state; bump it when a rule of `apply` changes what state a log
/// leaves (shape changes are caught by the fingerprint without it).
pub const ENGINE_VERSION: u32 = 1;

const MAGIC: &[u8; 4] = b"PVEI";
/// Magic, format version, engine version, shape fingerprint, position, body length, checksum.
const HEADER: usize = 4 + 2 + 4 + 8 + 8 + 8 + 8;

/// The fingerprint of the state's shape as this build writes it.
fn shape() -> u64 {
    static SHAPE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SHAPE.get_or_init(|| {
        let mut s = String::new();
        Engine::shape(&mut s);
        fnv1a(s.as_bytes())
    })
}

/// Why an image cannot be used; every one of them means a full replay instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("not an engine image (no magic number)")]
    NotAnImage,
    #[error("image format version {found}, this build reads {expected}")]
    FormatVersion { found: u16, expected: u16 },
    #[error("engine version {found}, this build is {expected}")]
    EngineVersion { found: u32, expected: u32 },
    #[error("engine state shape {found:016x}, this build's is {expected:016x} (fields or vocabularies changed)")]
    Shape { found: u64, expected: u64 },
    #[error("checksum mismatch: the image is corrupt")]
    Checksum,
    #[error("the image ends early")]
    Truncated,
    #[error("the image holds an invalid {0}")]
    Invalid(&'static str),
    #[error("the image has bytes after its state")]
    TrailingBytes,
}

/// What an image's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ImageHeader {
    format_version: u16,
    engine_version: u32,
    /// The fingerprint of the state's shape (see the module documentation).
    shape: u64,
    position: u64,
}

impl ImageHeader {
    /// Refuses an image of another format, engine version or shape.
    fn check(self) -> Result<Self, ImageError> {
        if self.format_version != FORMAT_VERSION {
            return Err(ImageError::FormatVersion { found: self.format_version, expected: FORMAT_VERSION });
        }
        if self.engine_version != ENGINE_VERSION {
            return Err(ImageError::EngineVersion { found: self.engine_version, expected: ENGINE_VERSION });
        }
        if self.shape != shape() {
            return Err(ImageError::Shape { found: self.shape, expected: shape() });
        }
        Ok(self)
    }
}

impl Engine {
    /// The engine's image: header, then the state.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes.resize(HEADER, 0);
        self.put(&mut w);
        let mut bytes = w.bytes;
        let body_len = (bytes.len() - HEADER) as u64;
        let checksum = fnv1a(&bytes[HEADER..]);
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        header.extend_from_slice(&ENGINE_VERSION.to_le_bytes());
        header.extend_from_slice(&shape().to_le_bytes());
        header.extend_from_slice(&self.position.to_le_bytes());
        header.extend_from_slice(&body_len.to_le_bytes());
        header.extend_from_slice(&checksum.to_le_bytes());
        bytes[..HEADER].copy_from_slice(&header);
        bytes
    }

    /// The engine an image holds; any doubt (version, checksum, shape) is an error, never a
    /// partly read engine.
    pub fn decode(bytes: &[u8]) -> Result<Engine, ImageError> {
        let (header, body) = split(bytes)?;
        let header = header.check()?;
        let engine = Reader::whole(body, &[], Engine::take)?;
        if engine.position != header.position {
            return Err(ImageError::Invalid("position"));
        }
        Ok(engine)
    }
}

/// The header and the body, the body's length and checksum checked.
fn split(bytes: &[u8]) -> Result<(ImageHeader, &[u8]), ImageError> {
    if bytes.len() < HEADER || &bytes[..4] != MAGIC {
        return Err(ImageError::NotAnImage);
    }
    let le = |range: std::ops::Range<usize>| {
        let mut b = [0u8; 8];
        b[..range.len()].copy_from_slice(&bytes[range]);
        u64::from_le_bytes(b)
    };
    let header = ImageHeader {
        format_version: le(4..6) as u16,
        engine_version: le(6..10) as u32,
        shape: le(10..18),
        position: le(18..26),
    };
    let (body_len, checksum) = (le(26..34), le(34..42));
    let body = &bytes[HEADER..];
    if body.len() as u64 != body_len {
        return Err(ImageError::Truncated);
    }
    if fnv1a(body) != checksum {
        return Err(ImageError::Checksum);
    }
    Ok((header, body))
}

/// FNV-1a over 8-byte words (then the tail byte by byte): catches a torn or altered image,
/// not an attacker (whoever can write the database can write the log too).
fn fnv1a(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(PRIME);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_engine_round_trips() {
        let bytes = Engine::new().encode();
        assert_eq!(Engine::decode(&bytes), Ok(Engine::new()));
    }

    #[test]
    fn a_flipped_bit_or_a_cut_is_refused() {
        let bytes = Engine::new().encode();
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(Engine::decode(&flipped), Err(ImageError::Checksum));
        assert_eq!(Engine::decode(&bytes[..bytes.len() - 1]), Err(ImageError::Truncated));
        assert_eq!(Engine::decode(b"nope"), Err(ImageError::NotAnImage));
    }

    #[test]
    fn another_version_is_refused_by_name() {
        let mut bytes = Engine::new().encode();
        bytes[4] = bytes[4].wrapping_add(1);
        let found = FORMAT_VERSION.wrapping_add(1);
        assert_eq!(Engine::decode(&bytes), Err(ImageError::FormatVersion { found, expected: FORMAT_VERSION }));
        let mut bytes = Engine::new().encode();
        bytes[6] = bytes[6].wrapping_add(1);
        let found = ENGINE_VERSION.wrapping_add(1);
        assert_eq!(Engine::decode(&bytes), Err(ImageError::EngineVersion { found, expected: ENGINE_VERSION }));
        let mut bytes = Engine::new().encode();
        bytes[10] ^= 1;
        assert!(matches!(Engine::decode(&bytes), Err(ImageError::Shape { .. })));
    }

    /// The fingerprint covers field names and types and vocabularies' values, so any change
    /// of them is an image of another shape.
    #[test]
    fn the_shape_names_every_field_and_vocabulary_value() {
        let mut s = String::new();
        Engine::shape(&mut s);
        for part in [
            "Engine{position:u64,world:World{offers:Map<(OfferKey,Offer{",
            "lars_aim:Option<String>",
            "Partnership{registration:Option<Registration{",
            "targets_by_year:Map<(Year(u16),Seq<LocalId>)>",
            "Level[entry,1,2,3,4,5,6,7,8,]",
            "SubjectCode[1.1,1.2,",
        ] {
            assert!(s.contains(part), "{part} in {s}");
        }
    }
}
