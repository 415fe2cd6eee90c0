//! Writing a [`Cohort`]: a terminal table, CSV (wide and long), an `.xlsx` workbook and
//! JSON. Every writer reads the same plain data; none looks at a portfolio again.

use crate::tutor::cohort::{Cohort, Mark, Progress, Reading, Row};
use crate::util::text::plural;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const RED: Style = AnsiColor::Red.on_default().bold();

/// Marks as written in CSV and spreadsheet cells: text, so they read without colour.
pub(crate) fn cell_mark(mark: Mark) -> &'static str {
    match mark {
        Mark::None => "",
        other => other.as_str(),
    }
}

/// The formats a cohort can be written in (the doc comments are `--format`'s help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for the terminal.
    Text,
    /// Everything the cohort holds, for other tools.
    Json,
    /// One row per trainee, one column per indicator (UTF-8 with BOM, for Excel).
    Csv,
    /// One row per trainee and indicator.
    CsvLong,
    /// An Excel workbook with coloured marks; needs -o FILE.
    Xlsx,
    /// A dashboard (static HTML) with each trainee's built portfolio; needs -o DIR.
    Html,
}

impl Format {
    /// Why this format cannot go to standard output, if it cannot.
    pub fn needs_output(self) -> Option<crate::error::FatalError> {
        use crate::error::FatalError;
        match self {
            Format::Html => Some(
                FatalError::usage("a dashboard needs a folder to go to")
                    .with_help("add -o DIR, e.g. -o cohort-site"),
            ),
            Format::Xlsx => Some(
                FatalError::usage("an .xlsx workbook needs a file to go to")
                    .with_help("add -o cohort.xlsx"),
            ),
            _ => None,
        }
    }
}

/// The cohort as bytes in one of the single-file formats (the dashboard, a folder, is
/// [`crate::tutor::dashboard::build`]).
pub fn render(format: Format, cohort: &Cohort) -> Result<Vec<u8>, crate::error::FatalError> {
    let mut bytes = Vec::new();
    let written = match format {
        Format::Text => write_text(&mut bytes, cohort),
        Format::Json => write_json(&mut bytes, cohort),
        Format::Csv => write_csv(&mut bytes, cohort),
        Format::CsvLong => write_csv_long(&mut bytes, cohort),
        Format::Xlsx => {
            return xlsx_bytes(cohort).map_err(|e| {
                crate::error::FatalError::new(
                    crate::error::ErrorKind::Io,
                    format!("cannot make the workbook: {e}"),
                )
            });
        }
        Format::Html => {
            return Err(crate::error::FatalError::usage(
                "a dashboard is a folder of pages, not one file",
            ));
        }
    };
    written
        .map_err(|e| crate::error::FatalError::io(format!("cannot write the cohort: {e}"), e))?;
    Ok(bytes)
}

/// Writes the cohort as pretty JSON (generic for the reason given at
/// [`crate::report::write_json_on`]).
pub fn write_json<W: Write + ?Sized>(out: &mut W, cohort: &Cohort) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, cohort)?;
    writeln!(out)
}

/// One indicator column of the wide formats.
struct Column {
    framework: usize,
    /// Position in the framework's indicator list (and in each row's marks).
    index: usize,
    header: String,
}

fn indicator_columns(cohort: &Cohort) -> Vec<Column> {
    let several = cohort.frameworks.len() > 1;
    cohort
        .frameworks
        .iter()
        .enumerate()
        .flat_map(|(f, fw)| {
            // A portfolio that follows several frameworks prefixes each column too.
            let mixed = fw
                .indicators
                .iter()
                .any(|ind| ind.framework != fw.indicators[0].framework);
            fw.indicators
                .iter()
                .enumerate()
                .map(move |(i, ind)| Column {
                    framework: f,
                    index: i,
                    header: if several || mixed {
                        format!("{}/{}", ind.framework, ind.id)
                    } else {
                        ind.id.clone()
                    },
                })
        })
        .collect()
}

fn mark_at(row: &Row, column: &Column) -> Option<Mark> {
    row.progress()
        .filter(|p| p.framework_index == column.framework)
        .and_then(|p| p.indicators.get(column.index).copied())
}

