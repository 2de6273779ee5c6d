//! The app's words in Kazakh, Russian and English. The language comes from `?lang=`, then
//! the host (Telegram `language_code`, VK `vk_language`), then the browser; the user can
//! switch it (`[data-testid=lang]`). Every string is `'static`: no formatting in hot paths.

use ashyq_core::status::AdmissionReason;
use ashyq_core::venue::Category;
use ashyq_core::Status;

pub use ashyq_core::Lang;

/// Every phrase of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    AppName,
    Loading,
    SignInTitle,
    Scan,
    ScanPrompt,
    ScanNotAshyq,
    OpenSettings,
    Scanning,
    CancelScan,
    PasteLabel,
    PasteSubmit,
    OrPaste,
    CheckInTitle,
    CheckInConfirm,
    CheckOutTitle,
    CheckOutConfirm,
    CheckingIn,
    YourStatus,
    Since,
    ValidUntil,
    AsOf,
    OpenEnded,
    StatusUnavailable,
    NotAPass,
    LastKnown,
    Retry,
    RetryingIn,
    Admitted,
    NotAdmitted,
    Entrance,
    DirectionIn,
    DirectionOut,
    VisitClosed,
    PassExpires,
    PassExpired,
    ShowToStaff,
    Done,
    NotVenueCode,
    ErrorTitle,
    Back,
    Diary,
    CancelVisit,
    Cancelled,
    Open,
    Left,
    SignOut,
    MinutesAgo,
    HoursAgo,
    DaysAgo,
    JustNow,
    Business,
    Door,
    WithYou,
}

pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    use Lang::*;
    match (key, lang) {
        (AppName, _) => "Ashyq",
        (Business, Kk) => "Бизнес",
        (Business, Ru) => "Бизнес",
        (Business, En) => "Business",
        (Door, Kk) => "Кіреберіс: рұқсатнаманы тексеру",
        (Door, Ru) => "Вход: проверить пропуск",
        (Door, En) => "Door: check a pass",
        (WithYou, Kk) => "Сізбен бірге кіретіндер",
        (WithYou, Ru) => "Со мной проходят",
        (WithYou, En) => "Checking in with you",
        (Loading, Kk) => "Жүктелуде…",
        (Loading, Ru) => "Загрузка…",
        (Loading, En) => "Loading…",
        (SignInTitle, Kk) => "Кіру",
        (SignInTitle, Ru) => "Вход",
        (SignInTitle, En) => "Sign in",
        (Scan, Kk) => "QR-кодты сканерлеу",
        (Scan, Ru) => "Сканировать QR-код",
        (Scan, En) => "Scan QR code",
        (ScanPrompt, Kk) => "Кіреберістегі Ashyq кодын сканерлеңіз",
        (ScanPrompt, Ru) => "Наведите на код Ashyq у входа",
        (ScanPrompt, En) => "Point at the Ashyq code at the entrance",
        (Scanning, Kk) => "Сканер ашық…",
        (Scanning, Ru) => "Сканер открыт…",
        (Scanning, En) => "Scanner open…",
        (ScanNotAshyq, Kk) => "Бұл Ashyq коды емес. Ashyq плакатына бағыттаңыз",
        (ScanNotAshyq, Ru) => "Это не код Ashyq. Наведите на плакат Ashyq",
        (ScanNotAshyq, En) => "Not an Ashyq code. Point at the Ashyq poster",
        (OpenSettings, Kk) => "Баптауларды ашу",
        (OpenSettings, Ru) => "Открыть настройки",
        (OpenSettings, En) => "Open settings",
        (CancelScan, Kk) => "Болдырмау",
        (CancelScan, Ru) => "Отмена",
        (CancelScan, En) => "Cancel",
        (PasteLabel, Kk) => "Орын кодын қойыңыз",
        (PasteLabel, Ru) => "Вставьте код заведения",
        (PasteLabel, En) => "Paste a venue code",
        (PasteSubmit, Kk) => "Тіркелу",
        (PasteSubmit, Ru) => "Отметиться",
        (PasteSubmit, En) => "Check in",
        (OrPaste, Kk) => "Немесе кодты қойыңыз, не постердегі сілтемені ашыңыз.",
        (OrPaste, Ru) => "Или вставьте код либо откройте ссылку с плаката.",
        (OrPaste, En) => "Or paste the code, or open the poster's link.",
        (CheckInTitle, Kk) => "Осы орынға тіркелу",
        (CheckInTitle, Ru) => "Отметиться в этом месте",
        (CheckInTitle, En) => "Check in here",
        (CheckInConfirm, Kk) => "Тіркелу",
        (CheckInConfirm, Ru) => "Отметиться",
        (CheckInConfirm, En) => "Check in",
        (CheckOutTitle, Kk) => "Осы орыннан шығу",
        (CheckOutTitle, Ru) => "Уход из этого места",
        (CheckOutTitle, En) => "Leaving here",
        (CheckOutConfirm, Kk) => "Шығуды белгілеу",
        (CheckOutConfirm, Ru) => "Отметить уход",
        (CheckOutConfirm, En) => "Check out",
        (CheckingIn, Kk) => "Тіркелуде…",
        (CheckingIn, Ru) => "Регистрация…",
        (CheckingIn, En) => "Checking in…",
        (YourStatus, Kk) => "Сіздің мәртебеңіз",
        (YourStatus, Ru) => "Ваш статус",
        (YourStatus, En) => "Your status",
        (Since, Kk) => "Басталды",
        (Since, Ru) => "С",
        (Since, En) => "Since",
        (ValidUntil, Kk) => "Жарамды",
        (ValidUntil, Ru) => "До",
        (ValidUntil, En) => "Valid until",
        (AsOf, Kk) => "Жаңартылды",
        (AsOf, Ru) => "Обновлено",
        (AsOf, En) => "As of",
        (OpenEnded, Kk) => "мерзімсіз",
        (OpenEnded, Ru) => "бессрочно",
        (OpenEnded, En) => "open-ended",
        (StatusUnavailable, Kk) => "мәртебе қолжетімсіз — бұл рұқсатнама емес",
        (StatusUnavailable, Ru) => "статус недоступен — это не пропуск",
        (StatusUnavailable, En) => "status unavailable — this is not a pass",
        (NotAPass, Kk) => "Есік күзетшісіне бұл экранды көрсетпеңіз.",
        (NotAPass, Ru) => "Не показывайте этот экран на входе.",
        (NotAPass, En) => "Do not show this screen at the door.",
        (LastKnown, Kk) => "Соңғы белгілі мәртебе (тарих, рұқсатнама емес)",
        (LastKnown, Ru) => "Последний известный статус (история, не пропуск)",
        (LastKnown, En) => "Last known status (history, not a pass)",
        (Retry, Kk) => "Қайталау",
        (Retry, Ru) => "Повторить",
        (Retry, En) => "Retry",
        (RetryingIn, Kk) => "Автоматты түрде қайталанады",
        (RetryingIn, Ru) => "Повторим автоматически",
        (RetryingIn, En) => "Retrying automatically",
        (Admitted, Kk) => "Кіруге болады",
        (Admitted, Ru) => "Вход разрешён",
        (Admitted, En) => "May enter",
        (NotAdmitted, Kk) => "Кіруге болмайды",
        (NotAdmitted, Ru) => "Вход запрещён",
        (NotAdmitted, En) => "May not enter",
        (Entrance, Kk) => "Кіреберіс",
        (Entrance, Ru) => "Вход №",
        (Entrance, En) => "Entrance",
        (DirectionIn, Kk) => "Кіру",
        (DirectionIn, Ru) => "Вход",
        (DirectionIn, En) => "Entry",
        (DirectionOut, Kk) => "Шығу",
        (DirectionOut, Ru) => "Выход",
        (DirectionOut, En) => "Exit",
        (VisitClosed, Kk) => "Келу аяқталды. Сау болыңыз!",
        (VisitClosed, Ru) => "Посещение завершено. Всего доброго!",
        (VisitClosed, En) => "Visit closed. Goodbye!",
        (PassExpires, Kk) => "QR жаңартылады",
        (PassExpires, Ru) => "QR обновляется",
        (PassExpires, En) => "QR refreshes",
        (PassExpired, Kk) => "QR мерзімі өтті — бұл скриншот",
        (PassExpired, Ru) => "QR просрочен — это снимок экрана",
        (PassExpired, En) => "QR expired — this is a screenshot",
        (ShowToStaff, Kk) => "Осы экранды кіреберісте көрсетіңіз",
        (ShowToStaff, Ru) => "Покажите этот экран на входе",
        (ShowToStaff, En) => "Show this screen at the door",
        (Done, Kk) => "Дайын",
        (Done, Ru) => "Готово",
        (Done, En) => "Done",
        (NotVenueCode, Kk) => "Бұл Ashyq орын коды емес",
        (NotVenueCode, Ru) => "Это не код заведения Ashyq",
        (NotVenueCode, En) => "This is not an Ashyq venue code",
        (ErrorTitle, Kk) => "Бір нәрсе дұрыс болмады",
        (ErrorTitle, Ru) => "Что-то пошло не так",
        (ErrorTitle, En) => "Something went wrong",
        (Back, Kk) => "Артқа",
        (Back, Ru) => "Назад",
        (Back, En) => "Back",
        (Diary, Kk) => "Келулер күнделігі",
        (Diary, Ru) => "Дневник посещений",
        (Diary, En) => "Visit diary",
        (CancelVisit, Kk) => "Қате тіркелуді болдырмау",
        (CancelVisit, Ru) => "Отменить ошибочную отметку",
        (CancelVisit, En) => "Cancel wrong check-in",
        (Cancelled, Kk) => "болдырылмады",
        (Cancelled, Ru) => "отменено",
        (Cancelled, En) => "cancelled",
        (Open, Kk) => "ішінде",
        (Open, Ru) => "внутри",
        (Open, En) => "inside",
        (Left, Kk) => "шықты",
        (Left, Ru) => "вышли",
        (Left, En) => "left",
        (SignOut, Kk) => "Басқа азамат",
        (SignOut, Ru) => "Другой гражданин",
        (SignOut, En) => "Switch citizen",
        (MinutesAgo, Kk) => "мин бұрын",
        (MinutesAgo, Ru) => "мин назад",
        (MinutesAgo, En) => "min ago",
        (HoursAgo, Kk) => "сағ бұрын",
        (HoursAgo, Ru) => "ч назад",
        (HoursAgo, En) => "h ago",
        (DaysAgo, Kk) => "күн бұрын",
        (DaysAgo, Ru) => "дн назад",
        (DaysAgo, En) => "days ago",
        (JustNow, Kk) => "жаңа ғана",
        (JustNow, Ru) => "только что",
        (JustNow, En) => "just now",
    }
}

