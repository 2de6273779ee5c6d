//! The printable poster of one entrance and direction: the venue code as a QR (error
//! correction M) with the premises name, address, entrance, BIN and what to do, in Kazakh,
//! Russian or English, on A4 or as a small table card (A6).
//!
//! Names and addresses of any length stay on the page: each is wrapped at spaces (a word
//! wider than the page is broken), shrunk step by step down to a smallest readable size
//! to fit its lines, and as a last resort cut with "…". Widths are estimated from
//! conservative per-character advances of DejaVu Sans (wider than most sans fonts), and a
//! line estimated near the page width carries `textLength`, so the renderer itself keeps
//! it inside the box whatever font it picks. Every text is XML-escaped.

use ashyq_core::qr::{svg_path, EcLevel, QrError};
use ashyq_core::venue::Direction;

use crate::store::Venue;

/// The poster's language.
pub use ashyq_core::Lang;

/// The paper: A4 for the door, a table card (A6) for a counter or a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    A4,
    Card,
}

impl Size {
    pub const ALL: [Size; 2] = [Size::A4, Size::Card];

    pub fn parse(s: &str) -> Option<Size> {
        Some(match s {
            "a4" => Size::A4,
            "card" => Size::Card,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Size::A4 => "a4",
            Size::Card => "card",
        }
    }
}

struct Labels {
    entry: &'static str,
    exit: &'static str,
    entrance: &'static str,
    bin: &'static str,
    scan: &'static str,
    pcr: &'static str,
}

fn labels(lang: Lang) -> Labels {
    match lang {
        Lang::Kk => Labels {
            entry: "КІРУ",
            exit: "ШЫҒУ",
            entrance: "Кіреберіс",
            bin: "БСН",
            scan: "Ashyq қосымшасында сканерлеңіз",
            pcr: "ПТР-тест қажет",
        },
        Lang::Ru => Labels {
            entry: "ВХОД",
            exit: "ВЫХОД",
            entrance: "Вход",
            bin: "БИН",
            scan: "Отсканируйте в приложении Ashyq",
            pcr: "Нужен ПЦР-тест",
        },
        Lang::En => Labels {
            entry: "ENTRY",
            exit: "EXIT",
            entrance: "Entrance",
            bin: "BIN",
            scan: "Scan with the Ashyq app",
            pcr: "PCR test required",
        },
    }
}

/// Where everything goes on one paper size, in millimetres.
struct Geometry {
    width: f64,
    height: f64,
    margin: f64,
    header: f64,
    title_size: f64,
    name: Block,
    address: Block,
    info_size: f64,
    qr_top: f64,
    qr_size: f64,
    footer_size: f64,
}

/// A block of wrapped text: its first baseline, sizes and most lines.
#[derive(Debug, Clone, Copy)]
pub struct Block {
    pub top: f64,
    pub max_size: f64,
    pub min_size: f64,
    pub max_lines: usize,
    pub bold: bool,
}

fn geometry(size: Size) -> Geometry {
    match size {
        Size::A4 => Geometry {
            width: 210.0,
            height: 297.0,
            margin: 12.0,
            header: 24.0,
            title_size: 11.0,
            name: Block {
                top: 36.0,
                max_size: 9.0,
                min_size: 5.0,
                max_lines: 3,
                bold: true,
            },
            address: Block {
                top: 68.0,
                max_size: 5.5,
                min_size: 3.8,
                max_lines: 3,
                bold: false,
            },
            info_size: 4.5,
            qr_top: 94.0,
            qr_size: 150.0,
            footer_size: 5.5,
        },
        Size::Card => Geometry {
            width: 105.0,
            height: 148.0,
            margin: 6.0,
            header: 13.0,
            title_size: 6.5,
            name: Block {
                top: 19.5,
                max_size: 5.0,
                min_size: 3.0,
                max_lines: 3,
                bold: true,
            },
            address: Block {
                top: 36.0,
                max_size: 3.0,
                min_size: 2.4,
                max_lines: 3,
                bold: false,
            },
            info_size: 2.8,
            qr_top: 50.0,
            qr_size: 78.0,
            footer_size: 3.2,
        },
    }
}

/// The advance of one character in em, for DejaVu Sans (regular), rounded up.
fn advance(c: char) -> f64 {
    match c {
        ' ' => 0.33,
        'i' | 'j' | 'l' | 'I' | 'J' | 'і' | 'ї' | 'І' | 'Ї' | '.' | ',' | ':' | ';' | '!'
        | '\'' | '|' | '«' | '»' | '(' | ')' | '[' | ']' | '-' | '‐' | '"' => 0.42,
        'm' | 'w' | 'M' | 'W' | 'ш' | 'щ' | 'ж' | 'ю' | 'ы' | 'ф' | 'м' | 'Ш' | 'Щ' | 'Ж' | 'Ю'
        | 'Ы' | 'Ф' | 'М' | '—' | '@' | '%' => 1.0,
        c if c.is_ascii_digit() => 0.64,
        c if c.is_uppercase() => 0.78,
        _ => 0.66,
    }
}

/// The estimated width of `text` at `font_size` (mm), bold when `bold`.
pub fn text_width(text: &str, font_size: f64, bold: bool) -> f64 {
    let em: f64 = text.chars().map(advance).sum();
    em * font_size * if bold { 1.12 } else { 1.0 }
}

/// `text` in lines no wider than `width` at `font_size`: words are kept whole where they
/// fit, a word wider than a line is broken between characters.
pub fn wrap(text: &str, width: f64, font_size: f64, bold: bool) -> Vec<String> {
    let fits = |s: &str| text_width(s, font_size, bold) <= width;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if fits(word) {
            line = word.to_owned();
            continue;
        }
        for c in word.chars() {
            let mut next = line.clone();
            next.push(c);
            if !line.is_empty() && !fits(&next) {
                lines.push(std::mem::take(&mut line));
                next = c.to_string();
            }
            line = next;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A block laid out: its font size and lines, each within the width it was given.
#[derive(Debug, Clone, PartialEq)]
pub struct Laid {
    pub font_size: f64,
    pub lines: Vec<String>,
}

/// Lays `text` out in `block` within `width`: the largest size (in steps of 0.25 mm) at
/// which it wraps into `max_lines`; at the smallest size, the lines past the last are cut
/// and the last ends in "…".
pub fn lay_out(text: &str, width: f64, block: &Block) -> Laid {
    let mut size = block.max_size;
    loop {
        let lines = wrap(text, width, size, block.bold);
        if lines.len() <= block.max_lines {
            return Laid {
                font_size: size,
                lines,
            };
        }
        if size - 0.25 < block.min_size {
            let mut lines = lines;
            lines.truncate(block.max_lines);
            if let Some(last) = lines.last_mut() {
                let mut cut: String = last.clone();
                loop {
                    let candidate = format!("{}…", cut.trim_end());
                    if text_width(&candidate, size, block.bold) <= width || cut.is_empty() {
                        *last = candidate;
                        break;
                    }
                    cut.pop();
                }
            }
            return Laid {
                font_size: size,
                lines,
            };
        }
        size -= 0.25;
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// One centred line of text; near the box's width it carries `textLength` so the
/// renderer fits it to the box whatever its font's real widths.
fn line(out: &mut String, g: &Geometry, y: f64, size: f64, bold: bool, text: &str) {
    let box_width = g.width - 2.0 * g.margin;
    let est = text_width(text, size, bold);
    let weight = if bold { " font-weight=\"bold\"" } else { "" };
    let fit = if est > 0.85 * box_width {
        format!(
            " textLength=\"{:.2}\" lengthAdjust=\"spacingAndGlyphs\"",
            est.min(box_width)
        )
    } else {
        String::new()
    };
    out.push_str(&format!(
        "<text x=\"{:.2}\" y=\"{y:.2}\" font-size=\"{size:.2}\"{weight}{fit} text-anchor=\"middle\">{}</text>\n",
        g.width / 2.0,
        escape(text)
    ));
}

/// The name and address blocks as [`svg`] lays them out for `size` (for tests and the
/// owner screens' previews).
pub fn layout(venue: &Venue, size: Size) -> (Laid, Laid, f64) {
    let g = geometry(size);
    let width = g.width - 2.0 * g.margin;
    (
        lay_out(&venue.business_name, width, &g.name),
        lay_out(&venue.address, width, &g.address),
        width,
    )
}

pub fn svg(
    venue: &Venue,
    entrance: u8,
    direction: Direction,
    code_text: &str,
    lang: Lang,
    size: Size,
) -> Result<String, QrError> {
    let qr = svg_path(code_text, EcLevel::M)?;
    let g = geometry(size);
    let l = labels(lang);
    let (title, colour) = match direction {
        Direction::In => (l.entry, "#1b7f3b"),
        Direction::Out => (l.exit, "#b3261e"),
    };
    let (name, address, _) = layout(venue, size);
    let mut out = String::with_capacity(qr.d.len() + 4096);
    out.push_str(&format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}mm\" height=\"{h}mm\" ",
            "viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans, Arial, sans-serif\" ",
            "xml:lang=\"{lang}\">\n",
            "<rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\n",
            "<rect width=\"{w}\" height=\"{header}\" fill=\"{colour}\"/>\n",
            "<text x=\"{cx}\" y=\"{ty:.2}\" font-size=\"{ts}\" font-weight=\"bold\" fill=\"#fff\" ",
            "text-anchor=\"middle\">{title}</text>\n",
        ),
        w = g.width,
        h = g.height,
        lang = lang.code(),
        header = g.header,
        colour = colour,
        cx = g.width / 2.0,
        ty = g.header / 2.0 + g.title_size * 0.36,
        ts = g.title_size,
        title = title,
    ));
    let mut y = g.name.top;
    for text in &name.lines {
        line(&mut out, &g, y, name.font_size, true, text);
        y += name.font_size * 1.2;
    }
    let mut y = g.address.top;
    for text in &address.lines {
        line(&mut out, &g, y, address.font_size, false, text);
        y += address.font_size * 1.25;
    }
    let info = format!("{} {entrance}  ·  {} {}", l.entrance, l.bin, venue.bin);
    line(
        &mut out,
        &g,
        g.qr_top - g.info_size,
        g.info_size,
        false,
        &info,
    );
    let scale = g.qr_size / f64::from(qr.size);
    out.push_str(&format!(
        concat!(
            "<g transform=\"translate({x0:.3} {y0:.3}) scale({scale:.5})\" shape-rendering=\"crispEdges\">",
            "<rect width=\"{m}\" height=\"{m}\" fill=\"#fff\"/>",
            "<path fill=\"#000\" d=\"{d}\"/></g>\n",
        ),
        x0 = (g.width - g.qr_size) / 2.0,
        y0 = g.qr_top,
        scale = scale,
        m = qr.size,
        d = qr.d,
    ));
    let footer = g.qr_top + g.qr_size + g.footer_size * 1.6;
    line(&mut out, &g, footer, g.footer_size, true, l.scan);
    if venue.pcr_required {
        line(
            &mut out,
            &g,
            footer + g.footer_size * 1.5,
            g.footer_size,
            false,
            l.pcr,
        );
    }
    out.push_str("</svg>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
    }

    #[test]
    fn long_words_break_and_blocks_shrink_before_they_cut() {
        let b = Block {
            top: 0.0,
            max_size: 9.0,
            min_size: 5.0,
            max_lines: 3,
            bold: true,
        };
        let word = "Ж".repeat(120);
        let laid = lay_out(&word, 186.0, &b);
        for l in &laid.lines {
            assert!(text_width(l, laid.font_size, true) <= 186.0, "{l}");
        }
        assert!(laid.lines.len() <= 3);
        assert!(laid.font_size >= 5.0);
        let short = lay_out("Аптека", 186.0, &b);
        assert_eq!((short.font_size, short.lines.len()), (9.0, 1));
    }
}
