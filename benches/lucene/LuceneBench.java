// The Lucene 8.7 anchor of `cargo bench` (benches/bench.rs compiles and runs
// it): the same measures and the same query mix as opatreni, indexed with
// Lucene's CzechAnalyzer followed by ASCII folding, four facets as
// SortedSetDocValues (town and category multi-valued), searched with a
// BooleanQuery of the analysed words (SHOULD) over text, key phrases and
// places, with DrillSideways counts of all four facets (disjunctive where a
// facet is filtered) and the stored records of the top 10 read, as opatreni
// reads and highlights them.
//
//   java -cp classes:lucene-core.jar:lucene-analyzers-common.jar:lucene-facet.jar \
//        LuceneBench measures.jsonl queries.jsonl index-dir threads
//
// Prints one line `RESULT {json}` on stdout.

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.AnalyzerWrapper;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cz.CzechAnalyzer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.facet.DrillDownQuery;
import org.apache.lucene.facet.DrillSideways;
import org.apache.lucene.facet.FacetResult;
import org.apache.lucene.facet.FacetsConfig;
import org.apache.lucene.facet.sortedset.DefaultSortedSetDocValuesReaderState;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesFacetField;
import org.apache.lucene.facet.sortedset.SortedSetDocValuesReaderState;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;

public class LuceneBench {
    static final String[] DIMS = {"town", "period", "category", "region"};
    static final String[] TEXT_FIELDS = {"text", "phrases", "places"};

    /** Lucene's CzechAnalyzer (StandardTokenizer, lowercase, Czech stop
     *  words, Czech light stemmer), its output ASCII-folded. */
    static final class CzechFoldingAnalyzer extends AnalyzerWrapper {
        private final Analyzer czech = new CzechAnalyzer();

        CzechFoldingAnalyzer() {
            super(Analyzer.PER_FIELD_REUSE_STRATEGY);
        }

        @Override
        protected Analyzer getWrappedAnalyzer(String fieldName) {
            return czech;
        }

        @Override
        protected TokenStreamComponents wrapComponents(String fieldName, TokenStreamComponents components) {
            return new TokenStreamComponents(components.getSource(),
                new ASCIIFoldingFilter(components.getTokenStream()));
        }
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        Path measures = Paths.get(args[0]);
        Path queries = Paths.get(args[1]);
        Path indexDir = Paths.get(args[2]);
        int threads = Integer.parseInt(args[3]);

        Analyzer analyzer = new CzechFoldingAnalyzer();
        FacetsConfig config = new FacetsConfig();
        config.setMultiValued("town", true);
        config.setMultiValued("category", true);

        // Build: read, parse, analyse and index on `threads` threads.
        long started = System.nanoTime();
        long docs;
        try (FSDirectory dir = FSDirectory.open(indexDir);
             BufferedReader in = Files.newBufferedReader(measures, StandardCharsets.UTF_8)) {
            IndexWriterConfig iwc = new IndexWriterConfig(analyzer);
            iwc.setRAMBufferSizeMB(256);
            iwc.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
            try (IndexWriter writer = new IndexWriter(dir, iwc)) {
                long[] counts = new long[threads];
                Thread[] workers = new Thread[threads];
                Throwable[] failure = new Throwable[1];
                for (int t = 0; t < threads; t++) {
                    final int me = t;
                    workers[t] = new Thread(() -> {
                        try {
                            while (true) {
                                String line;
                                synchronized (in) {
                                    line = in.readLine();
                                }
                                if (line == null) break;
                                if (line.isEmpty()) continue;
                                writer.addDocument(config.build(document(line)));
                                counts[me]++;
                            }
                        } catch (Throwable e) {
                            synchronized (failure) {
                                failure[0] = e;
                            }
                        }
                    });
                    workers[t].start();
                }
                for (Thread w : workers) w.join();
                if (failure[0] != null) throw new RuntimeException(failure[0]);
                docs = Arrays.stream(counts).sum();
                writer.commit();
            }
        }
        double buildS = (System.nanoTime() - started) / 1e9;
        long peakRssKb = statusKb("VmHWM");
        long indexBytes;
        try (Stream<Path> files = Files.walk(indexDir)) {
            indexBytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }

        // Open: reader, searcher and the facet ordinals.
        started = System.nanoTime();
        DirectoryReader reader = DirectoryReader.open(FSDirectory.open(indexDir));
        IndexSearcher searcher = new IndexSearcher(reader);
        SortedSetDocValuesReaderState state = new DefaultSortedSetDocValuesReaderState(reader);
        double openS = (System.nanoTime() - started) / 1e9;
        long rssBeforeSearchKb = statusKb("VmRSS");
        Map<String, Integer> dimSize = new LinkedHashMap<>();
        for (String dim : DIMS) {
            SortedSetDocValuesReaderState.OrdRange range = state.getOrdRange(dim);
            dimSize.put(dim, range == null ? 1 : Math.max(1, range.end - range.start + 1));
        }

        List<Map<String, Object>> mix = new ArrayList<>();
        for (String line : Files.readAllLines(queries, StandardCharsets.UTF_8)) {
            if (!line.isEmpty()) mix.add((Map<String, Object>) new Json(line).value());
        }
        // Warm-up, then timed.
        for (Map<String, Object> q : mix) search(searcher, state, config, analyzer, dimSize, q);
        double[] all = new double[mix.size()];
        List<Double> filtered = new ArrayList<>();
        List<Double> unfiltered = new ArrayList<>();
        long hits = 0;
        int none = 0;
        for (int i = 0; i < mix.size(); i++) {
            Map<String, Object> q = mix.get(i);
            long t = System.nanoTime();
            long total = search(searcher, state, config, analyzer, dimSize, q);
            double ms = (System.nanoTime() - t) / 1e6;
            all[i] = ms;
            (q.get("town") != null ? filtered : unfiltered).add(ms);
            hits += total;
            if (total == 0) none++;
        }
        reader.close();

        StringBuilder out = new StringBuilder("RESULT {");
        out.append("\"engine\":\"lucene\",\"docs\":").append(docs);
        out.append(",\"build_s\":").append(buildS);
        out.append(",\"docs_per_s\":").append(docs / buildS);
        out.append(",\"index_bytes\":").append(indexBytes);
        out.append(",\"peak_rss_kb\":").append(peakRssKb);
        out.append(",\"open_s\":").append(openS);
        out.append(",\"rss_before_search_kb\":").append(rssBeforeSearchKb);
        out.append(",\"peak_rss_end_kb\":").append(statusKb("VmHWM"));
        out.append(",\"search\":").append(latencies(all));
        out.append(",\"filtered\":").append(latencies(filtered.stream().mapToDouble(d -> d).toArray()));
        out.append(",\"unfiltered\":").append(latencies(unfiltered.stream().mapToDouble(d -> d).toArray()));
        out.append(",\"mean_total\":").append((double) hits / Math.max(1, mix.size()));
        out.append(",\"no_hits\":").append(none);
        out.append("}");
        System.out.println(out);
    }

    @SuppressWarnings("unchecked")
    static Document document(String line) {
        Map<String, Object> m = (Map<String, Object>) new Json(line).value();
        Document doc = new Document();
        doc.add(new StringField("id", (String) m.get("id"), Field.Store.YES));
        doc.add(new StoredField("record", line));
        doc.add(new TextField("text", (String) m.get("text"), Field.Store.NO));
        for (Object p : (List<Object>) m.get("key_phrases")) {
            doc.add(new TextField("phrases", (String) p, Field.Store.NO));
        }
        Set<String> places = new LinkedHashSet<>();
        for (Object t : (List<Object>) m.get("towns")) places.add((String) t);
        places.add((String) m.get("heading"));
        for (Object l : (List<Object>) m.get("localities")) places.add((String) l);
        for (String p : places) doc.add(new TextField("places", p, Field.Store.NO));
        for (Object t : (List<Object>) m.get("towns")) {
            doc.add(new SortedSetDocValuesFacetField("town", (String) t));
        }
        doc.add(new SortedSetDocValuesFacetField("period", (String) m.get("period")));
        for (Object c : (List<Object>) m.get("categories")) {
            doc.add(new SortedSetDocValuesFacetField("category", (String) c));
        }
        doc.add(new SortedSetDocValuesFacetField("region", (String) m.get("region")));
        return doc;
    }