/// The status word, always shown next to the colour.
pub fn status_word(lang: Lang, s: Status) -> &'static str {
    match (s, lang) {
        (Status::Red, Lang::Kk) => "ҚЫЗЫЛ",
        (Status::Red, Lang::Ru) => "КРАСНЫЙ",
        (Status::Red, Lang::En) => "RED",
        (Status::Yellow, Lang::Kk) => "САРЫ",
        (Status::Yellow, Lang::Ru) => "ЖЁЛТЫЙ",
        (Status::Yellow, Lang::En) => "YELLOW",
        (Status::Blue, Lang::Kk) => "КӨК",
        (Status::Blue, Lang::Ru) => "СИНИЙ",
        (Status::Blue, Lang::En) => "BLUE",
        (Status::Green, Lang::Kk) => "ЖАСЫЛ",
        (Status::Green, Lang::Ru) => "ЗЕЛЁНЫЙ",
        (Status::Green, Lang::En) => "GREEN",
        (Status::Unknown, Lang::Kk) => "БЕЛГІСІЗ",
        (Status::Unknown, Lang::Ru) => "НЕИЗВЕСТЕН",
        (Status::Unknown, Lang::En) => "UNKNOWN",
    }
}

/// One line on what the status means in general (DESIGN §1).
pub fn status_meaning(lang: Lang, s: Status) -> &'static str {
    match (s, lang) {
        (Status::Red, Lang::Kk) => "Оң ПТР: үйде қатаң оқшаулау",
        (Status::Red, Lang::Ru) => "Положительный ПЦР: строгая домашняя изоляция",
        (Status::Red, Lang::En) => "Positive PCR: strict home isolation",
        (Status::Yellow, Lang::Kk) => "Байланыста болған: тек азық-түлік дүкені мен дәріхана",
        (Status::Yellow, Lang::Ru) => "Контактный: только продукты и аптеки",
        (Status::Yellow, Lang::En) => "Contact of a case: grocery stores and pharmacies only",
        (Status::Blue, Lang::Kk) => "Соңғы растау жоқ: ПТР талап етілмейтін жерлердің бәріне",
        (Status::Blue, Lang::Ru) => "Нет свежих данных: везде, кроме мест с требованием ПЦР",
        (Status::Blue, Lang::En) => {
            "No recent proof: everywhere except venues requiring a PCR test"
        }
        (Status::Green, Lang::Kk) => "Вакцинацияланған, ауырып жазылған немесе теріс ПТР",
        (Status::Green, Lang::Ru) => "Вакцинирован, переболел или отрицательный ПЦР",
        (Status::Green, Lang::En) => "Vaccinated, recovered or fresh negative test",
        (Status::Unknown, Lang::Kk) => "Мәртебені алу мүмкін болмады",
        (Status::Unknown, Lang::Ru) => "Статус не удалось получить",
        (Status::Unknown, Lang::En) => "The status could not be obtained",
    }
}

