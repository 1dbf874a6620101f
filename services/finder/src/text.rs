//! The full-text half of the finder: a tantivy index in RAM over each course's title,
//! description and subject name, English-stemmed, answering which courses match words and
//! how well. Everything else (filters, distance, order) is plain Rust over the courses.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

const ANALYZER: &str = "en_stem";
/// tantivy's smallest indexing budget: the finder's documents are small and few per commit.
const WRITER_BYTES: usize = 15_000_000;

pub(crate) struct TextIndex {
    writer: IndexWriter,
    reader: IndexReader,
    analyzer: TextAnalyzer,
    key: Field,
    fields: [Field; 3],
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
        let key = schema.add_text_field("key", STRING | STORED);
        let indexing =
            TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqs);
        let text = TextOptions::default().set_indexing_options(indexing);
        let fields = [
            schema.add_text_field("title", text.clone()),
            schema.add_text_field("description", text.clone()),
            schema.add_text_field("subject_name", text),
        ];
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { writer, reader, analyzer: analyzer(), key, fields })
    }

    /// Replaces the document of `key` (queued until [`TextIndex::commit`]).
    pub(crate) fn put(&mut self, key: &str, texts: [&str; 3]) -> tantivy::Result<()> {
        self.remove(key);
        let mut doc = TantivyDocument::default();
        doc.add_text(self.key, key);
        for (field, text) in self.fields.iter().zip(texts) {
            doc.add_text(*field, text);
        }
        self.writer.add_document(doc)?;
        Ok(())
    }

    pub(crate) fn remove(&mut self, key: &str) {
        self.writer.delete_term(Term::from_field_text(self.key, key));
    }

    /// Makes what was put and removed visible to searches.
    pub(crate) fn commit(&mut self) -> tantivy::Result<()> {
        self.writer.commit()?;
        self.reader.reload()
    }

    /// Every course matching all of `q`'s words (in any of the three fields), with its
    /// score. Any character that is not part of a word separates words: `q` is never a
    /// query language. `None` when `q` has no word at all.
    pub(crate) fn matches(&self, q: &str) -> tantivy::Result<Option<Vec<(String, f32)>>> {
        let mut analyzer = self.analyzer.clone();
        let mut words: Vec<Box<dyn Query>> = Vec::new();
        let mut stream = analyzer.token_stream(q);
        while let Some(token) = stream.next() {
            let either: Vec<(Occur, Box<dyn Query>)> = self
                .fields
                .iter()
                .map(|f| {
                    let term = Term::from_field_text(*f, &token.text);
                    (Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>)
                })
                .collect();
            words.push(Box::new(BooleanQuery::new(either)));
        }
        if words.is_empty() {
            return Ok(None);
        }
        let query = BooleanQuery::new(words.into_iter().map(|w| (Occur::Must, w)).collect());
        let searcher = self.reader.searcher();
        let all = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        if all == 0 {
            return Ok(Some(Vec::new()));
        }
        let top = searcher.search(&query, &TopDocs::with_limit(all).order_by_score())?;
        let mut out = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(key) = doc.get_first(self.key).and_then(|v| v.as_str()) {
                out.push((key.to_owned(), score));
            }
        }
        Ok(Some(out))
    }
}