const WIDE_HEADERS: [&str; 16] = [
    "Trainee",
    "Candidate",
    "Portfolio",
    "Framework",
    "Covered",
    "Assessed",
    "Total",
    "Percent covered",
    "Stale judgements",
    "Deadline",
    "At risk",
    "Errors",
    "Could not read",
    "Last evidence",
    "Date source",
    "Inactive",
];

/// The cells of a trainee's row before the indicator marks.
fn wide_cells(row: &Row, inactive_after: u32) -> [String; 16] {
    let p = row.progress();
    let count = |f: fn(&Progress) -> usize| p.map(|p| f(p).to_string()).unwrap_or_default();
    [
        row.name.clone(),
        row.candidate.clone().unwrap_or_default(),
        row.path.clone(),
        p.map(|p| p.framework.clone()).unwrap_or_default(),
        count(|p| p.covered),
        count(|p| p.assessed),
        count(|p| p.total),
        count(Progress::percent),
        count(|p| p.stale),
        p.and_then(|p| p.deadline)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        row.at_risk().join("; "),
        count(|p| p.errors),
        row.broken().unwrap_or_default().to_string(),
        p.and_then(|p| p.momentum.last.clone()).unwrap_or_default(),
        p.and_then(|p| p.momentum.source)
            .map(|s| s.words().to_string())
            .unwrap_or_default(),
        p.and_then(|p| crate::tutor::momentum::reason(&p.momentum, inactive_after))
            .unwrap_or_default(),
    ]
}

/// A spreadsheet reads a cell starting with `=`, `+`, `-` or `@` as a formula; a name or
/// message must never run as one, so such text is prefixed with `'`.
pub(crate) fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn csv_writer(out: &mut dyn Write) -> io::Result<csv::Writer<&mut dyn Write>> {
    // The byte-order mark makes Excel read the file as UTF-8, so "Siân" stays "Siân".
    out.write_all(b"\xEF\xBB\xBF")?;
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out))
}

/// CSV with one row per trainee and one column per indicator.
pub(crate) fn write_csv(out: &mut dyn Write, cohort: &Cohort) -> io::Result<()> {
    let columns = indicator_columns(cohort);
    let mut w = csv_writer(out)?;
    let mut header: Vec<String> = WIDE_HEADERS.iter().map(|h| h.to_string()).collect();
    header.extend(columns.iter().map(|c| c.header.clone()));
    w.write_record(&header)?;
    for row in &cohort.trainees {
        let mut record: Vec<String> = wide_cells(row, cohort.summary.inactive_after_weeks)
            .iter()
            .map(|c| defuse(c))
            .collect();
        record.extend(
            columns
                .iter()
                .map(|c| mark_at(row, c).map_or("", cell_mark).to_string()),
        );
        w.write_record(&record)?;
    }
    w.flush()
}

/// CSV with one row per trainee and indicator; a portfolio that could not be read has
/// one row saying why.
pub(crate) fn write_csv_long(out: &mut dyn Write, cohort: &Cohort) -> io::Result<()> {
    let mut w = csv_writer(out)?;
    w.write_record([
        "Trainee",
        "Candidate",
        "Portfolio",
        "Framework",
        "Part",
        "Indicator",
        "Covered",
        "Assessed",
        "Mark",
        "Could not read",
    ])?;
    for row in &cohort.trainees {
        let who = [
            defuse(&row.name),
            defuse(row.candidate.as_deref().unwrap_or("")),
            defuse(&row.path),
            row.progress()
                .map(|p| p.framework.clone())
                .unwrap_or_default(),
        ];
        let read = row
            .progress()
            .and_then(|p| Some((p, cohort.frameworks.get(p.framework_index)?)));
        match read {
            Some((progress, fw)) => {
                for (info, mark) in fw.indicators.iter().zip(&progress.indicators) {
                    let mut record = who.to_vec();
                    record.extend([
                        info.part.clone(),
                        info.id.clone(),
                        u8::from(mark.covered()).to_string(),
                        u8::from(mark.assessed()).to_string(),
                        cell_mark(*mark).to_string(),
                        String::new(),
                    ]);
                    w.write_record(&record)?;
                }
            }
            None => {
                let mut record = who.to_vec();
                record.extend(["", "", "", "", ""].map(String::from));
                record.push(defuse(row.broken().unwrap_or("")));
                w.write_record(&record)?;
            }
        }
    }
    w.flush()
}

