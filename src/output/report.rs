//! `report.html`: a scenario's answer on one self-contained page (no network: the charts
//! inline as SVG, a little inline script), and `index.html` over several scenarios. The
//! page shows the headline figures of each variant, every chart, the summary and variants
//! tables (sortable), the warnings, the scenario file, and the seed and version that
//! reproduce it.

use crate::metrics::RunReport;
use crate::output::table::figure;
use std::fmt::Write;

/// What a scenario's report shows besides its runs.
pub struct Page<'a> {
    /// The scenario's name.
    pub name: &'a str,
    /// Its description.
    pub description: &'a str,
    /// The scenario file's path and text, as run.
    pub file: Option<(&'a str, &'a str)>,
    /// Its seed (the `--seed` given, else the file's).
    pub seed: u64,
    /// The per-run charts of each charted variant, by variant name: (chart stem, SVG).
    pub variant_charts: Vec<(String, Vec<(String, String)>)>,
    /// The charts across variants: (chart stem, SVG).
    pub sweep_charts: Vec<(String, String)>,
    /// `summary.csv`, as written.
    pub summary_csv: &'a [u8],
    /// `variants.csv`, as written.
    pub variants_csv: &'a [u8],
    /// The recommendation, as a sentence.
    pub recommendation: Option<&'a str>,
    /// Warnings about the scenario and its runs.
    pub warnings: &'a [String],
    /// Variants that were not charted (beyond those in `variant_charts`).
    pub uncharted: usize,
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The mean over a variant's replications of its whole-run (`*`) figures.
struct Headline {
    variant: String,
    runs: usize,
    monthly: f64,
    cold_starts: f64,
    cold_ratio: f64,
    throttles: f64,
    p50: f64,
    p99: f64,
}

fn headlines(runs: &[RunReport]) -> Vec<Headline> {
    crate::metrics::by_variant(runs)
        .into_iter()
        .map(|(v, reps)| {
            let mean = |f: &dyn Fn(&RunReport) -> f64| {
                reps.iter().map(|r| f(r)).sum::<f64>() / reps.len() as f64
            };
            Headline {
                variant: v.to_string(),
                runs: reps.len(),
                monthly: mean(&|r| r.total.costs.monthly),
                cold_starts: mean(&|r| r.total.cold_starts as f64),
                cold_ratio: mean(&|r| r.total.cold_start_ratio()),
                throttles: mean(&|r| r.total.throttles as f64),
                p50: mean(&|r| r.total.latency.p50_ms),
                p99: mean(&|r| r.total.latency.p99_ms),
            }
        })
        .collect()
}

impl Headline {
    /// Its figures as table cells, after the variant's name.
    fn cells(&self) -> String {
        format!(
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            figure(self.monthly, 2),
            count(self.cold_starts),
            figure(100.0 * self.cold_ratio, 2),
            count(self.throttles),
            ms(self.p50),
            ms(self.p99)
        )
    }
}

/// A count (mean over replications): whole when it is whole.
fn count(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn ms(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1} ms")
    } else {
        "–".to_string()
    }
}

/// The most rows a table of the report shows: a run of 100,000 replications has 200,000
/// summary rows, which no one reads in a page and would make it hundreds of MB.
const MAX_TABLE_ROWS: usize = 1000;

