//! The ingest stage on the bundled reports: every measure, exactly once,
//! with the hard cases of both formats, and every kind of bad data reported
//! with its file and line.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use opatreni::ingest::{self, Corpus, Measure};

use common::{data_copy, data_dir};

fn bundled() -> Corpus {
    ingest::import(&data_dir()).unwrap_or_else(|problems| panic!("{problems}"))
}

fn measure<'a>(corpus: &'a Corpus, id: &str) -> &'a Measure {
    corpus
        .measure(id)
        .unwrap_or_else(|| panic!("no measure {id}"))
}

#[test]
fn every_town_has_the_count_of_bullets_its_report_prints() {
    let corpus = bundled();
    let expected: BTreeMap<(String, String), usize> = [
        ("reports/2011-2014.md", "Kadaň", 22),
        ("reports/2011-2014.md", "Krupka", 6),
        ("reports/2011-2014.md", "Kolín", 5),
        ("reports/2011-2014.md", "Sokolov", 6),
        ("reports/2011-2014.md", "Mělnicko", 6),
        ("reports/2011-2014.md", "Hodonín", 6),
        ("reports/2011-2014.md", "Větrní", 4),
        ("reports/2011-2014.md", "Vejprty", 4),
        ("reports/2010-2013.txt", "Bílina", 7),
        ("reports/2010-2013.txt", "Kutná Hora", 7),
        ("reports/2010-2013.txt", "Bruntál", 9),
        ("reports/2010-2013.txt", "Obrnice", 4),
        ("reports/2010-2013.txt", "Havířov", 5),
        ("reports/2010-2013.txt", "Trmice", 6),
        ("reports/2010-2013.txt", "Jáchymov", 3),
        ("reports/2010-2013.txt", "Teplá a Toužim", 4),
        ("reports/2010-2013.txt", "Jirkov", 9),
    ]
    .into_iter()
    .map(|(file, heading, n)| ((file.to_owned(), heading.to_owned()), n))
    .collect();
    assert_eq!(ingest::counts_by_heading(&corpus.measures), expected);
    assert_eq!(corpus.measures.len(), 113);
}

#[test]
fn one_measure_per_bullet_marker_in_the_raw_files() {
    let corpus = bundled();
    for report in &corpus.reports {
        let raw = std::fs::read_to_string(data_dir().join(report)).unwrap();
        let bullet_lines: Vec<usize> = raw
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("- ") || l.trim_start().starts_with('■'))
            .map(|(i, _)| i + 1)
            .collect();
        let mut measure_lines: Vec<usize> = corpus
            .measures
            .iter()
            .filter(|m| &m.source.file == report)
            .map(|m| m.source.line)
            .collect();
        measure_lines.sort();
        assert_eq!(measure_lines, bullet_lines, "{report}");
    }
}

#[test]
fn the_contract_example_measure() {
    let corpus = bundled();
    let m = measure(&corpus, "2011-2014-kadan-07");
    assert_eq!(
        m.text,
        "zajištění tréninkového stupně prostupného bydlení (10 bytů I. kategorie) a otevřená cesta zpět do Kadaně"
    );
    assert_eq!(m.towns, ["Kadaň"]);
    assert_eq!(
        (m.region.as_str(), m.region_label.as_str()),
        ("ustecky", "Ústecký kraj")
    );
    assert_eq!(m.period, "2011-2014");
    assert_eq!(
        (m.period_from.to_string(), m.period_to.to_string()),
        ("2011-06".into(), "2014-06".into())
    );
    assert_eq!(m.key_phrases, ["prostupného bydlení"]);
    assert_eq!(m.categories, ["bydleni"]);
    assert_eq!(
        (m.source.file.as_str(), m.source.line),
        ("reports/2011-2014.md", 15)
    );
}

#[test]
fn pdf_text_hard_cases() {
    let corpus = bundled();
    // A word split by a line-end hyphen over a blank line.
    assert_eq!(
        measure(&corpus, "2010-2013-bilina-02").text,
        "rozšíření sociálních služeb a rekonstrukce prostor, kde jsou poskytovány"
    );
    assert_eq!(
        measure(&corpus, "2010-2013-obrnice-03").text,
        "podpora obce při řešení bytové problematiky, např. při vykupování bytového fondu \
         zpět do vlastnictví obce, aby jej nezneužívali spekulanti"
    );
    // Blank lines and a parenthesis on its own line stay inside the item,
    // and the measure belongs to the one town it names.
    let touzim = measure(&corpus, "2010-2013-tepla-a-touzim-03");
    assert!(
        touzim
            .text
            .ends_with("zřízení centra občané v referendu odmítli (Toužim)")
    );
    assert_eq!(touzim.towns, ["Toužim"]);
    // The heading with a non-breaking space names two towns.
    let both = measure(&corpus, "2010-2013-tepla-a-touzim-01");
    assert_eq!(both.heading, "Teplá a Toužim");
    assert_eq!(both.towns, ["Teplá", "Toužim"]);
    assert_eq!(both.region, "karlovarsky");
    // A capital detached by the PDF is joined back; the glued dash spaced.
    assert_eq!(
        measure(&corpus, "2010-2013-havirov-03").text,
        "zřízení Poradenského centra Khamoro na sídlišti Šumbark – poskytuje terénní programy, \
         pracovní poradenství, programy předcházení násilí v rodinách"
    );
    assert!(
        measure(&corpus, "2010-2013-obrnice-01")
            .text
            .contains("projekt Šance pro")
    );
    // The last measure is not glued to the footer's web address.
    let last = measure(&corpus, "2010-2013-jirkov-09");
    assert_eq!(
        last.text,
        "připravený a schválený plán sociálního začleňování v obci"
    );
    assert!(corpus.measures.iter().all(|m| !m.text.contains("www.")));
}

