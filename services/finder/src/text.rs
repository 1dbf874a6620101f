//! The full-text half of the finder: a tantivy index in RAM over each course's title,
//! description and subject name, English-stemmed, answering which documents match words and
//! how well. Everything else (filters, distance, order) is plain Rust over the courses.
//!
//! The three texts are values of one field. A word may be in any of them; as three fields,
//! each word was a union of three postings, and moving a union to a document walks every
//! posting in between. One field makes each word one posting list, which skips (a search
//! near a postcode for words in most titles, "level 3", took about 15 % less time).
//!
//! A document is known by a number the finder gives it ([`TextIndex::put`]), kept as a fast
//! field: a search reads it from a column instead of loading each matching document from a
//! store, and nothing else is stored.

use std::collections::HashMap;
use std::collections::hash_map::Entry::Vacant;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::index::SegmentId;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer};
use tantivy::{
    DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, TERMINATED,
    TantivyDocument, Term,
};

const ANALYZER: &str = "en_stem";
/// tantivy's smallest indexing budget: the finder's documents are small and few per commit.
const WRITER_BYTES: usize = 15_000_000;
/// The fast field holding each document's number.
const DOC: &str = "doc";

pub(crate) struct TextIndex {
    writer: IndexWriter,
    reader: IndexReader,
    analyzer: TextAnalyzer,
    doc: Field,
    text: Field,
    /// Whether documents were put or removed since the last commit.
    uncommitted: bool,
    /// Each searched segment's documents by number, so a search among a few numbers finds
    /// them without reading the term dictionary once per number and segment. Segments never
    /// change (deletions are read at search time): each is read once, when first searched.
    numbered: HashMap<SegmentId, Numbered>,
}

/// A segment's document numbers in order, and the segment's id for each.
struct Numbered {
    numbers: Vec<u64>,
    ids: Vec<DocId>,
}

impl Numbered {
    fn of(segment: &SegmentReader) -> tantivy::Result<Self> {
        let column = segment.fast_fields().u64(DOC)?;
        let mut pairs: Vec<(u64, DocId)> =
            (0..segment.max_doc()).filter_map(|id| Some((column.first(id)?, id))).collect();
        pairs.sort_unstable();
        Ok(Self { numbers: pairs.iter().map(|p| p.0).collect(), ids: pairs.iter().map(|p| p.1).collect() })
    }

    /// The segment's `(id, number)` of each of the `sorted` numbers it holds, by id.
    fn find(&self, sorted: &[u64]) -> Vec<(DocId, u64)> {
        let (Some(first), Some(last)) = (self.numbers.first(), self.numbers.last()) else { return Vec::new() };
        let sorted = &sorted[sorted.partition_point(|n| n < first)..sorted.partition_point(|n| n <= last)];
        let mut found = Vec::new();
        let mut from = 0;
        for number in sorted {
            // Galloping: the next number is usually close after the last one found.
            let mut step = 1;
            while from + step < self.numbers.len() && self.numbers[from + step] < *number {
                step *= 2;
            }
            let end = (from + step + 1).min(self.numbers.len());
            from += self.numbers[from..end].partition_point(|n| n < number);
            if self.numbers.get(from) == Some(number) {
                found.push((self.ids[from], *number));
            }
        }
        found.sort_unstable();
        found
    }
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::new(tantivy::tokenizer::Language::English))
        .build()
}

