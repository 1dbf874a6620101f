//! The field readers every event family uses: each reads one value at a path, and reports
//! what is wrong with it instead of stopping.

use super::{MAX_URL_CHARS, Obj, Path, Validator, json_kind};
use crate::error::{ErrorCode, FieldError, quote};
use crate::vocab::Vocab;
use serde_json::Value;

impl Validator {
    pub(super) fn err(&mut self, code: ErrorCode, field: String, message: String) {
        self.errors.push(FieldError::new(code, field, message));
    }

    /// A present, non-null field; absence or null is reported.
    pub(super) fn required<'v>(&mut self, o: &Obj<'v, '_>, key: &str) -> Option<&'v Value> {
        match o.map.get(key) {
            Some(Value::Null) | None => {
                self.err(ErrorCode::MissingField, o.at(key).to_string(), "is required".into());
                None
            }
            Some(v) => Some(v),
        }
    }

    /// A field that may be absent; `null` counts as absent.
    pub(super) fn optional<'v>(&self, o: &Obj<'v, '_>, key: &str) -> Option<&'v Value> {
        o.map.get(key).filter(|v| !v.is_null())
    }

    pub(super) fn string<'v>(&mut self, path: Path<'_>, v: &'v Value, what: &str) -> Option<&'v str> {
        match v {
            Value::String(s) => Some(s),
            other => {
                self.err(
                    ErrorCode::InvalidType,
                    path.to_string(),
                    format!("expected {what} as a JSON string, got {}", json_kind(other)),
                );
                None
            }
        }
    }

    pub(super) fn vocab<T: Vocab>(&mut self, path: Path<'_>, v: &Value) -> Option<T> {
        let s = self.string(path, v, T::EXPECTED)?;
        let parsed = T::parse(s);
        if parsed.is_none() {
            self.err(ErrorCode::InvalidValue, path.to_string(), format!("{} is not {}", quote(s), T::EXPECTED));
        }
        parsed
    }

    pub(super) fn req_vocab<T: Vocab>(&mut self, o: &Obj<'_, '_>, key: &str) -> Option<T> {
        let v = self.required(o, key)?;
        self.vocab(o.at(key), v)
    }

    pub(super) fn opt_vocab<T: Vocab>(&mut self, o: &Obj<'_, '_>, key: &str) -> Option<Option<T>> {
        match self.optional(o, key) {
            None => Some(None),
            Some(v) => self.vocab(o.at(key), v).map(Some),
        }
    }

    pub(super) fn text(&mut self, path: Path<'_>, v: &Value, max: usize) -> Option<String> {
        let s = self.string(path, v, "text")?;
        let len = s.chars().count();
        if s.trim().is_empty() {
            self.err(ErrorCode::InvalidValue, path.to_string(), "must not be empty".into());
            None
        } else if len > max {
            self.err(
                ErrorCode::InvalidValue,
                path.to_string(),
                format!("is {len} characters long; at most {max} are allowed"),
            );
            None
        } else {
            Some(s.to_owned())
        }
    }

    pub(super) fn req_text(&mut self, o: &Obj<'_, '_>, key: &str, max: usize) -> Option<String> {
        let v = self.required(o, key)?;
        self.text(o.at(key), v, max)
    }

    pub(super) fn opt_text(&mut self, o: &Obj<'_, '_>, key: &str, max: usize) -> Option<Option<String>> {
        match self.optional(o, key) {
            None => Some(None),
            Some(v) => self.text(o.at(key), v, max).map(Some),
        }
    }

    /// A v2 optional field: as `read` finds it, except that in a stored event a malformed
    /// one is absent.
    pub(super) fn v2<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<Option<T>>) -> Option<Option<T>> {
        let before = self.errors.len();
        let value = read(self);
        if value.is_none() && self.stored {
            self.errors.truncate(before);
            return Some(None);
        }
        value
    }

    /// An optional `http://` or `https://` address with a host and no spaces.
    pub(super) fn opt_url(&mut self, o: &Obj<'_, '_>, key: &str) -> Option<Option<String>> {
        let url = self.opt_text(o, key, MAX_URL_CHARS)?;
        let Some(url) = url else { return Some(None) };
        let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        let formed = host.is_some_and(|h| !h.is_empty() && !h.starts_with('/'))
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        if !formed {
            let message = format!("{} is not an http:// or https:// address", quote(&url));
            self.err(ErrorCode::InvalidValue, o.at(key).to_string(), message);
            return None;
        }
        Some(Some(url))
    }

    pub(super) fn integer(&mut self, path: Path<'_>, v: &Value, min: u32) -> Option<u32> {
        let expected = || format!("an integer from {min} to {}", u32::MAX);
        match v {
            Value::Number(n) => match n.as_u64().filter(|&i| i >= u64::from(min)).and_then(|i| u32::try_from(i).ok()) {
                Some(i) => Some(i),
                None => {
                    self.err(ErrorCode::InvalidValue, path.to_string(), format!("{n} is not {}", expected()));
                    None
                }
            },
            other => {
                self.err(
                    ErrorCode::InvalidType,
                    path.to_string(),
                    format!("expected {}, got {}", expected(), json_kind(other)),
                );
                None
            }
        }
    }

    pub(super) fn req_integer(&mut self, o: &Obj<'_, '_>, key: &str, min: u32) -> Option<u32> {
        let v = self.required(o, key)?;
        self.integer(o.at(key), v, min)
    }

    pub(super) fn opt_integer(&mut self, o: &Obj<'_, '_>, key: &str, min: u32) -> Option<Option<u32>> {
        match self.optional(o, key) {
            None => Some(None),
            Some(v) => self.integer(o.at(key), v, min).map(Some),
        }
    }

    pub(super) fn opt_number(
        &mut self,
        o: &Obj<'_, '_>,
        key: &str,
        range: std::ops::RangeInclusive<f64>,
        expected: &str,
    ) -> Option<Option<f64>> {
        let Some(v) = self.optional(o, key) else { return Some(None) };
        let path = o.at(key).to_string();
        match v.as_f64() {
            Some(x) if range.contains(&x) => Some(Some(x)),
            Some(x) => {
                self.err(ErrorCode::InvalidValue, path, format!("{x} is not {expected}"));
                None
            }
            None => {
                self.err(ErrorCode::InvalidType, path, format!("expected {expected}, got {}", json_kind(v)));
                None
            }
        }
    }

    pub(super) fn object<'v, 'p>(&mut self, path: Path<'p>, v: &'v Value) -> Option<Obj<'v, 'p>> {
        match v {
            Value::Object(m) => Some(Obj::new(m, path)),
            other => {
                self.err(
                    ErrorCode::InvalidType,
                    path.to_string(),
                    format!("expected an object, got {}", json_kind(other)),
                );
                None
            }
        }
    }

    pub(super) fn array<'v>(&mut self, path: Path<'_>, v: &'v Value) -> Option<&'v Vec<Value>> {
        match v {
            Value::Array(a) => Some(a),
            other => {
                self.err(
                    ErrorCode::InvalidType,
                    path.to_string(),
                    format!("expected an array, got {}", json_kind(other)),
                );
                None
            }
        }
    }
}
