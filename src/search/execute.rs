//! Running a plan over a generation: match, count, rank.
//!
//! In each segment a search
//! 1. evaluates what the query matches as a set of bits ([`Match`]);
//! 2. evaluates each facet filter the same way and drops the measures that
//!    fail two filters or more, which count nowhere;
//! 3. counts each remaining measure in the facets, disjunctively, and sets
//!    the hits (those failing no filter) aside;
//! 4. ranks the hits: in listing order when nothing is searched for, else
//!    by their terms' scores, those with every word first (they get the
//!    all-words bonus), then the others; many hits by a pruned walk over
//!    the terms' postings (MaxScore, [`super::rank`]), a few by scoring
//!    each.
//!
//! Counting is exhaustive, so totals and facet counts are exact; ranking
//! is exact too, since the walk only skips measures that provably cannot
//! enter the best `keep`. The segments of a large collection are searched
//! side by side on the executor's threads, and their counts and best hits
//! merged.

use std::sync::Arc;

use tantivy::schema::Field;
use tantivy::{DocAddress, DocId, Executor, Score, SegmentReader, Term};

use super::bits::DocBits;
use super::champions::{Best, CHAMPIONS, Champions, Key};
use super::facets::{
    Collected, Conditions, Facet, FacetTables, Ranked, SegmentTable, Selection, TopHits,
};
use super::matching::{DenseSets, InSegment, Match};
use super::plan::{Bonus, Plan, Ranking};
use super::rank::{Cursors, KnownRanking, ScoredTerms, TermCache};
use crate::index::Fields;

/// Below this many hits in a segment, each is scored on its own: cheaper
/// than a pruned walk over postings that mostly belong to measures the
/// filters removed.
const SCORE_EACH_BELOW: u64 = 2_000;

/// How a segment's hits are ranked by their terms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Each hit scored when there are few, a pruned walk when many.
    #[default]
    Auto,
    /// Every hit scored: the reference a pruned walk must agree with.
    ScoreEach,
    /// Always the pruned walk.
    Prune,
    /// Champion lists wherever one can answer, else the pruned walk.
    Champions,
}

/// From this many hits in a segment, a ranking without an all-words bonus
/// is answered from its champion list ([`super::champions`]); below it,
/// the walk costs less than building a list would.
const CHAMPIONS_FROM_HITS: u64 = 8_192;

/// What a search runs against.
pub struct Target<'a> {
    pub searcher: &'a tantivy::Searcher,
    pub fields: &'a Fields,
    pub tables: &'a FacetTables,
    /// Threads that search a large collection's segments side by side.
    pub executor: &'a Executor,
    pub strategy: Strategy,
    /// What the generation's terms are known to score.
    pub terms: &'a TermCache,
    /// The generation's dense terms' sets of measures, as far as kept.
    pub dense: &'a DenseSets,
    /// The generation's champion lists, as far as kept.
    pub champions: &'a Champions,
}

/// Collections at least this large search their segments on the
/// executor's threads; below it, handing work over costs more than it
/// saves.
const PARALLEL_FROM_DOCS: u64 = 50_000;

/// Matches, counts and ranks `plan` with `selection`.
pub fn run(target: &Target, plan: &Plan, selection: &Selection) -> tantivy::Result<Collected> {
    let search = SegmentSearch {
        target,
        plan,
        ranker: Ranker::new(target, &plan.ranking)?,
        conditions: Conditions::compile(target.tables, &selection.conditions),
        filters: filter_terms(target, selection),
        selected: &selection.selected,
        keep: selection.keep,
    };
    let readers = target.searcher.segment_readers();
    let parts: Vec<Part> = if readers.len() > 1 && target.searcher.num_docs() >= PARALLEL_FROM_DOCS
    {
        target
            .executor
            .map(|(o, r)| search.segment(o, r), readers.iter().enumerate())?
    } else {
        readers
            .iter()
            .enumerate()
            .map(|(o, r)| search.segment(o, r))
            .collect::<tantivy::Result<_>>()?
    };
    Ok(merge(target, parts, selection.keep))
}

