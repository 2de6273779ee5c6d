//! The three languages every screen, poster and message is written in, once for the app,
//! the business app, the camera and the server.

/// Kazakh, Russian or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Kk,
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

    /// `kk`, `ru`, `en`, or a BCP 47 tag starting with one of them (`ru-RU`, `kk_KZ`);
    /// `kz`, the country code people type for Kazakh, is Kazakh. `None` for others.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "kk" | "kz" => Some(Lang::Kk),
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The two-letter code (`kk`, `ru`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// The language the switch button moves to.
    pub fn next(self) -> Lang {
        match self {
            Lang::Kk => Lang::Ru,
            Lang::Ru => Lang::En,
            Lang::En => Lang::Kk,
        }
    }

    /// The language's name in itself, for a language switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Kk => "Қазақша",
            Lang::Ru => "Русский",
            Lang::En => "English",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_their_language_and_codes_read_back() {
        assert_eq!(Lang::parse("ru-RU"), Some(Lang::Ru));
        assert_eq!(Lang::parse(" kk_KZ"), Some(Lang::Kk));
        assert_eq!(Lang::parse("kz"), Some(Lang::Kk));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
        for l in Lang::ALL {
            assert_eq!(Lang::parse(l.code()), Some(l));
            assert_ne!(l.next(), l);
        }
    }
}
