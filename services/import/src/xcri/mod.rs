//! XCRI-CAP 1.2 feeds: `catalog > provider > course > presentation`, read as a stream.
//!
//! The reader descends only into the elements that carry what an offer needs and skips every
//! other subtree whole (descriptions, XHTML, credits), so memory stays with one presentation
//! at a time. Elements are matched by local name, whatever their prefix, and elements in the
//! XHTML namespace are never taken for XCRI ones. A presentation is mapped when it ends
//! ([`record`]); its provider's UKPRN and main site are settled when the provider ends
//! ([`provider`]), since feeds put the provider's `mlo:location` after its courses.

mod provider;
mod record;

use crate::ImportError;
use crate::decode::Decoded;
use crate::options::ImportOptions;
use crate::plan::Plan;
use crate::report::Format;
use provider::ProviderRec;
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::name::{Namespace, NamespaceResolver, QName, ResolveResult};
use quick_xml::{NsReader, XmlVersion};
use record::{CourseRec, Ident, Location, PresentationRec, SubjectRec, VenueRec};
use std::io::Read;

const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
/// Longest text kept of one element; more is cut, so one huge element cannot exhaust memory.
const MAX_TEXT_BYTES: usize = 16 * 1024;

/// The elements the reader descends into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Catalog,
    Provider,
    ProviderLocation,
    Course,
    Qualification,
    Presentation,
    Venue,
    VenueProvider,
    VenueLocation,
}

/// A start tag, owned, with its attributes by local name.
struct Tag {
    local: String,
    qname: String,
    xhtml: bool,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn read(e: &BytesStart<'_>, resolver: &NamespaceResolver) -> Self {
        let (ns, local) = resolver.resolve_element(e.name());
        let xhtml = matches!(ns, ResolveResult::Bound(Namespace(uri)) if uri == XHTML_NS);
        let attrs = e
            .attributes()
            .flatten()
            .filter_map(|a| {
                let value = a.normalized_value(XmlVersion::Implicit1_0).ok()?;
                Some((a.key.local_name().as_ref().to_owned(), value.trim().to_owned()))
            })
            .collect();
        Tag { local: local.as_ref().to_owned(), qname: e.name().as_ref().to_owned(), xhtml, attrs }
    }

    fn attr(&self, local: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == local).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    /// `xsi:type` without its prefix: `courseDataProgramme:ukprn` → `ukprn`.
    fn xsi_type(&self) -> Option<String> {
        self.attr("type").map(|t| t.rsplit(':').next().unwrap_or(t).to_owned())
    }

    fn deleted(&self) -> bool {
        self.attr("recstatus") == Some("3")
    }
}

struct Reader<'o, R: Read> {
    xml: NsReader<Decoded<R>>,
    buf: Vec<u8>,
    inner_buf: Vec<u8>,
    opts: &'o ImportOptions,
    plan: Plan,
    stack: Vec<Ctx>,
    provider: Option<ProviderRec>,
    course: Option<CourseRec>,
    presentation: Option<PresentationRec>,
}