/// The segments' parts as one answer: a lone segment's as it is (a small
/// collection has one, and zeroing, adding and re-ranking its counts and
/// hits was a twentieth of its search), the parts of several added up and
/// their best hits merged.
fn merge(target: &Target, parts: Vec<Part>, keep: usize) -> Collected {
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return Collected {
            total: 0,
            top: Vec::new(),
            counts: target.tables.zero_counts(),
        };
    };
    let mut rest = parts.peekable();
    if rest.peek().is_none() {
        return Collected {
            total: first.total,
            top: first.top,
            counts: first.counts,
        };
    }
    let Part {
        mut total,
        mut counts,
        top: first_top,
    } = first;
    let mut top = TopHits::new(keep);
    first_top.into_iter().for_each(|hit| top.offer(hit));
    for part in rest {
        total += part.total;
        for (sum, add) in counts.iter_mut().zip(&part.counts) {
            for (s, a) in sum.iter_mut().zip(add) {
                *s += a;
            }
        }
        part.top.into_iter().for_each(|hit| top.offer(hit));
    }
    Collected {
        total,
        top: top.into_sorted(),
        counts,
    }
}

/// What one segment found.
struct Part {
    total: u64,
    counts: [Vec<u64>; 4],
    top: Vec<Ranked>,
}

/// A search, ready to run over any segment.
struct SegmentSearch<'a> {
    target: &'a Target<'a>,
    plan: &'a Plan,
    ranker: Ranker<'a>,
    conditions: Conditions,
    /// The filters' terms, per facet whose value sets are not kept.
    filters: [Option<Match>; 4],
    /// The filters' value positions, per facet.
    selected: &'a [Option<Vec<usize>>; 4],
    keep: usize,
}

impl SegmentSearch<'_> {
    fn segment(&self, ordinal: usize, reader: &SegmentReader) -> tantivy::Result<Part> {
        let searcher = self.target.searcher;
        let table = self.target.tables.segment(ordinal).ok_or_else(|| {
            tantivy::TantivyError::InternalError(
                "a segment the facet tables were not loaded for".into(),
            )
        })?;
        let segment = Segment {
            searcher,
            strategy: self.target.strategy,
            reader,
            ordinal: ordinal as u32,
            table,
            terms: self.target.terms,
            dense: self.target.dense,
            champions: self.target.champions,
        };
        let matched = self.plan.matching.eval(&segment.at())?;
        let filters = (0..Facet::ALL.len())
            .map(|f| self.filter(f, &segment))
            .collect::<tantivy::Result<Vec<Option<DocBits>>>>()?;
        let mut counts = self.target.tables.zero_counts();
        let (hits, total) = segment.count(matched, &filters, &self.conditions, &mut counts);
        let mut top = TopHits::new(self.keep);
        if self.keep > 0 && total > 0 {
            self.ranker.rank(&segment, hits, &mut top)?;
        }
        Ok(Part {
            total,
            counts,
            top: top.into_sorted(),
        })
    }

    /// The measures of `segment` that pass facet `f`'s filter, if it has
    /// one: the union of the selected values' sets where segments keep the
    /// facet's (a few set words in a small segment, where finding each
    /// value's term and reading its postings was a twentieth of a filtered
    /// search), else the values' postings. Deleted measures may be in the
    /// union: a filter only ever narrows the matches, which have none.
    fn filter(&self, f: usize, segment: &Segment) -> tantivy::Result<Option<DocBits>> {
        let Some(positions) = &self.selected[f] else {
            return Ok(None);
        };
        if let Some(sets) = segment.table.value_sets(f) {
            let mut passing = DocBits::empty(segment.reader.max_doc());
            for &position in positions {
                passing.union_with(&sets[position]);
            }
            return Ok(Some(passing));
        }
        match &self.filters[f] {
            Some(terms) => terms.eval(&segment.at()).map(Some),
            None => Err(tantivy::TantivyError::InternalError(format!(
                "segment {} keeps no value sets of facet {}",
                segment.ordinal,
                Facet::ALL[f].name()
            ))),
        }
    }
}