/// The `.xlsx` workbook: a "Coverage" sheet with the same matrix as the wide CSV, marks
/// coloured by conditional formats (the text stays, so colour is never the only signal),
/// and an "Indicators" sheet counting trainees per indicator.
pub(crate) fn xlsx_bytes(cohort: &Cohort) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{
        Color, ConditionalFormatBlank, ConditionalFormatCell, ConditionalFormatCellRule,
        DocProperties, ExcelDateTime, Format, FormatAlign, Workbook,
    };
    let mut book = Workbook::new();
    // A fixed creation date (the cohort's "today") keeps the file byte-identical.
    let created = ExcelDateTime::from_ymd(
        cohort.today.year() as u16,
        cohort.today.month() as u8,
        cohort.today.day() as u8,
    )?;
    book.set_properties(
        &DocProperties::new()
            .set_title("senco cohort coverage")
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    let header_turned = Format::new()
        .set_bold()
        .set_rotation(90)
        .set_align(FormatAlign::Center);
    let green = Format::new()
        .set_background_color(Color::RGB(0xC6EFCE))
        .set_font_color(Color::RGB(0x006100));
    let amber = Format::new()
        .set_background_color(Color::RGB(0xFFEB9C))
        .set_font_color(Color::RGB(0x9C5700));
    let blue = Format::new()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_font_color(Color::RGB(0x1F4E79));
    let red = Format::new()
        .set_background_color(Color::RGB(0xFFC7CE))
        .set_font_color(Color::RGB(0x9C0006));

    let columns = indicator_columns(cohort);
    let sheet = book.add_worksheet();
    sheet.set_name("Coverage")?;
    for (c, h) in WIDE_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let first_mark = WIDE_HEADERS.len() as u16;
    for (i, column) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, first_mark + i as u16, &column.header, &header_turned)?;
    }
    for (r, row) in cohort.trainees.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in wide_cells(row, cohort.summary.inactive_after_weeks)
            .iter()
            .enumerate()
        {
            let c = c as u16;
            // Counts go in as numbers so they sort and sum.
            match cell.parse::<f64>() {
                Ok(n) if (4..=8).contains(&c) || c == 11 => sheet.write_number(r, c, n)?,
                _ if cell.is_empty() => sheet,
                _ => sheet.write_string(r, c, cell)?,
            };
        }
        for (i, column) in columns.iter().enumerate() {
            if let Some(mark) = mark_at(row, column).filter(|m| *m != Mark::None) {
                sheet.write_string(r, first_mark + i as u16, cell_mark(mark))?;
            }
        }
    }
    let last_row = cohort.trainees.len() as u32;
    if last_row > 0 && !columns.is_empty() {
        let last_col = first_mark + columns.len() as u16 - 1;
        for (text, format) in [
            ("assessed", &green),
            ("covered", &amber),
            ("assessed-only", &blue),
        ] {
            let rule = ConditionalFormatCell::new()
                .set_rule(ConditionalFormatCellRule::EqualTo(text))
                .set_format(format);
            sheet.add_conditional_format(1, first_mark, last_row, last_col, &rule)?;
        }
    }
    if last_row > 0 {
        // "At risk", "Could not read" and "Inactive" hold reasons in words; red marks
        // them as well.
        for col in [10u16, 12, 15] {
            let rule = ConditionalFormatBlank::new().invert().set_format(&red);
            sheet.add_conditional_format(1, col, last_row, col, &rule)?;
        }
    }
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(2, 18)?;
    sheet.set_column_width(10, 30)?;
    sheet.set_column_width(12, 30)?;
    sheet.set_column_width(13, 12)?;
    sheet.set_column_width(14, 18)?;
    sheet.set_column_width(15, 30)?;
    if !columns.is_empty() {
        let last_col = first_mark + columns.len() as u16 - 1;
        sheet.set_column_range_width(first_mark, last_col, 9)?;
    }
    sheet.set_freeze_panes(1, 1)?;
    sheet.autofilter(0, 0, last_row, first_mark + columns.len() as u16 - 1)?;

    let sheet = book.add_worksheet();
    sheet.set_name("Indicators")?;
    let headers = [
        "Framework",
        "Part",
        "Indicator",
        "Wording",
        "Covered by",
        "Assessed by",
        "Trainees",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut r = 1u32;
    for (f, fw) in cohort.frameworks.iter().enumerate() {
        let of = cohort.trainees.iter().filter(|t| t.follows(f)).count();
        for info in &fw.indicators {
            sheet.write_string(r, 0, &fw.id)?;
            sheet.write_string(r, 1, &info.part)?;
            sheet.write_string(r, 2, &info.id)?;
            sheet.write_string(r, 3, &info.title)?;
            sheet.write_number(r, 4, info.covered_by as f64)?;
            sheet.write_number(r, 5, info.assessed_by as f64)?;
            sheet.write_number(r, 6, of as f64)?;
            r += 1;
        }
    }
    sheet.set_column_width(3, 70)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, r.saturating_sub(1).max(1), 6)?;
    book.save_to_buffer()
}