/// Reads an XCRI-CAP feed into a plan.
pub(crate) fn import<R: Read>(
    input: Decoded<R>,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Plan, ImportError> {
    let mut xml = NsReader::from_reader(input);
    xml.config_mut().expand_empty_elements = true;
    let mut r = Reader {
        xml,
        buf: Vec::new(),
        inner_buf: Vec::new(),
        opts,
        plan: Plan::new(Format::XcriCap, opts.partial, opts.time.clone()),
        stack: Vec::new(),
        provider: None,
        course: None,
        presentation: None,
    };
    r.run(progress)?;
    r.xml.get_ref().describe(&mut r.plan.report);
    Ok(r.plan)
}

impl<R: Read> Reader<'_, R> {
    /// The line the next event starts on: the reader's byte offset, mapped to a line.
    fn line(&mut self) -> u64 {
        let offset = self.xml.buffer_position();
        self.xml.get_mut().line_at(offset)
    }

    fn xml_error(&mut self, e: quick_xml::Error) -> ImportError {
        ImportError::Xml { line: self.line(), message: e.to_string() }
    }

    fn run(&mut self, progress: &mut dyn FnMut(u64)) -> Result<(), ImportError> {
        loop {
            let line = self.line();
            self.buf.clear();
            let event = self.xml.read_event_into(&mut self.buf);
            let tag = match event {
                Ok(XmlEvent::Start(e)) => Some(Tag::read(&e, self.xml.resolver())),
                Ok(XmlEvent::End(_)) => None,
                Ok(XmlEvent::Eof) => return Ok(()),
                Ok(_) => continue,
                Err(e) => return Err(self.xml_error(e)),
            };
            match tag {
                Some(tag) => self.start(tag, line)?,
                None => self.end(progress),
            }
        }
    }

    fn start(&mut self, tag: Tag, line: u64) -> Result<(), ImportError> {
        let top = self.stack.last().copied();
        if top.is_none() && tag.local != "catalog" {
            return Err(ImportError::NotXcri(tag.qname));
        }
        let next = if tag.xhtml {
            None
        } else {
            match (top, tag.local.as_str()) {
                (None, _) => Some(Ctx::Catalog),
                (Some(Ctx::Catalog), "provider") => {
                    self.provider = Some(ProviderRec { line, ..ProviderRec::default() });
                    Some(Ctx::Provider)
                }
                (Some(Ctx::Provider), "course") => {
                    self.course = Some(CourseRec { deleted: tag.deleted(), ..CourseRec::default() });
                    Some(Ctx::Course)
                }
                (Some(Ctx::Provider), "location") => Some(Ctx::ProviderLocation),
                (Some(Ctx::Course), "qualification") => Some(Ctx::Qualification),
                (Some(Ctx::Course), "presentation") => {
                    self.presentation = Some(PresentationRec::new(line, tag.deleted()));
                    Some(Ctx::Presentation)
                }
                (Some(Ctx::Presentation), "venue") => Some(Ctx::Venue),
                (Some(Ctx::Venue), "provider") => {
                    if let Some(p) = self.presentation.as_mut() {
                        p.venue = Some(VenueRec::default());
                    }
                    Some(Ctx::VenueProvider)
                }
                (Some(Ctx::VenueProvider), "location") => Some(Ctx::VenueLocation),
                _ => None,
            }
        };
        match (next, top) {
            (Some(ctx), _) => self.stack.push(ctx),
            (None, Some(ctx)) if !tag.xhtml && self.wants(ctx, &tag.local) => {
                let text = self.text()?;
                self.store(ctx, &tag, text);
            }
            _ => {
                self.inner_buf.clear();
                let skipped = self.xml.read_to_end_into(QName(&tag.qname), &mut self.inner_buf);
                skipped.map_err(|e| self.xml_error(e))?;
            }
        }
        Ok(())
    }

    fn end(&mut self, progress: &mut dyn FnMut(u64)) {
        match self.stack.pop() {
            Some(Ctx::Presentation) => {
                if let (Some(p), Some(c), Some(prov)) =
                    (self.presentation.take(), self.course.as_ref(), self.provider.as_mut())
                {
                    let main = provider::main_venue_id(prov);
                    record::map_presentation(&p, c, &mut prov.pending, main, self.opts, &mut self.plan);
                }
                self.plan.report.rows_read += 1;
                progress(self.plan.report.rows_read);
            }
            Some(Ctx::Course) => self.course = None,
            Some(Ctx::Provider) => {
                if let Some(p) = self.provider.take() {
                    provider::finish(p, self.opts, &mut self.plan);
                }
            }
            _ => {}
        }
    }

    /// Leaf elements whose text the mapping uses, by the element they sit in.
    fn wants(&self, ctx: Ctx, local: &str) -> bool {
        match ctx {
            Ctx::Provider | Ctx::VenueProvider => matches!(local, "identifier" | "title"),
            Ctx::Course => matches!(local, "title" | "subject" | "type" | "description" | "url"),
            Ctx::Qualification => matches!(local, "level" | "educationLevel" | "type"),
            Ctx::Presentation => matches!(
                local,
                "identifier"
                    | "title"
                    | "start"
                    | "end"
                    | "duration"
                    | "studyMode"
                    | "attendanceMode"
                    | "age"
                    | "places"
                    | "description"
                    | "url"
                    | "cost"
                    | "attendancePattern"
            ),
            Ctx::ProviderLocation | Ctx::VenueLocation => {
                matches!(local, "postcode" | "address" | "town" | "area" | "lat" | "latitude" | "long" | "longitude")
            }
            Ctx::Catalog | Ctx::Venue => false,
        }
    }

    /// The text of the element just opened, up to its end: character data, CDATA and
    /// references, with the tags of any nested markup dropped and whitespace collapsed.
    fn text(&mut self) -> Result<String, ImportError> {
        let mut out = String::new();
        let mut depth = 0usize;
        loop {
            self.inner_buf.clear();
            let event = self.xml.read_event_into(&mut self.inner_buf);
            match event {
                Ok(XmlEvent::Text(t)) => push_capped(&mut out, &t.xml10_content()),
                Ok(XmlEvent::CData(t)) => push_capped(&mut out, &t.xml10_content()),
                Ok(XmlEvent::GeneralRef(r)) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        _ => match &*r {
                            "amp" => Some('&'),
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "quot" => Some('"'),
                            "apos" => Some('\''),
                            _ => None,
                        },
                    };
                    if let Some(c) = c {
                        push_capped(&mut out, c.encode_utf8(&mut [0; 4]));
                    }
                }
                Ok(XmlEvent::Start(_)) => depth += 1,
                Ok(XmlEvent::End(_)) if depth == 0 => break,
                Ok(XmlEvent::End(_)) => depth -= 1,
                Ok(XmlEvent::Eof) => {
                    return Err(ImportError::Xml {
                        line: self.line(),
                        message: "the file ends inside an element".into(),
                    });
                }
                Ok(_) => {}
                Err(e) => return Err(self.xml_error(e)),
            }
        }
        Ok(out.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    fn store(&mut self, ctx: Ctx, tag: &Tag, text: String) {
        let ident = || Ident { kind: tag.xsi_type(), value: text.clone() };
        match ctx {
            Ctx::Provider => {
                if let Some(p) = self.provider.as_mut() {
                    match tag.local.as_str() {
                        "identifier" => p.ids.push(ident()),
                        _ => set_once(&mut p.title, text),
                    }
                }
            }
            Ctx::Course | Ctx::Qualification => {
                if let Some(c) = self.course.as_mut() {
                    match (ctx, tag.local.as_str()) {
                        (Ctx::Course, "title") => set_once(&mut c.title, text),
                        (Ctx::Course, "description") => set_once(&mut c.description, text),
                        (Ctx::Course, "url") => set_once(&mut c.url, text),
                        (Ctx::Course, "subject") => c.subjects.push(SubjectRec {
                            scheme: tag.xsi_type(),
                            code: tag.attr("identifier").map(str::to_owned),
                            text,
                        }),
                        (Ctx::Course, _) => c.types.push(text),
                        _ => c.levels.push(text),
                    }
                }
            }
            Ctx::Presentation => {
                if let Some(p) = self.presentation.as_mut() {
                    p.store(tag.local.as_str(), text, |name| tag.attr(name).map(str::to_owned), tag.xsi_type());
                }
            }
            Ctx::VenueProvider => {
                if let Some(v) = self.presentation.as_mut().and_then(|p| p.venue.as_mut()) {
                    match tag.local.as_str() {
                        "identifier" => v.ids.push(ident()),
                        _ => set_once(&mut v.title, text),
                    }
                }
            }
            Ctx::ProviderLocation | Ctx::VenueLocation => {
                let location: Option<&mut Location> = if ctx == Ctx::ProviderLocation {
                    self.provider.as_mut().map(|p| &mut p.location)
                } else {
                    self.presentation.as_mut().and_then(|p| p.venue.as_mut()).map(|v| &mut v.location)
                };
                if let Some(l) = location {
                    l.store(tag.local.as_str(), tag.xsi_type().as_deref(), text);
                }
            }
            Ctx::Catalog | Ctx::Venue => {}
        }
    }
}

fn set_once(slot: &mut Option<String>, text: String) {
    if slot.is_none() && !text.is_empty() {
        *slot = Some(text);
    }
}

fn push_capped(out: &mut String, s: &str) {
    for c in s.chars() {
        if out.len() + c.len_utf8() > MAX_TEXT_BYTES {
            break;
        }
        out.push(c);
    }
}