/// Why a status does or does not admit here.
pub fn reason(lang: Lang, r: AdmissionReason) -> &'static str {
    use AdmissionReason::*;
    match (r, lang) {
        (Isolation, Lang::Kk) => "Қызыл мәртебе: үйде оқшаулану керек.",
        (Isolation, Lang::Ru) => "Красный статус: необходима домашняя изоляция.",
        (Isolation, Lang::En) => "RED status: strict home isolation.",
        (ContactEssentialOnly, Lang::Kk) => {
            "Сары мәртебе: тек азық-түлік дүкендері мен дәріханалар."
        }
        (ContactEssentialOnly, Lang::Ru) => "Жёлтый статус: только продуктовые магазины и аптеки.",
        (ContactEssentialOnly, Lang::En) => "YELLOW status: grocery stores and pharmacies only.",
        (ContactEssentialVenue, Lang::Kk) => {
            "Бұл азық-түлік дүкені немесе дәріхана: сары мәртебемен кіруге болады."
        }
        (ContactEssentialVenue, Lang::Ru) => "Это продукты или аптека: с жёлтым статусом можно.",
        (ContactEssentialVenue, Lang::En) => {
            "A grocery store or pharmacy: allowed with YELLOW status."
        }
        (PcrRequired, Lang::Kk) => "Бұл орын теріс ПТР-ды талап етеді (жасыл мәртебе).",
        (PcrRequired, Lang::Ru) => "Здесь требуется ПЦР-тест (зелёный статус).",
        (PcrRequired, Lang::En) => "This venue requires a PCR test (GREEN status).",
        (Allowed, Lang::Kk) => "Шектеу жоқ.",
        (Allowed, Lang::Ru) => "Ограничений нет.",
        (Allowed, Lang::En) => "No restriction applies.",
        (StatusUnknown, Lang::Kk) => "Мәртебе белгісіз: рұқсатнама жоқ.",
        (StatusUnknown, Lang::Ru) => "Статус неизвестен: пропуска нет.",
        (StatusUnknown, Lang::En) => "Status unknown: no pass.",
    }
}

pub fn category(lang: Lang, c: Category) -> &'static str {
    use Category::*;
    match (c, lang) {
        (Grocery, Lang::Kk) => "Азық-түлік",
        (Grocery, Lang::Ru) => "Продукты",
        (Grocery, Lang::En) => "Grocery",
        (Pharmacy, Lang::Kk) => "Дәріхана",
        (Pharmacy, Lang::Ru) => "Аптека",
        (Pharmacy, Lang::En) => "Pharmacy",
        (Restaurant, Lang::Kk) => "Мейрамхана",
        (Restaurant, Lang::Ru) => "Ресторан",
        (Restaurant, Lang::En) => "Restaurant",
        (Mall, Lang::Kk) => "Сауда орталығы",
        (Mall, Lang::Ru) => "Торговый центр",
        (Mall, Lang::En) => "Mall",
        (Fitness, Lang::Kk) => "Фитнес",
        (Fitness, Lang::Ru) => "Фитнес",
        (Fitness, Lang::En) => "Fitness",
        (Entertainment, Lang::Kk) => "Ойын-сауық",
        (Entertainment, Lang::Ru) => "Развлечения",
        (Entertainment, Lang::En) => "Entertainment",
        (Education, Lang::Kk) => "Білім беру",
        (Education, Lang::Ru) => "Образование",
        (Education, Lang::En) => "Education",
        (Healthcare, Lang::Kk) => "Денсаулық сақтау",
        (Healthcare, Lang::Ru) => "Здравоохранение",
        (Healthcare, Lang::En) => "Healthcare",
        (Government, Lang::Kk) => "Мемлекеттік мекеме",
        (Government, Lang::Ru) => "Госучреждение",
        (Government, Lang::En) => "Government",
        (TransportHub, Lang::Kk) => "Көлік торабы",
        (TransportHub, Lang::Ru) => "Транспортный узел",
        (TransportHub, Lang::En) => "Transport hub",
        (Other, Lang::Kk) => "Басқа",
        (Other, Lang::Ru) => "Другое",
        (Other, Lang::En) => "Other",
    }
}