/// Each facet's filter as its selected values' terms, for the facets whose
/// value sets segments do not keep (see [`SegmentSearch::filter`]).
fn filter_terms(target: &Target, selection: &Selection) -> [Option<Match>; 4] {
    std::array::from_fn(|f| {
        let facet = Facet::ALL[f];
        let values = &target.tables.values[f].values;
        let positions = selection.selected[f].as_ref()?;
        if target.tables.keeps_value_sets(f) {
            return None;
        }
        let field = facet_field(target.fields, facet);
        Some(Match::AnyTerm(
            positions
                .iter()
                .map(|&p| Term::from_field_text(field, &values[p]))
                .collect::<Vec<_>>()
                .into(),
        ))
    })
}

fn facet_field(fields: &Fields, facet: Facet) -> Field {
    match facet {
        Facet::Town => fields.town,
        Facet::Period => fields.period,
        Facet::Category => fields.category,
        Facet::Region => fields.region,
    }
}

/// One segment of the search.
struct Segment<'a> {
    searcher: &'a tantivy::Searcher,
    strategy: Strategy,
    reader: &'a SegmentReader,
    ordinal: u32,
    table: &'a SegmentTable,
    terms: &'a TermCache,
    dense: &'a DenseSets,
    champions: &'a Champions,
}

impl Segment<'_> {
    /// Where a [`Match`] is evaluated in this segment.
    fn at(&self) -> InSegment<'_> {
        InSegment {
            searcher: self.searcher,
            reader: self.reader,
            ordinal: self.ordinal as usize,
            terms: self.terms,
            dense: self.dense,
        }
    }

    /// Counts the matched measures in the facets and returns the hits and
    /// how many they are.
    ///
    /// Facet `g` counts the matched measures that pass every filter but
    /// its own (and every condition); the hits pass them all.
    fn count(
        &self,
        mut matched: DocBits,
        filters: &[Option<DocBits>],
        conditions: &Conditions,
        counts: &mut [Vec<u64>; 4],
    ) -> (DocBits, u64) {
        if !conditions.is_empty() {
            let mut meeting = DocBits::empty(matched.capacity());
            for doc in matched.iter() {
                if self.table.meets(conditions, doc) {
                    meeting.insert(doc);
                }
            }
            matched = meeting;
        }
        if filters.iter().all(Option::is_none) {
            // Every facet counts the matches, which are the hits.
            let held = matched.count();
            for (f, counts) in counts.iter_mut().enumerate() {
                self.table.count_facet(f, &matched, held, counts);
            }
            return (matched, held);
        }
        let passing_all_but = |skipped: Option<usize>| {
            let mut set = matched.clone();
            for (f, bits) in filters.iter().enumerate() {
                if let Some(bits) = bits
                    && Some(f) != skipped
                {
                    set.intersect_with(bits);
                }
            }
            set
        };
        let hits = passing_all_but(None);
        let held = hits.count();
        for (f, counts) in counts.iter_mut().enumerate() {
            if filters[f].is_some() {
                let passing = passing_all_but(Some(f));
                self.table.count_facet(f, &passing, passing.count(), counts);
            } else {
                self.table.count_facet(f, &hits, held, counts);
            }
        }
        (hits, held)
    }

    fn ranked(&self, doc: DocId, score: Score) -> Ranked {
        Ranked {
            score,
            order: u64::from(self.table.order(doc)),
            address: DocAddress::new(self.ordinal, doc),
        }
    }
}

/// A ranking with its terms as the generation knows them.
enum Ranker<'p> {
    Listing,
    Terms {
        known: Arc<KnownRanking>,
        bonus: &'p Bonus,
    },
}

impl<'p> Ranker<'p> {
    fn new(target: &Target, ranking: &'p Ranking) -> tantivy::Result<Self> {
        Ok(match ranking {
            Ranking::Listing => Ranker::Listing,
            Ranking::Terms {
                terms,
                bonus,
                known,
            } => Ranker::Terms {
                known: known.get_or_try(target.terms, || {
                    let known =
                        KnownRanking::new(target.searcher, target.terms, terms, &bonus.lacking)?;
                    Ok(Arc::new(known))
                })?,
                bonus,
            },
        })
    }