#[test]
fn markdown_hard_cases() {
    let corpus = bundled();
    // A blank line between two bullets does not merge or drop them.
    assert_eq!(
        measure(&corpus, "2011-2014-vejprty-02").text,
        "zřízení terénního sociálního pracovníka města"
    );
    let vejprty = measure(&corpus, "2011-2014-vejprty-01");
    assert_eq!(
        vejprty.key_phrases,
        [
            "nízkoprahové zařízení pro děti a mládež, sociálně aktivizační služby, odborné sociální \
          poradenství, terénní programy"
        ]
    );
    assert_eq!(
        measure(&corpus, "2011-2014-kadan-09").key_phrases,
        ["dvou předškolních klubů", "rodičovského centra"]
    );
    // The last measure of a town is not glued to the next town's heading.
    assert_eq!(
        measure(&corpus, "2011-2014-kadan-22").text,
        "zavedení nových sociálních služeb: dluhové poradenství, pracovní poradenství"
    );
    assert_eq!(measure(&corpus, "2011-2014-krupka-01").towns, ["Krupka"]);
    // An area heading resolves to its town.
    let melnicko = measure(&corpus, "2011-2014-melnicko-04");
    assert_eq!(
        (melnicko.heading.as_str(), melnicko.towns.as_slice()),
        ("Mělnicko", &["Mělník".to_owned()][..])
    );
    assert_eq!(melnicko.region, "stredocesky");
}

#[test]
fn text_is_clean_nfc_without_markup_or_pdf_noise() {
    use unicode_normalization::is_nfc;
    for m in bundled().measures {
        for text in std::iter::once(&m.text).chain(&m.key_phrases) {
            assert!(is_nfc(text), "{}", m.id);
            for noise in ["**", "■", "\u{a0}", "\u{ad}", "  "] {
                assert!(!text.contains(noise), "{} contains {noise:?}: {text}", m.id);
            }
            assert_eq!(text.trim(), text, "{}", m.id);
            assert!(!text.ends_with(','), "{}", m.id);
        }
        assert!(!m.categories.is_empty(), "{}", m.id);
    }
}

#[test]
fn localities_are_found_in_any_case() {
    let corpus = bundled();
    let localities = |id| measure(&corpus, id).localities.clone();
    assert_eq!(localities("2011-2014-kadan-14"), ["Prunéřov"]); // "mezi Prunéřovem"
    assert_eq!(localities("2011-2014-melnicko-06"), ["Spomyšl"]);
    assert_eq!(localities("2010-2013-havirov-01"), ["Šumbark"]); // "Šumbarák"
    assert_eq!(localities("2010-2013-havirov-02"), ["Prostřední Suchá"]); // "v Prostřední Suché"
    assert_eq!(localities("2010-2013-bilina-01"), ["Teplické předměstí"]);
    assert!(localities("2011-2014-kadan-01").is_empty());
}

#[test]
fn categories_match_the_hand_review() {
    let corpus = bundled();
    let review = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/category_review.tsv"),
    )
    .unwrap();
    let mut reviewed = 0;
    for line in review.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.split('\t');
        let (id, categories, text) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap(),
        );
        let m = measure(&corpus, id);
        assert_eq!(m.categories.join(","), categories, "{id}: {text}");
        assert_eq!(m.text, text, "{id}");
        reviewed += 1;
    }
    assert_eq!(reviewed, corpus.measures.len(), "every measure is reviewed");
    // Rules match stems, not exact words.
    assert!(
        measure(&corpus, "2011-2014-melnicko-03")
            .categories
            .contains(&"bydleni".to_owned())
    );
    assert!(
        measure(&corpus, "2010-2013-jirkov-02")
            .categories
            .contains(&"bydleni".to_owned())
    );
}

#[test]
fn ids_are_stable_across_imports_and_directories() {
    let first = bundled();
    let copy = data_copy();
    let second = ingest::import(copy.path()).unwrap();
    assert_eq!(first.measures, second.measures);
    let mut ids: Vec<&str> = first.measures.iter().map(|m| m.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 113);
}