/// A CSV file as a sortable table: the header, then each row (the first
/// [`MAX_TABLE_ROWS`], and a note of how many more); numbers right-aligned.
fn table(id: &str, csv_bytes: &[u8]) -> String {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv_bytes);
    let mut out =
        format!("<div class=\"scroll\"><table class=\"sortable\" id=\"{id}\">\n<thead><tr>");
    if let Ok(h) = reader.headers() {
        for c in h {
            let _ = write!(out, "<th title=\"sort\">{}</th>", escape(c));
        }
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let mut records = reader.records().flatten();
    for rec in records.by_ref().take(MAX_TABLE_ROWS) {
        out.push_str("<tr>");
        for c in &rec {
            let numeric = !c.is_empty() && c.parse::<f64>().is_ok();
            let _ = write!(
                out,
                "<td{}>{}</td>",
                if numeric { " class=\"n\"" } else { "" },
                escape(c)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    let more = records.count();
    if more > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\">The first {MAX_TABLE_ROWS} rows of {id}.csv are shown; its {more} more are in the file.</p>"
        );
    }
    out
}

/// An SVG chart, inline, in a figure captioned with its stem.
fn chart(stem: &str, svg: &str) -> String {
    // The XML declaration is not allowed inside HTML.
    let body = svg
        .trim_start()
        .strip_prefix("<?xml")
        .and_then(|rest| rest.find("?>").map(|k| &rest[k + 2..]))
        .unwrap_or(svg);
    format!(
        "<figure class=\"chart\" data-chart=\"{}\">{}<figcaption>{}.svg</figcaption></figure>\n",
        escape(stem),
        body.trim(),
        escape(stem)
    )
}

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
.muted { color: #666; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; white-space: nowrap; }
th { background: #f4f4f4; cursor: pointer; position: sticky; top: 0; }
th.asc::after { content: " ▲"; } th.desc::after { content: " ▼"; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-height: 32rem; }
figure.chart { margin: 1rem 0; } figure.chart svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.8rem; color: #666; }
.warning { background: #fff4d6; border-left: 4px solid #e0a800; padding: 0.4rem 0.8rem; margin: 0.3rem 0; }
.headline td, .headline th { font-size: 1rem; }
pre { background: #f7f7f7; padding: 0.8rem; overflow-x: auto; }
@media print { .scroll { max-height: none; overflow: visible; } select { display: none; } .variant-charts { display: block !important; } th { position: static; } }
"#;

/// Sorting by a column's header, the variant chooser, and a self-check for tests: with
/// `#selftest` in the address, the page checks its charts, chooser and sorting, and says
/// so in `<body data-selftest>`.
const SCRIPT: &str = r#"
function sortBy(th) {
  const table = th.closest('table'), body = table.tBodies[0];
  const k = Array.from(th.parentNode.children).indexOf(th);
  const asc = !th.classList.contains('asc');
  table.querySelectorAll('th').forEach(h => h.classList.remove('asc', 'desc'));
  th.classList.add(asc ? 'asc' : 'desc');
  const key = tr => { const t = tr.children[k].textContent; const x = parseFloat(t); return isNaN(x) || t.trim() === '' ? t : x; };
  const rows = Array.from(body.rows);
  rows.sort((a, b) => { const x = key(a), y = key(b);
    const c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
    return asc ? c : -c; });
  rows.forEach(r => body.appendChild(r));
}
function choose(v) {
  document.querySelectorAll('.variant-charts').forEach(d => { d.style.display = d.dataset.variant === v ? 'block' : 'none'; });
}
document.querySelectorAll('table.sortable th').forEach(th => th.addEventListener('click', () => sortBy(th)));
const chooser = document.getElementById('variant');
if (chooser) { chooser.addEventListener('change', () => choose(chooser.value)); choose(chooser.value); }
if (location.hash === '#selftest') {
  const problems = [];
  const charts = document.querySelectorAll('figure.chart');
  if (charts.length === 0) problems.push('no chart');
  const drawn = f => { const s = f.querySelector('svg'); return s && s.querySelectorAll('*').length >= 20; };
  const shown = f => f.offsetParent !== null && f.querySelector('svg').getBoundingClientRect().width >= 100;
  charts.forEach(f => { if (!drawn(f)) problems.push('empty chart ' + f.dataset.chart); });
  if (chooser) {
    const options = Array.from(chooser.options).map(o => o.value);
    options.forEach(v => { chooser.value = v; chooser.dispatchEvent(new Event('change'));
      const on = Array.from(document.querySelectorAll('.variant-charts')).filter(d => d.style.display !== 'none');
      if (on.length !== 1 || on[0].dataset.variant !== v || !Array.from(on[0].querySelectorAll('figure.chart')).every(shown)) problems.push('chooser ' + v); });
    chooser.value = options[0]; chooser.dispatchEvent(new Event('change'));
  }
  charts.forEach(f => { if (f.closest('.variant-charts') === null && !shown(f)) problems.push('hidden chart ' + f.dataset.chart); });
  document.querySelectorAll('table.sortable').forEach(t => {
    const th = t.querySelector('th:nth-child(5)') || t.querySelector('th');
    const k = Array.from(th.parentNode.children).indexOf(th);
    sortBy(th); sortBy(th);
    const vals = Array.from(t.tBodies[0].rows).map(r => parseFloat(r.children[k].textContent)).filter(x => !isNaN(x));
    for (let i = 1; i < vals.length; i++) if (vals[i - 1] < vals[i]) { problems.push('sort ' + t.id); break; }
  });
  document.body.dataset.selftest = problems.length ? problems.join('; ') : 'ok';
}
"#;

/// The whole page of one scenario's runs.
pub fn render(page: &Page, runs: &[RunReport]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} — lambdasim</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(page.name)
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(page.name));
    if !page.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", escape(page.description));
    }
    let _ = writeln!(
        h,
        "<p class=\"muted\">lambdasim {} · seed {} · {} run(s)</p>",
        env!("CARGO_PKG_VERSION"),
        page.seed,
        runs.len()
    );
    // Headline answers.
    h.push_str("<h2>Answers</h2>\n");
    if let Some(r) = page.recommendation {
        let _ = writeln!(h, "<p><strong>{}</strong></p>", escape(r));
    }
    h.push_str("<div class=\"scroll\"><table class=\"headline sortable\" id=\"headline\">\n<thead><tr><th>variant</th><th>runs</th><th>monthly cost $</th><th>cold starts</th><th>cold %</th><th>throttles</th><th>p50</th><th>p99</th></tr></thead>\n<tbody>\n");
    for x in headlines(runs) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td>{}</tr>",
            escape(&x.variant),
            x.runs,
            x.cells()
        );
    }
    h.push_str("</tbody></table></div>\n<p class=\"muted\">Means over each variant's replications; the monthly cost is the run scaled to a 730-hour month.</p>\n");
    if !page.warnings.is_empty() {
        h.push_str("<h2>Warnings</h2>\n");
        for w in page.warnings {
            let _ = writeln!(h, "<div class=\"warning\">{}</div>", escape(w));
        }
    }
    if !page.sweep_charts.is_empty() {
        h.push_str("<h2>Variants compared</h2>\n");
        for (stem, svg) in &page.sweep_charts {
            h.push_str(&chart(stem, svg));
        }
    }
    if !page.variant_charts.is_empty() {
        h.push_str("<h2>Charts of one run</h2>\n");
        if page.variant_charts.len() > 1 {
            h.push_str("<p><label for=\"variant\">Variant (replication 0): </label><select id=\"variant\">");
            for (v, _) in &page.variant_charts {
                let _ = write!(h, "<option value=\"{0}\">{0}</option>", escape(v));
            }
            h.push_str("</select></p>\n");
        } else {
            h.push_str("<p class=\"muted\">Replication 0.</p>\n");
        }
        if page.uncharted > 0 {
            let _ = writeln!(
                h,
                "<p class=\"muted\">The first {} variants are charted; {} more are in the tables.</p>",
                page.variant_charts.len(),
                page.uncharted
            );
        }
        for (v, charts) in &page.variant_charts {
            let _ = writeln!(
                h,
                "<div class=\"variant-charts\" data-variant=\"{}\">",
                escape(v)
            );
            for (stem, svg) in charts {
                h.push_str(&chart(stem, svg));
            }
            h.push_str("</div>\n");
        }
    }
    h.push_str("<h2>Summary</h2>\n<p class=\"muted\">summary.csv: a row per run and function (<code>*</code>: all functions). Click a column to sort.</p>\n");
    h.push_str(&table("summary", page.summary_csv));
    h.push_str("<h2>Variants</h2>\n<p class=\"muted\">variants.csv: each variant's means over its replications, with 95 % confidence intervals.</p>\n");
    h.push_str(&table("variants", page.variants_csv));
    if let Some((path, text)) = page.file {
        let _ = writeln!(
            h,
            "<h2>Scenario</h2>\n<details><summary>{}</summary>\n<pre>{}</pre>\n</details>",
            escape(path),
            escape(text)
        );
    }
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
}