    /// Offers the segment's best hits to `top`.
    fn rank(&self, segment: &Segment, hits: DocBits, top: &mut TopHits) -> tantivy::Result<()> {
        match self {
            Ranker::Listing => {
                for doc in hits.iter() {
                    top.offer(segment.ranked(doc, 0.0));
                }
            }
            Ranker::Terms { known, bonus } => {
                let KnownRanking { terms, lacking } = &**known;
                let strategy = segment.strategy;
                let cursors = || terms.cursors(segment.ordinal as usize);
                if bonus.presence.is_empty() {
                    if ranked_by_champions(segment, terms, &hits, top)? {
                        return Ok(());
                    }
                    return rank_by_terms(cursors()?, segment, &hits, 0.0, top);
                }
                // The hits with every word first: they carry the bonus and
                // set a high bar for the others.
                let mut all = Match::eval_every(&bonus.presence, &segment.at())?;
                all.intersect_with(&hits);
                if scores_each(strategy, hits.count()) {
                    // Few hits: all of them scored in one pass, the bonus
                    // added where it is due. Scoring those with every word
                    // and the others apart set up the cursors and walked
                    // each term's postings twice, and the others could
                    // seldom be skipped, as few hits seldom fill the best.
                    cursors()?.score_each(&hits, |doc, score| {
                        let bonus = if all.contains(doc) {
                            bonus.all_words
                        } else {
                            0.0
                        };
                        top.offer(segment.ranked(doc, score + bonus));
                    });
                    return Ok(());
                }
                let mut others = hits;
                others.subtract(&all);
                rank_by_terms(cursors()?, segment, &all, bonus.all_words, top)?;
                // Often no measure lacking a word can reach the best: then
                // the others need no walk at all.
                let cursors = cursors()?;
                let out_of_reach = top
                    .threshold()
                    .is_some_and(|worst| cursors.most_lacking_one(lacking) < lowered(worst));
                if !out_of_reach || strategy == Strategy::ScoreEach {
                    rank_by_terms(cursors, segment, &others, 0.0, top)?;
                }
            }
        }
        Ok(())
    }
}

/// Offers `hits`'s best to `top` from the champion list of `terms`, when
/// there is one to use and it can tell; false when the hits must be
/// ranked another way (`top` is then untouched).
fn ranked_by_champions(
    segment: &Segment,
    terms: &ScoredTerms,
    hits: &DocBits,
    top: &mut TopHits,
) -> tantivy::Result<bool> {
    let Some(best) = champions(segment, terms, hits, top.keep())? else {
        return Ok(false);
    };
    let mut from_best = TopHits::new(top.keep());
    if !best.offer(hits, &mut from_best, |doc, score| {
        segment.ranked(doc, score)
    }) {
        return Ok(false);
    }
    for hit in from_best.into_sorted() {
        top.offer(hit);
    }
    Ok(true)
}

/// The champion list of `terms` in `segment`, built if need be, when the
/// strategy and the number of hits call for one and the page asks for no
/// more hits than it holds.
fn champions(
    segment: &Segment,
    terms: &ScoredTerms,
    hits: &DocBits,
    keep: usize,
) -> tantivy::Result<Option<std::sync::Arc<Best>>> {
    let wanted = keep <= CHAMPIONS
        && match segment.strategy {
            Strategy::Auto => hits.count() >= CHAMPIONS_FROM_HITS,
            Strategy::Champions => true,
            Strategy::ScoreEach | Strategy::Prune => false,
        };
    if !wanted {
        return Ok(None);
    }
    let key = Key {
        segment: segment.reader.segment_id(),
        terms: terms
            .weighted()
            .map(|(term, weight)| (term.clone(), weight.to_bits()))
            .collect(),
    };
    let best = segment.champions.get_or_build(key, || {
        // The list and the best score left off it are the best one more
        // than the list holds, which a walk finds skipping what cannot
        // be among them: scoring every measure with a term instead made
        // a new query's first search slower than without lists.
        let mut top = TopHits::new(CHAMPIONS + 1);
        let every = Match::Everything.eval(&segment.at())?;
        terms
            .cursors(segment.ordinal as usize)?
            .walk(&every, Score::MIN, |doc, score| {
                top.offer(segment.ranked(doc, score));
                top.threshold().map_or(Score::MIN, lowered)
            });
        let scored = top
            .into_sorted()
            .into_iter()
            .map(|hit| (hit.address.doc_id, hit.score))
            .collect();
        Ok(Best::of(scored, CHAMPIONS))
    })?;
    Ok(Some(best))
}