/// The error screens' general sentence; each error's own one is in the rare texts
/// (`www/assets/texts_lazy.js`, `errors`), shown once they are loaded.
pub fn error_message(lang: Lang) -> &'static str {
    match lang {
        Lang::Kk => "Сұрау орындалмады.",
        Lang::Ru => "Запрос не выполнен.",
        Lang::En => "The request failed.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ashyq_core::codec::CodeError;

    #[test]
    fn tags_pick_a_language() {
        assert_eq!(Lang::parse("ru-RU"), Some(Lang::Ru));
        assert_eq!(Lang::parse("kk"), Some(Lang::Kk));
        assert_eq!(Lang::parse("EN_us"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn the_switch_visits_every_language() {
        let mut l = Lang::Kk;
        let mut seen = Vec::new();
        for _ in 0..3 {
            seen.push(l);
            l = l.next();
        }
        assert_eq!(l, Lang::Kk);
        for x in Lang::ALL {
            assert!(seen.contains(&x));
        }
    }

    /// The rare screens' words, loaded on demand from `www/assets/texts_lazy.js`
    /// (`export default {group: {code: {kk, ru, en}}}`).
    fn rare_texts() -> serde_json::Value {
        let js = include_str!("../www/assets/texts_lazy.js");
        let json = js
            .split_once("export default ")
            .expect("export")
            .1
            .trim_end()
            .trim_end_matches(';');
        serde_json::from_str(json).expect("the texts are JSON")
    }

    #[test]
    fn every_error_screen_has_its_sentence_in_every_language() {
        let texts = rare_texts();
        let errors = &texts["errors"];
        for code in [
            "host_timeout",
            "scan_cancelled",
            "permission_denied",
            "no_camera",
            "camera_in_use",
            "scan_unsupported",
            "unauthorized",
            "code_revoked",
            "not_your_dependant",
        ] {
            for l in Lang::ALL {
                let s = errors[code][l.code()].as_str().unwrap_or_default();
                assert!(s.len() > 10 && !s.contains(code), "{code} {l:?}: {s}");
            }
        }
        for code in [
            "roles_failed",
            "sign_in_needs_host",
            "sign_in_host_failed",
            "sign_in_demo",
            "diary_empty",
            "by_staff",
            "disputed",
            "dispute",
        ] {
            for l in Lang::ALL {
                let s = texts["screens"][code][l.code()]
                    .as_str()
                    .unwrap_or_default();
                assert!(s.len() > 10, "{code} {l:?}");
            }
        }
        assert_eq!(
            errors["code_revoked"]["en"],
            "This poster has been replaced — scan the new one."
        );
    }

    #[test]
    fn every_rejection_has_its_own_sentence_without_the_raw_code() {
        let texts = &rare_texts()["rejected"];
        for l in Lang::ALL {
            let mut seen = Vec::new();
            for e in CodeError::ALL {
                let s = texts[e.code()][l.code()].as_str().expect("a sentence");
                assert!(s.ends_with('.'), "{s}");
                // Codes that are plain words ("expired") may be said; raw codes may not.
                assert!(!e.code().contains('_') || !s.contains(e.code()), "{s}");
                assert!(!seen.contains(&s), "{s} twice");
                seen.push(s);
            }
        }
        let en = |e: CodeError| {
            texts[e.code()]["en"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert!(en(CodeError::BadSignature).contains("forged or has been altered"));
        assert!(en(CodeError::UnknownKey).contains("unknown signer"));
        assert!(en(CodeError::BadPrefix).contains("not an Ashyq code"));
        assert_eq!(
            texts.as_object().map(|o| o.len()),
            Some(CodeError::ALL.len())
        );
    }

    #[test]
    fn unknown_says_it_is_not_a_pass_in_every_language() {
        assert!(t(Lang::En, Key::StatusUnavailable).contains("status unavailable"));
        for l in Lang::ALL {
            assert!(!t(l, Key::StatusUnavailable).is_empty());
            assert_ne!(
                status_word(l, Status::Unknown),
                status_word(l, Status::Green)
            );
        }
    }
}