/// Part columns of the terminal table: every part id, in framework order.
fn part_columns(cohort: &Cohort) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for fw in &cohort.frameworks {
        for p in &fw.parts {
            if !parts.contains(&p.id) {
                parts.push(p.id.clone());
            }
        }
    }
    parts
}

/// Longest text first, as the terminal shows it.
fn width(texts: impl Iterator<Item = usize>, at_least: usize) -> usize {
    texts.max().unwrap_or(0).max(at_least)
}

/// The terminal table: trainee by part (covered/total), assessed, stale judgements and
/// deadline; then who is at risk, what to teach next and what could not be read.
pub fn write_text(out: &mut dyn Write, cohort: &Cohort) -> io::Result<()> {
    let s = &cohort.summary;
    let broken = if s.broken > 0 {
        format!(", {} could not be read", s.broken)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{BOLD}Cohort of {} trainee{}{broken}{BOLD:#} (today {})",
        s.trainees,
        plural(s.trainees),
        cohort.today
    )?;
    writeln!(out)?;
    let parts = part_columns(cohort);
    // Many parts (mixed frameworks, NPQ areas) would not fit: show totals only then.
    let parts: &[String] = if parts.len() > 6 { &[] } else { &parts };
    let name_w = width(cohort.trainees.iter().map(|r| r.name.chars().count()), 7).min(32);
    let mut header = format!("{:<name_w$}", "Trainee");
    for p in parts {
        header.push_str(&format!("  {:>7}", format!("Part {p}")));
    }
    header.push_str(&format!(
        "  {:>9}  {:>8}  {:>5}  {:<10}  {:<15}",
        "Covered", "Assessed", "Stale", "Deadline", "Last evidence"
    ));
    writeln!(out, "{BOLD}{}{BOLD:#}", header.trim_end())?;
    for row in &cohort.trainees {
        let name: String = row.name.chars().take(name_w).collect();
        let mut line = format!("{name:<name_w$}");
        let row = match &row.reading {
            Reading::Read(progress) => progress,
            Reading::Broken { reason } => {
                let first = reason.lines().next().unwrap_or(reason);
                writeln!(out, "{line}  {RED}could not read:{RED:#} {first}")?;
                continue;
            }
        };
        for p in parts {
            let cell = row
                .parts
                .iter()
                .find(|c| &c.id == p)
                .map_or_else(|| "-".to_string(), |c| format!("{}/{}", c.covered, c.total));
            line.push_str(&format!("  {cell:>7}"));
        }
        let total = format!("{}/{}", row.covered, row.total);
        let last = match (&row.momentum.last, row.momentum.source) {
            (Some(last), Some(source)) => format!("{last} {}", source.short()),
            _ => "-".to_string(),
        };
        line.push_str(&format!(
            "  {total:>9}  {:>8}  {:>5}  {:<10}  {last:<15}",
            row.assessed,
            row.stale,
            row.deadline
                .map_or_else(|| "-".to_string(), |d| d.to_string())
        ));
        let mut line = line.trim_end().to_string();
        if row.momentum.inactive {
            line.push_str(&format!("  {RED}inactive{RED:#}"));
        }
        if !row.at_risk.is_empty() {
            line.push_str(&format!("  {RED}at risk{RED:#}"));
        }
        writeln!(out, "{line}")?;
    }
    let at_risk: Vec<&Row> = cohort
        .trainees
        .iter()
        .filter(|r| !r.at_risk().is_empty())
        .collect();
    if !at_risk.is_empty() {
        writeln!(out)?;
        writeln!(out, "{BOLD}At risk ({}):{BOLD:#}", at_risk.len())?;
        for row in at_risk {
            for reason in row.at_risk() {
                writeln!(out, "  {RED}!{RED:#} {}: {reason}", row.name)?;
            }
        }
    }
    let inactive: Vec<(&Row, &Progress)> = cohort
        .trainees
        .iter()
        .filter_map(|r| r.progress().map(|p| (r, p)))
        .filter(|(_, p)| p.momentum.inactive)
        .collect();
    if !inactive.is_empty() {
        writeln!(out)?;
        writeln!(out, "{BOLD}Inactive ({}):{BOLD:#}", inactive.len())?;
        for (row, p) in inactive {
            if let Some(reason) =
                crate::tutor::momentum::reason(&p.momentum, s.inactive_after_weeks)
            {
                writeln!(out, "  {RED}!{RED:#} {}: {reason}", row.name)?;
            }
        }
    }
    let notes: Vec<(&str, &str)> = cohort
        .trainees
        .iter()
        .filter_map(|r| {
            let note = r.progress()?.momentum.git_note.as_deref()?;
            Some((r.name.as_str(), note))
        })
        .collect();
    if !notes.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{DIM}Git history not used (file times instead):{DIM:#}"
        )?;
        for (name, note) in notes {
            writeln!(out, "  {DIM}{name}: {note}{DIM:#}")?;
        }
    }
    if !s.teach_next.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{BOLD}Teach next{BOLD:#} {DIM}({}){DIM:#}:",
            s.teach_next_rule
        )?;
        let rank_w = width(s.teach_next.iter().map(|t| t.rank.to_string().len() + 1), 2);
        for t in &s.teach_next {
            let title: String = t.title.chars().take(56).collect();
            let cut = if title.len() < t.title.len() {
                "…"
            } else {
                ""
            };
            let rank = if t.tied > 1 {
                format!("={}", t.rank)
            } else {
                t.rank.to_string()
            };
            writeln!(
                out,
                "  {rank:>rank_w$}  {:<7} lacked by {:>3} of {:<3} {title}{cut}",
                t.id, t.lacking, t.of
            )?;
        }
        if let Some(last) = s.teach_next.last()
            && s.teach_next_more_tied > 0
        {
            writeln!(
                out,
                "  {DIM}… and {} more tied at ={} (lacked by {} of {}): see the matrix, or --format csv{DIM:#}",
                s.teach_next_more_tied, last.rank, last.lacking, last.of
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{DIM}Columns:{DIM:#}")?;
    let legend_w = width(
        crate::tutor::cohort::COLUMN_LEGEND
            .iter()
            .map(|(c, _)| c.len()),
        0,
    );
    for (column, meaning) in crate::tutor::cohort::COLUMN_LEGEND {
        writeln!(out, "  {DIM}{column:<legend_w$}  {meaning}{DIM:#}")?;
    }
    if !cohort.skipped.is_empty() {
        writeln!(out)?;
        writeln!(out, "{DIM}Not portfolios, skipped:{DIM:#}")?;
        for skipped in &cohort.skipped {
            writeln!(out, "  {DIM}{}: {}{DIM:#}", skipped.path, skipped.reason)?;
        }
    }
    if s.stale_judgements > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "{} stale judgement{}: run `senco check` on a portfolio to see which.",
            s.stale_judgements,
            plural(s.stale_judgements)
        )?;
    }
    Ok(())
}