/// Offers the measures `docs`, each scoring its terms plus `bonus`, to
/// `top`: one by one when they are few, else by a MaxScore walk over the
/// terms' postings that skips whatever cannot beat the bar `top` sets
/// ([`super::rank`]).
fn rank_by_terms(
    mut cursors: Cursors,
    segment: &Segment,
    docs: &DocBits,
    bonus: Score,
    top: &mut TopHits,
) -> tantivy::Result<()> {
    let count = docs.count();
    if count == 0 {
        return Ok(());
    }
    if scores_each(segment.strategy, count) {
        cursors.score_each(docs, |doc, score| {
            top.offer(segment.ranked(doc, score + bonus));
        });
        return Ok(());
    }
    // The walk hands over a measure only when its terms score above the
    // bar: the worst kept score less the bonus, lowered a little so that a
    // tie (which the listing order breaks) is not lost.
    let bar = |top: &TopHits| {
        top.threshold()
            .map_or(Score::MIN, |worst| lowered(worst - bonus))
    };
    let start = bar(top);
    cursors.walk(docs, start, |doc, score| {
        top.offer(segment.ranked(doc, score + bonus));
        bar(top)
    });
    Ok(())
}

/// Whether `count` hits are each scored rather than walked over.
fn scores_each(strategy: Strategy, count: u64) -> bool {
    match strategy {
        Strategy::Auto => count < SCORE_EACH_BELOW,
        Strategy::ScoreEach => true,
        Strategy::Prune | Strategy::Champions => false,
    }
}

/// A bar `score` lowered a little, so that a score equal to it (a tie,
/// which the listing order breaks) is not lost to rounding.
fn lowered(score: Score) -> Score {
    score - score.abs() * 1e-5
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::facets::FacetTables;

    /// Every value of every facet whose sets the bundled collection's
    /// segment keeps passes the same measures through its kept set as
    /// through its term's postings, so a filter may read either.
    #[test]
    fn kept_value_sets_pass_what_the_values_postings_do() {
        let (_dir, generation) = crate::index::bundled_for_tests();
        let searcher = generation.index.reader().unwrap().searcher();
        let tables = FacetTables::load(&searcher).unwrap();
        let table = tables.segment(0).unwrap();
        let (terms, dense) = (TermCache::default(), DenseSets::default());
        let at = InSegment {
            searcher: &searcher,
            reader: searcher.segment_reader(0),
            ordinal: 0,
            terms: &terms,
            dense: &dense,
        };
        let mut compared = 0;
        for facet in Facet::ALL {
            let f = facet.index();
            let Some(sets) = table.value_sets(f) else {
                continue;
            };
            let field = facet_field(&generation.fields, facet);
            for (value, set) in tables.values[f].values.iter().zip(sets) {
                let term = Term::from_field_text(field, value);
                let read = Match::AnyTerm(vec![term].into()).eval(&at).unwrap();
                let kept: Vec<DocId> = set.iter().collect();
                assert_eq!(kept, read.iter().collect::<Vec<_>>(), "{facet:?} {value}");
                assert!(!kept.is_empty(), "{facet:?} {value} has measures");
                compared += 1;
            }
        }
        assert!(compared > 30, "{compared} values compared");
    }
}