    /** One query as opatreni answers it: total, top 10 records, four facets. */
    static long search(IndexSearcher searcher, SortedSetDocValuesReaderState state,
                       FacetsConfig config, Analyzer analyzer, Map<String, Integer> dimSize,
                       Map<String, Object> q) throws IOException {
        Set<String> terms = new LinkedHashSet<>();
        try (TokenStream ts = analyzer.tokenStream("text", new StringReader((String) q.get("q")))) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) terms.add(term.toString());
            ts.end();
        }
        Query base;
        if (terms.isEmpty()) {
            base = new MatchAllDocsQuery();
        } else {
            BooleanQuery.Builder b = new BooleanQuery.Builder();
            for (String t : terms) {
                for (String field : TEXT_FIELDS) {
                    b.add(new TermQuery(new Term(field, t)), BooleanClause.Occur.SHOULD);
                }
            }
            base = b.build();
        }
        DrillDownQuery query = new DrillDownQuery(config, base);
        if (q.get("town") != null) query.add("town", (String) q.get("town"));
        if (q.get("period") != null) query.add("period", (String) q.get("period"));
        DrillSideways ds = new DrillSideways(searcher, config, state);
        DrillSideways.DrillSidewaysResult result = ds.search(query, 10);
        long sink = 0;
        for (String dim : DIMS) {
            FacetResult facet = result.facets.getTopChildren(dimSize.get(dim), dim);
            if (facet != null) sink += facet.childCount;
        }
        for (ScoreDoc sd : result.hits.scoreDocs) {
            sink += searcher.doc(sd.doc).get("record").length();
        }
        if (sink == 42) System.err.print("");
        return result.hits.totalHits.value;
    }

    static String latencies(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        double total = 0;
        for (double v : s) total += v;
        return String.format(java.util.Locale.ROOT,
            "{\"n\":%d,\"p50_ms\":%s,\"p95_ms\":%s,\"p99_ms\":%s,\"max_ms\":%s,\"qps\":%s}",
            s.length, num(percentile(s, 50)), num(percentile(s, 95)), num(percentile(s, 99)),
            num(s.length == 0 ? Double.NaN : s[s.length - 1]), num(s.length / (total / 1000.0)));
    }

    static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    /** Nearest rank, as the Rust driver computes it. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        rank = Math.max(1, Math.min(sorted.length, rank));
        return sorted[rank - 1];
    }

    static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no procfs
        }
        return 0;
    }

    /** Just enough JSON for the exported lines: objects, arrays, strings,
     *  numbers, true/false/null. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object value() {
            skip();
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    skip();
                    if (s.charAt(i) == '}') { i++; return m; }
                    while (true) {
                        skip();
                        String k = string();
                        skip();
                        i++; // ':'
                        m.put(k, value());
                        skip();
                        if (s.charAt(i++) == '}') return m;
                    }
                }
                case '[': {
                    i++;
                    List<Object> l = new ArrayList<>();
                    skip();
                    if (s.charAt(i) == ']') { i++; return l; }
                    while (true) {
                        l.add(value());
                        skip();
                        if (s.charAt(i++) == ']') return l;
                    }
                }
                case '"':
                    return string();
                case 't': i += 4; return Boolean.TRUE;
                case 'f': i += 5; return Boolean.FALSE;
                case 'n': i += 4; return null;
                default: {
                    int start = i;
                    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
                    return Double.parseDouble(s.substring(start, i));
                }
            }
        }

        private String string() {
            i++; // opening quote
            StringBuilder b = null;
            int start = i;
            while (true) {
                char c = s.charAt(i);
                if (c == '"') {
                    String tail = s.substring(start, i++);
                    return b == null ? tail : b.append(tail).toString();
                }
                if (c == '\\') {
                    if (b == null) b = new StringBuilder();
                    b.append(s, start, i);
                    char e = s.charAt(i + 1);
                    switch (e) {
                        case 'n': b.append('\n'); break;
                        case 't': b.append('\t'); break;
                        case 'r': b.append('\r'); break;
                        case 'b': b.append('\b'); break;
                        case 'f': b.append('\f'); break;
                        case 'u': b.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16)); i += 4; break;
                        default: b.append(e);
                    }
                    i += 2;
                    start = i;
                } else {
                    i++;
                }
            }
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }
    }
}
