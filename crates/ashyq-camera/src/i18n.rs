//! The viewfinder's words in Kazakh, Russian and English. The app's error screen words the
//! scanner's errors (src/i18n.rs); these are only what the viewfinder itself shows.

pub use ashyq_core::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Title,
    Prompt,
    Torch,
    Photo,
    Close,
    NoCodeInPhoto,
}

pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    use Lang::*;
    match (key, lang) {
        (Title, Kk) => "QR-кодты сканерлеу",
        (Title, Ru) => "Сканирование QR-кода",
        (Title, En) => "Scan the QR code",
        (Prompt, Kk) => "Кіреберістегі Ashyq кодын сканерлеңіз",
        (Prompt, Ru) => "Наведите на код Ashyq у входа",
        (Prompt, En) => "Point at the Ashyq code at the entrance",
        (Torch, Kk) => "Жарық",
        (Torch, Ru) => "Фонарик",
        (Torch, En) => "Light",
        (Photo, Kk) => "Галереядан сурет",
        (Photo, Ru) => "Фото из галереи",
        (Photo, En) => "Photo from gallery",
        (Close, Kk) => "Жабу",
        (Close, Ru) => "Закрыть",
        (Close, En) => "Close",
        (NoCodeInPhoto, Kk) => {
            "Бұл суретте QR-код табылмады. Басқа суретті таңдаңыз немесе камераны жақындатыңыз."
        }
        (NoCodeInPhoto, Ru) => {
            "На этом фото нет QR-кода. Выберите другое или поднесите камеру ближе."
        }
        (NoCodeInPhoto, En) => {
            "No QR code found in this photo. Pick another, or hold the camera closer."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_languages_map_to_ours_and_others_do_not() {
        assert_eq!(Lang::parse("kk"), Some(Lang::Kk));
        assert_eq!(Lang::parse("ru-RU"), Some(Lang::Ru));
        assert_eq!(Lang::parse("EN_gb"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
    }

    #[test]
    fn every_word_differs_between_languages() {
        for k in [
            Key::Title,
            Key::Prompt,
            Key::Photo,
            Key::Close,
            Key::NoCodeInPhoto,
        ] {
            assert_ne!(t(Lang::Kk, k), t(Lang::Ru, k), "{k:?}");
            assert_ne!(t(Lang::Ru, k), t(Lang::En, k), "{k:?}");
        }
    }
}
