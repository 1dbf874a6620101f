//! The fields of CONTRACT section 11: an offer's public details, a provider's phone, a
//! partnership's guidance contact (all v2 and optional: a stored one that breaks its form is
//! read as absent), and the payload of `lp.interest.registered.v1`.

use super::{MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, Obj, Validator};
use crate::error::{ErrorCode, quote};
use crate::event::*;
use crate::vocab::*;

/// Longest telephone number, in characters.
const MAX_PHONE_CHARS: usize = 32;
/// Longest e-mail address (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;

impl Validator {
    pub(super) fn public_payload(&mut self, t: EventType, d: &Obj<'_, '_>) -> Option<Payload> {
        match t {
            EventType::InterestRegistered => {
                let area = self.req_vocab::<AreaCode>(d, "area");
                let subject = self.req_vocab::<SubjectCode>(d, "subject");
                let level = self.req_vocab::<Level>(d, "level");
                let age_group = self.req_vocab::<AgeGroup>(d, "age_group");
                let mode = self.opt_vocab::<Mode>(d, "mode");
                let academic_year = self.req_vocab::<AcademicYear>(d, "academic_year");
                Some(Payload::InterestRegistered(InterestRegistered {
                    area: area?,
                    subject: subject?,
                    level: level?,
                    age_group: age_group?,
                    mode: mode?,
                    academic_year: academic_year?,
                }))
            }
            _ => unreachable!("only the interest event comes from the public source"),
        }
    }

    /// The public details of an offer (`provision.offered` data or a plan's entry).
    pub(super) fn offer_public(&mut self, o: &Obj<'_, '_>) -> Option<OfferPublic> {
        let description = self.v2(|v| v.opt_text(o, "description", MAX_DESCRIPTION_CHARS));
        let url = self.v2(|v| v.opt_https_url(o, "url"));
        let fee = self.v2(|v| v.opt_number(o, "fee", 0.0..=f64::MAX, "a number ≥ 0 (pounds)"));
        let funding = self.v2(|v| v.opt_vocab::<Funding>(o, "funding"));
        let hours_per_week = self.v2(|v| v.opt_positive(o, "hours_per_week"));
        Some(OfferPublic {
            description: description?,
            url: url?,
            fee: fee?,
            funding: funding?,
            hours_per_week: hours_per_week?,
        })
    }

    /// A provider's or contact's telephone number: digits, spaces and `+ - ( )`, one digit at least.
    pub(super) fn opt_phone(&mut self, o: &Obj<'_, '_>, key: &str) -> Option<Option<String>> {
        let Some(phone) = self.opt_text(o, key, MAX_PHONE_CHARS)? else { return Some(None) };
        let formed = phone.chars().any(|c| c.is_ascii_digit())
            && phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
        if !formed {
            let message = format!("{} is not a telephone number (digits, spaces, + - ( ))", quote(&phone));
            self.err(ErrorCode::InvalidValue, o.at(key).to_string(), message);
            return None;
        }
        Some(Some(phone))
    }

    /// A partnership's `iag` contact: an object of optional `name`, `url`, `phone`, `email`.
    pub(super) fn opt_iag(&mut self, d: &Obj<'_, '_>) -> Option<Option<Iag>> {
        let Some(v) = self.optional(d, "iag") else { return Some(None) };
        let o = self.object(d.at("iag"), v)?;
        let name = self.v2(|v| v.opt_text(&o, "name", MAX_NAME_CHARS));
        let url = self.v2(|v| v.opt_url(&o, "url"));
        let phone = self.v2(|v| v.opt_phone(&o, "phone"));
        let email = self.v2(|v| v.opt_email(&o, "email"));
        Some(Some(Iag { name: name?, url: url?, phone: phone?, email: email? }))
    }

    fn opt_https_url(&mut self, o: &Obj<'_, '_>, key: &str) -> Option<Option<String>> {
        let Some(url) = self.opt_url(o, key)? else { return Some(None) };
        if !url.starts_with("https://") {
            self.err(
                ErrorCode::InvalidValue,
                o.at(key).to_string(),
                format!("{} is not an https:// address", quote(&url)),
            );
            return None;
        }
        Some(Some(url))
    }

    fn opt_positive(&mut self, o: &Obj<'_, '_>, key: &str) -> Option<Option<f64>> {
        let x = self.opt_number(o, key, 0.0..=f64::MAX, "a number > 0")?;
        if x == Some(0.0) {
            self.err(ErrorCode::InvalidValue, o.at(key).to_string(), "0 is not a number > 0".into());
            return None;
        }
        Some(x)
    }

    fn opt_email(&mut self, o: &Obj<'_, '_>, key: &str) -> Option<Option<String>> {
        let Some(email) = self.opt_text(o, key, MAX_EMAIL_CHARS)? else { return Some(None) };
        let formed = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.contains('@')
        }) && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if !formed {
            self.err(
                ErrorCode::InvalidValue,
                o.at(key).to_string(),
                format!("{} is not an e-mail address", quote(&email)),
            );
            return None;
        }
        Some(Some(email))
    }
}
