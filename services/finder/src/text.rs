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
//! store, and nothing else is stored. Its place is a term too: the grid cell of its venue
//! (`grid::cell_key`), so a search near a point walks the words' postings only across the
//! documents of the cells around it.

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
/// Runs of consecutive documents at most this far apart are read as one: walking the words'
/// postings across a short gap costs less than seeking past it.
const GAP: DocId = 32;

pub(crate) struct TextIndex {
    writer: IndexWriter,
    reader: IndexReader,
    analyzer: TextAnalyzer,
    doc: Field,
    text: Field,
    /// The grid cell of the course's venue; none without a position.
    cell: Field,
    /// Whether documents were put or removed since the last commit.
    uncommitted: bool,
    /// Each searched segment's column of document numbers, opened once when a commit first
    /// shows the segment (opening reads the column's header: a cost per search otherwise).
    numbers: HashMap<SegmentId, Column<u64>>,
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
        let cell = schema.add_u64_field("cell", INDEXED);
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { writer, reader, analyzer: analyzer(), doc, text, cell, uncommitted: false, numbers: HashMap::new() })
    }

    /// Adds document number `doc` in grid cell `cell` (queued until [`TextIndex::commit`]).
    /// Numbers are never reused: new words or a new place make a new document.
    pub(crate) fn put(&mut self, doc: u64, texts: [&str; 3], cell: Option<u64>) -> tantivy::Result<()> {
        let mut document = TantivyDocument::default();
        document.add_u64(self.doc, doc);
        if let Some(cell) = cell {
            document.add_u64(self.cell, cell);
        }
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
        self.numbers.retain(|id, _| segments.iter().any(|s| s.segment_id() == *id));
        for segment in segments {
            if let Vacant(slot) = self.numbers.entry(segment.segment_id()) {
                slot.insert(segment.fast_fields().u64(DOC)?);
            }
        }
        Ok(())
    }

    /// Bytes the committed index takes (its segments' files, as tantivy counts them).
    pub(crate) fn bytes(&self) -> usize {
        self.reader.searcher().space_usage().map_or(0, |u| u.total().get_bytes() as usize)
    }

    /// The number of every document matching all of `q`'s words (in any of its three
    /// texts), with its score; with `cells`, only those in these grid cells and a few
    /// neighbours of theirs (the caller measures distances anyway). Any character that is not
    /// part of a word separates words: `q` is never a query language. `None` when `q` has no
    /// word at all.
    pub(crate) fn matches(&self, q: &str, cells: Option<&[u64]>) -> tantivy::Result<Option<Vec<(u64, Score)>>> {
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
        let Some(cells) = cells else {
            return Ok(Some(searcher.search(&query, &EveryMatch)?));
        };
        // Only the documents of these cells: the words' scorer walks each run of them and
        // seeks over the rest. Its scores are those of the search above (same weight, same
        // boost). The courses were added in the order of their cells, so a few runs hold
        // most of a neighbourhood's documents.
        let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher))?;
        let mut found = Vec::new();
        for segment in searcher.segment_readers() {
            let Some(numbers) = self.numbers.get(&segment.segment_id()) else { continue };
            let mut scorer = weight.scorer(segment, 1.0)?;
            for (start, end) in self.runs(segment, cells)? {
                if scorer.doc() < start {
                    scorer.seek(start);
                }
                while scorer.doc() < end {
                    let id = scorer.doc();
                    let alive = segment.alive_bitset().is_none_or(|a| a.is_alive(id));
                    if let Some(number) = numbers.first(id).filter(|_| alive) {
                        found.push((number, scorer.score()));
                    }
                    scorer.advance();
                }
                if scorer.doc() == TERMINATED {
                    break;
                }
            }
        }
        Ok(Some(found))
    }

    /// The segment's documents in `cells` (deleted ones too), as ordered ranges of ids
    /// `start..end`; a range may also hold a few documents of other cells, in gaps shorter
    /// than [`GAP`] (the caller's postings walk skips them).
    fn runs(&self, segment: &SegmentReader, cells: &[u64]) -> tantivy::Result<Vec<(DocId, DocId)>> {
        let index = segment.inverted_index(self.cell)?;
        // Each cell's postings as runs: a handful per cell when the courses were added in the
        // order of their cells, one per course at worst.
        let mut runs: Vec<(DocId, DocId)> = Vec::new();
        for cell in cells {
            let term = Term::from_field_u64(self.cell, *cell);
            let Some(mut postings) = index.read_postings(&term, IndexRecordOption::Basic)? else { continue };
            let mut run: Option<(DocId, DocId)> = None;
            while postings.doc() != TERMINATED {
                let id = postings.doc();
                run = match run {
                    Some((start, end)) if id <= end + GAP => Some((start, id + 1)),
                    done => {
                        runs.extend(done);
                        Some((id, id + 1))
                    }
                };
                postings.advance();
            }
            runs.extend(run);
        }
        // Runs of different cells may overlap (each spans gaps) or be close: join those.
        runs.sort_unstable();
        let mut joined: Vec<(DocId, DocId)> = Vec::with_capacity(runs.len());
        for (start, end) in runs {
            match joined.last_mut() {
                Some(last) if start <= last.1 + GAP => last.1 = last.1.max(end),
                _ => joined.push((start, end)),
            }
        }
        Ok(joined)
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
