//! The printable A4 poster of one entrance and direction: the venue code as a QR
//! (error correction M) with the business name, address, entrance and direction in
//! Kazakh, Russian and English. Every text is XML-escaped.

use ashyq_core::qr::{svg_path, EcLevel, QrError};
use ashyq_core::venue::Direction;

use crate::store::Venue;

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

pub fn svg(
    venue: &Venue,
    entrance: u8,
    direction: Direction,
    code_text: &str,
) -> Result<String, QrError> {
    let qr = svg_path(code_text, EcLevel::M)?;
    // A4 in millimetres; the QR (with its quiet zone) is 150 mm wide.
    let modules = qr.size;
    let size = 150.0;
    let scale = size / f64::from(modules);
    let (x0, y0) = ((210.0 - size) / 2.0, 62.0);
    let (title, colour) = match direction {
        Direction::In => ("КІРУ · ВХОД · ENTRY", "#1b7f3b"),
        Direction::Out => ("ШЫҒУ · ВЫХОД · EXIT", "#b3261e"),
    };
    let pcr = if venue.pcr_required {
        "<text x=\"105\" y=\"268\" font-size=\"5\" text-anchor=\"middle\">ПТР-тест қажет · Нужен ПЦР-тест · PCR test required</text>"
    } else {
        ""
    };
    Ok(format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" height=\"297mm\" viewBox=\"0 0 210 297\" ",
            "font-family=\"DejaVu Sans, Arial, sans-serif\">\n",
            "<rect width=\"210\" height=\"297\" fill=\"#fff\"/>\n",
            "<rect width=\"210\" height=\"22\" fill=\"{colour}\"/>\n",
            "<text x=\"105\" y=\"15\" font-size=\"10\" font-weight=\"bold\" fill=\"#fff\" text-anchor=\"middle\">{title}</text>\n",
            "<text x=\"105\" y=\"36\" font-size=\"8\" font-weight=\"bold\" text-anchor=\"middle\">{name}</text>\n",
            "<text x=\"105\" y=\"45\" font-size=\"5\" text-anchor=\"middle\">{address}</text>\n",
            "<text x=\"105\" y=\"54\" font-size=\"5\" text-anchor=\"middle\">",
            "Кіреберіс · Вход · Entrance {entrance}  ·  БСН · БИН · BIN {bin}</text>\n",
            "<g transform=\"translate({x0} {y0}) scale({scale})\" shape-rendering=\"crispEdges\">",
            "<rect width=\"{modules}\" height=\"{modules}\" fill=\"#fff\"/>",
            "<path fill=\"#000\" d=\"{path}\"/></g>\n",
            "<text x=\"105\" y=\"232\" font-size=\"5.5\" text-anchor=\"middle\">Ashyq қосымшасында сканерлеңіз</text>\n",
            "<text x=\"105\" y=\"241\" font-size=\"5.5\" text-anchor=\"middle\">Отсканируйте в приложении Ashyq</text>\n",
            "<text x=\"105\" y=\"250\" font-size=\"5.5\" text-anchor=\"middle\">Scan with the Ashyq app</text>\n",
            "{pcr}\n",
            "</svg>\n"
        ),
        colour = colour,
        title = title,
        name = escape(&venue.business_name),
        address = escape(&venue.address),
        entrance = entrance,
        bin = escape(&venue.bin),
        x0 = x0,
        y0 = y0,
        scale = scale,
        modules = modules,
        path = qr.d,
        pcr = pcr,
    ))
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
}