impl TextIndex {
    pub(crate) fn new() -> tantivy::Result<Self> {
        let mut schema = Schema::builder();
        let doc = schema.add_u64_field(DOC, INDEXED | FAST);
        let indexing =
            TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqs);
        let text = TextOptions::default().set_indexing_options(indexing);
        let text = schema.add_text_field("text", text);
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { writer, reader, analyzer: analyzer(), doc, text, uncommitted: false, numbered: HashMap::new() })
    }

    /// Adds document number `doc` (queued until [`TextIndex::commit`]). Numbers are never
    /// reused: a new text is a new document.
    pub(crate) fn put(&mut self, doc: u64, texts: [&str; 3]) -> tantivy::Result<()> {
        let mut document = TantivyDocument::default();
        document.add_u64(self.doc, doc);
        for text in texts {
            document.add_text(self.text, text);
        }
        self.writer.add_document(document)?;
        self.uncommitted = true;
        Ok(())
    }

    pub(crate) fn remove(&mut self, doc: u64) {
        self.writer.delete_term(Term::from_field_u64(self.doc, doc));
        self.uncommitted = true;
    }

    /// Makes what was put and removed visible to searches; nothing to do when nothing was.
    pub(crate) fn commit(&mut self) -> tantivy::Result<()> {
        if !self.uncommitted {
            return Ok(());
        }
        self.writer.commit()?;
        self.uncommitted = false;
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let segments = searcher.segment_readers();
        self.numbered.retain(|id, _| segments.iter().any(|s| s.segment_id() == *id));
        for segment in segments {
            if let Vacant(slot) = self.numbered.entry(segment.segment_id()) {
                slot.insert(Numbered::of(segment)?);
            }
        }
        Ok(())
    }

    /// Bytes the committed index takes (its segments' files, as tantivy counts them).
    pub(crate) fn bytes(&self) -> usize {
        self.reader.searcher().space_usage().map_or(0, |u| u.total().get_bytes() as usize)
    }

    /// The number of every document matching all of `q`'s words (in any of its three
    /// texts), with its score; with `among`, only those of these numbers. Any character that
    /// is not part of a word separates words: `q` is never a query language. `None` when `q`
    /// has no word at all.
    pub(crate) fn matches(&self, q: &str, among: Option<&[u64]>) -> tantivy::Result<Option<Vec<(u64, Score)>>> {
        let mut analyzer = self.analyzer.clone();
        let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut stream = analyzer.token_stream(q);
        while let Some(token) = stream.next() {
            let term = Term::from_field_text(self.text, &token.text);
            words.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))));
        }
        if words.is_empty() {
            return Ok(None);
        }
        let query = BooleanQuery::new(words);
        let searcher = self.reader.searcher();
        let Some(among) = among else {
            return Ok(Some(searcher.search(&query, &EveryMatch)?));
        };
        // Only these documents: the words' scorer is moved to each in turn instead of through
        // every match. Its scores are those of the search above (same weight, same boost).
        let mut sorted = among.to_vec();
        sorted.sort_unstable();
        let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher))?;
        let mut found = Vec::new();
        for segment in searcher.segment_readers() {
            let Some(numbered) = self.numbered.get(&segment.segment_id()) else { continue };
            let mut scorer = weight.scorer(segment, 1.0)?;
            for (id, number) in numbered.find(&sorted) {
                if scorer.doc() == TERMINATED {
                    break;
                }
                let alive = segment.alive_bitset().is_none_or(|a| a.is_alive(id));
                if scorer.doc() <= id && scorer.seek(id) == id && alive {
                    found.push((number, scorer.score()));
                }
            }
        }
        Ok(Some(found))
    }
}

/// Collects every matching document's number and score, in no order.
struct EveryMatch;

struct SegmentMatches {
    docs: Column<u64>,
    found: Vec<(u64, Score)>,
}

impl Collector for EveryMatch {
    type Fruit = Vec<(u64, Score)>;
    type Child = SegmentMatches;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches { docs: segment.fast_fields().u64(DOC)?, found: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, segments: Vec<Vec<(u64, Score)>>) -> tantivy::Result<Vec<(u64, Score)>> {
        Ok(segments.concat())
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = Vec<(u64, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(number) = self.docs.first(doc) {
            self.found.push((number, score));
        }
    }

    fn harvest(self) -> Vec<(u64, Score)> {
        self.found
    }
}