/// `index.html` over several scenarios: each one's headline and a link to its report.
pub fn index(scenarios: &[(String, &[RunReport])]) -> String {
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>lambdasim</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>lambdasim</h1>\n<p class=\"muted\">lambdasim {} · {} scenario(s)</p>\n",
        env!("CARGO_PKG_VERSION"),
        scenarios.len()
    );
    h.push_str("<table class=\"sortable\" id=\"index\">\n<thead><tr><th>scenario</th><th>variant</th><th>monthly cost $</th><th>cold starts</th><th>cold %</th><th>throttles</th><th>p50</th><th>p99</th></tr></thead>\n<tbody>\n");
    for (folder, runs) in scenarios {
        for x in headlines(runs) {
            let _ = writeln!(
                h,
                "<tr><td><a href=\"{0}/report.html\">{0}</a></td><td>{1}</td>{2}</tr>",
                escape(folder),
                escape(&x.variant),
                x.cells()
            );
        }
    }
    let _ = write!(
        h,
        "</tbody></table>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_table_shows_its_first_rows_and_says_how_many_more_the_file_has() {
        let mut csv = String::from("run,requests\n");
        for k in 0..MAX_TABLE_ROWS + 7 {
            csv.push_str(&format!("{k},1\n"));
        }
        let t = table("summary", csv.as_bytes());
        assert_eq!(
            t.matches("<tr>").count(),
            MAX_TABLE_ROWS + 1,
            "the header and the rows"
        );
        assert!(t.contains(&format!("<td class=\"n\">{}</td>", MAX_TABLE_ROWS - 1)));
        assert!(!t.contains(&format!("<td class=\"n\">{MAX_TABLE_ROWS}</td>")));
        assert!(
            t.contains("The first 1000 rows of summary.csv are shown; its 7 more are in the file.")
        );
        // At the cap exactly, no note.
        let exact: String = csv
            .lines()
            .take(MAX_TABLE_ROWS + 1)
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(!table("summary", exact.as_bytes()).contains("more are in the file"));
    }

    #[test]
    fn text_is_escaped_and_a_csv_becomes_a_table_with_numbers_marked() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        let t = table("t", b"name,cost_usd\n<b>,0.5\nx,\n");
        assert!(t.contains("<th title=\"sort\">cost_usd</th>"), "{t}");
        assert!(
            t.contains("<td>&lt;b&gt;</td><td class=\"n\">0.5</td>"),
            "{t}"
        );
        assert!(t.contains("<td>x</td><td></td>"), "{t}");
        assert_eq!(count(3.0), "3");
        assert_eq!(count(2.5), "2.5");
        assert_eq!(ms(f64::NAN), "–");
        let c = chart("cost", "<?xml version=\"1.0\"?>\n<svg><rect/></svg>");
        assert!(
            c.starts_with("<figure class=\"chart\" data-chart=\"cost\"><svg><rect/></svg>"),
            "{c}"
        );
    }
}
