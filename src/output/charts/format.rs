//! Numbers and words as the charts write them: tick labels, spans, milliseconds, dollars,
//! grouped thousands, counted nouns, and shortened or edited names.

/// A tick label: no trailing zeros, thousands grouped, tiny values kept readable.
pub(super) fn fmt_tick(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    if a == 0.0 {
        return "0".to_string();
    }
    if a >= 1e7 {
        return format!("{v:.0e}");
    }
    if a >= 1000.0 {
        return group_thousands_f(v.round());
    }
    let decimals = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        (-a.log10().floor()) as usize + 2
    };
    trim_zeros(format!("{v:.decimals$}"))
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

pub(super) fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn group_thousands_f(v: f64) -> String {
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}{}", group_thousands(v.abs().round() as u64))
}

/// A span of seconds: "250 ms", "1 s", "1.5 s", "5 min", "2 h".
pub(super) fn fmt_span(s: f64) -> String {
    if !s.is_finite() || s <= 0.0 {
        return "0 s".to_string();
    }
    if s < 1.0 {
        format!("{} ms", trim_zeros(format!("{:.3}", s * 1000.0)))
    } else if s < 120.0 {
        format!("{} s", trim_zeros(format!("{s:.3}")))
    } else if s < 7200.0 {
        format!("{} min", trim_zeros(format!("{:.1}", s / 60.0)))
    } else {
        format!("{} h", trim_zeros(format!("{:.1}", s / 3600.0)))
    }
}

/// Milliseconds with three significant digits, whole from 100 up: "0.842 ms", "12.3 ms",
/// "456 ms", "2,345 ms".
pub(super) fn fmt_ms(ms: f64) -> String {
    if !ms.is_finite() {
        return "n/a".to_string();
    }
    // Always in ms, the unit of the latency axis it is read against.
    format!("{} ms", sig3(ms))
}

/// Three significant digits, no trailing zeros (whole numbers from 100 up).
fn sig3(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        return group_thousands_f(v.round());
    }
    let decimals = if a == 0.0 {
        0
    } else {
        (2.0 - a.log10().floor()).max(0.0) as usize
    };
    trim_zeros(format!("{v:.decimals$}"))
}

/// Dollars: "$12.34", "$1,234.56", small amounts with three significant digits ("$0.00123").
pub(super) fn fmt_usd(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v == 0.0 {
        return "$0".to_string();
    }
    if v.abs() >= 1.0 {
        let cents = (v.abs() * 100.0).round() as u64;
        let sign = if v < 0.0 { "-" } else { "" };
        return format!("{sign}${}.{:02}", group_thousands(cents / 100), cents % 100);
    }
    let decimals = (2.0 - v.abs().log10().floor()).max(2.0) as usize;
    let s = trim_zeros(format!("{v:.decimals$}"));
    // Keep cents whole: "$0.5" reads badly.
    match s.split_once('.') {
        Some((_, frac)) if frac.len() == 1 => format!("${s}0"),
        _ => format!("${s}"),
    }
}

/// A dollar tick label.
pub(super) fn fmt_usd_tick(v: f64) -> String {
    format!("${}", fmt_tick(v))
}

/// At most `max` characters, with an ellipsis when cut.
pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// "1 event", "1,234 events".
pub(super) fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group_thousands(n), if n == 1 { one } else { many })
}

/// `name` without the first of its space-separated words equal to `word`.
pub(super) fn without_word(name: &str, word: &str) -> String {
    let mut removed = false;
    name.split(' ')
        .filter(|w| {
            let drop = !removed && *w == word;
            removed |= drop;
            !drop
        })
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::charts::scale::{nice_125_above, nice_125_below};

    #[test]
    fn number_formats() {
        assert_eq!(fmt_usd(12.344), "$12.34");
        assert_eq!(fmt_usd(1234.5), "$1,234.50");
        assert_eq!(fmt_usd(0.0123), "$0.0123");
        assert_eq!(fmt_usd(0.000_456_7), "$0.000457");
        assert_eq!(fmt_usd(0.0), "$0");
        assert_eq!(fmt_tick(2500.0), "2,500");
        assert_eq!(fmt_tick(0.25), "0.25");
        assert_eq!(fmt_tick(10.0), "10");
        assert_eq!(fmt_span(1.0), "1 s");
        assert_eq!(fmt_span(0.1), "100 ms");
        assert_eq!(fmt_span(300.0), "5 min");
        assert_eq!(fmt_span(7200.0), "2 h");
        assert_eq!(fmt_ms(12.345), "12.3 ms");
        assert_eq!(fmt_ms(2345.4), "2,345 ms");
        assert_eq!(nice_125_below(37.0), 20.0);
        assert_eq!(nice_125_above(37.0), 50.0);
    }
}