#[test]
fn a_new_report_dropped_in_is_imported_with_no_code_change() {
    let copy = data_copy();
    std::fs::write(
        copy.path().join("reports/2014-2017.md"),
        "# Výsledky spolupráce v období od září 2014 do srpna 2017\n\n### Kadaň\n\n\
         - **prostupné bydlení** pro dalších 12 rodin\n- dluhová poradna v Prunéřově\n",
    )
    .unwrap();
    let corpus = ingest::import(copy.path()).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(corpus.measures.len(), 115);
    let m = measure(&corpus, "2014-2017-kadan-02");
    assert_eq!(
        (m.period_from.to_string(), m.period_to.to_string()),
        ("2014-09".into(), "2017-08".into())
    );
    assert_eq!(m.localities, ["Prunéřov"]);
    assert_eq!(m.categories, ["socialni-sluzby", "dluhy"]);
    assert!(
        corpus
            .summary()
            .starts_with("3 reports, 18 towns, 115 measures")
    );
}

#[test]
fn bad_data_is_reported_all_at_once_with_file_and_line() {
    let copy = data_copy();
    let reports = copy.path().join("reports");
    // A town missing from the gazetteer and a bullet with no text.
    std::fs::write(
        reports.join("2014-2017.md"),
        "# Období červen 2014 – červen 2017\n\n### Ostrava\n\n- dluhová poradna\n\n### Kadaň\n\n- **  **\n- podpora\n",
    )
    .unwrap();
    // No recognisable period.
    std::fs::write(
        reports.join("zprava.txt"),
        "Výsledky spolupráce\n\nKadaň\n ■ podpora\n",
    )
    .unwrap();
    // The same period and town as a bundled report: ids collide.
    std::fs::write(
        reports.join("2011-2014-oprava.md"),
        "## Období červen 2011 – červen 2014\n\n### Krupka\n\n- oprava\n",
    )
    .unwrap();
    let problems = ingest::import(copy.path()).unwrap_err();
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let expected = [
        "reports/2011-2014.md:35: id 2011-2014-krupka-01 is also given to reports/2011-2014-oprava.md:5",
        "reports/2014-2017.md:3: town \"Ostrava\" is not in the gazetteer (gazetteer.toml)",
        "reports/2014-2017.md:9: a bullet with no text",
        "reports/zprava.txt:1: no recognisable period",
    ];
    for want in expected {
        assert!(
            lines.iter().any(|l| l.starts_with(want)),
            "missing {want:?} in:\n{}",
            lines.join("\n")
        );
    }
}

#[test]
fn broken_data_files_name_their_line() {
    let copy = data_copy();
    std::fs::write(
        copy.path().join("overrides.toml"),
        "\"2011-2014-kadan-01\" = [\"bydleni\"]\n\"2011-2014-kadan-99\" = [\"bydleni\"]\n\"2011-2014-kadan-02\" = [\"sport\"]\n",
    )
    .unwrap();
    let problems = ingest::import(copy.path()).unwrap_err().to_string();
    assert!(
        problems.contains("overrides.toml:2: no measure has the id 2011-2014-kadan-99"),
        "{problems}"
    );
    assert!(
        problems.contains("overrides.toml:3: unknown category \"sport\""),
        "{problems}"
    );

    let gazetteer = std::fs::read_to_string(copy.path().join("gazetteer.toml")).unwrap();
    let line = gazetteer
        .lines()
        .position(|l| l == "name = \"Trmice\"")
        .unwrap()
        + 2;
    std::fs::write(
        copy.path().join("gazetteer.toml"),
        gazetteer.replace("name = \"Trmice\"\n", "name = \"Trmice\"\nname = \"x\"\n"),
    )
    .unwrap();
    let problems = ingest::import(copy.path()).unwrap_err().to_string();
    assert!(
        problems.contains(&format!("gazetteer.toml:{line}: duplicate key")),
        "{problems}"
    );
}

#[test]
fn import_command_prints_the_summary() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_opatreni"))
        .args(["import", "--data"])
        .arg(data_dir())
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("2 reports, 18 towns, 113 measures\n"),
        "{stdout}"
    );
    assert!(stdout.contains("bydleni"), "{stdout}");

    let copy = data_copy();
    std::fs::write(
        copy.path().join("reports/bad.md"),
        "# bez období\n### Kadaň\n- x\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_opatreni"))
        .args(["import", "--data"])
        .arg(copy.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("reports/bad.md:1: no recognisable period"),
        "{stderr}"
    );
}

#[test]
fn an_override_notices_when_its_measure_moved() {
    let copy = data_copy();
    let report = copy.path().join("reports/2011-2014.md");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(
        &report,
        text.replace("- změna pravidel přidělování bytů\n", ""),
    )
    .unwrap();
    let problems = ingest::import(copy.path()).unwrap_err().to_string();
    assert!(
        problems.contains("the override of 2011-2014-kadan-14 was decided for a measure starting \"posílení ranního dopravní spojení\""),
        "{problems}"
    );
}
