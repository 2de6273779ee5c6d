//! The role screens' words in Kazakh, Russian and English. The status words, admission
//! reasons and categories say exactly what the visitor's pass says (the app's `src/i18n.rs`):
//! the door and the visitor must read the same word.

use ashyq_core::status::AdmissionReason;
use ashyq_core::venue::Category;
use ashyq_core::Status;

use crate::model::{Notice, Reason};

pub use ashyq_core::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Business,
    Door,
    Close,
    Back,
    Loading,
    NoPremises,
    RegisterPremises,
    Name,
    NameHint,
    Address,
    Category,
    PcrRequired,
    Entrances,
    Register,
    Registering,
    Entrance,
    EntryPoster,
    ExitPoster,
    TableCard,
    PosterLanguage,
    OpenPoster,
    Reissue,
    ReissueConfirm,
    ReissueYes,
    Cancel,
    Staff,
    NoStaff,
    StaffIin,
    Appoint,
    Remove,
    CheckPass,
    CheckNext,
    GuardMode,
    GuardIin,
    GuardSubmit,
    GuardCode,
    GuardCodeHint,
    GuardCheckIn,
    Sending,
    Premises,
    ScanPass,
    Valid,
    Invalid,
    Admitted,
    NotAdmitted,
    IinPartial,
    IinOk,
    NeverShown,
}

pub fn t(l: Lang, k: Key) -> &'static str {
    use Key::*;
    use Lang::*;
    match (k, l) {
        (Business, Kk) => "Бизнес",
        (Business, Ru) => "Бизнес",
        (Business, En) => "Business",
        (Door, Kk) => "Кіреберіс",
        (Door, Ru) => "Вход",
        (Door, En) => "Door",
        (Close, Kk) => "Басты бетке",
        (Close, Ru) => "На главную",
        (Close, En) => "Home",
        (Back, Kk) => "Артқа",
        (Back, Ru) => "Назад",
        (Back, En) => "Back",
        (Loading, Kk) => "Жүктелуде…",
        (Loading, Ru) => "Загрузка…",
        (Loading, En) => "Loading…",
        (NoPremises, Kk) => "Әзірге тіркелген орын жоқ.",
        (NoPremises, Ru) => "Помещений пока нет.",
        (NoPremises, En) => "No premises registered yet.",
        (RegisterPremises, Kk) => "Орынды тіркеу",
        (RegisterPremises, Ru) => "Зарегистрировать помещение",
        (RegisterPremises, En) => "Register premises",
        (Name, Kk) => "Атауы (постерде)",
        (Name, Ru) => "Название (на плакате)",
        (Name, En) => "Name (on the poster)",
        (NameHint, Kk) => "Бос болса — бизнес атауы",
        (NameHint, Ru) => "Если пусто — название бизнеса",
        (NameHint, En) => "Empty: the business name",
        (Address, Kk) => "Мекенжайы",
        (Address, Ru) => "Адрес",
        (Address, En) => "Address",
        (Category, Kk) => "Санаты",
        (Category, Ru) => "Категория",
        (Category, En) => "Category",
        (PcrRequired, Kk) => "Кіру үшін ПТР қажет",
        (PcrRequired, Ru) => "Вход только с ПЦР-тестом",
        (PcrRequired, En) => "A PCR test is required to enter",
        (Entrances, Kk) => "Кіреберістер саны",
        (Entrances, Ru) => "Число входов",
        (Entrances, En) => "Number of entrances",
        (Register, Kk) => "Тіркеу",
        (Register, Ru) => "Зарегистрировать",
        (Register, En) => "Register",
        (Registering, Kk) => "Тіркелуде…",
        (Registering, Ru) => "Регистрация…",
        (Registering, En) => "Registering…",
        (Entrance, Kk) => "Кіреберіс",
        (Entrance, Ru) => "Вход №",
        (Entrance, En) => "Entrance",
        (EntryPoster, Kk) => "Кіру постері",
        (EntryPoster, Ru) => "Плакат входа",
        (EntryPoster, En) => "Entry poster",
        (ExitPoster, Kk) => "Шығу постері",
        (ExitPoster, Ru) => "Плакат выхода",
        (ExitPoster, En) => "Exit poster",
        (TableCard, Kk) => "үстел картасы",
        (TableCard, Ru) => "настольная карточка",
        (TableCard, En) => "table card",
        (PosterLanguage, Kk) => "Постер тілі",
        (PosterLanguage, Ru) => "Язык плаката",
        (PosterLanguage, En) => "Poster language",
        (OpenPoster, Kk) => "Ашу немесе сақтау",
        (OpenPoster, Ru) => "Открыть или сохранить",
        (OpenPoster, En) => "Open or save",
        (Reissue, Kk) => "Кодтарды қайта шығару",
        (Reissue, Ru) => "Перевыпустить коды",
        (Reissue, En) => "Re-issue codes",
        (ReissueConfirm, Kk) => {
            "Бұл кіреберістің ескі постерлері жұмыс істемейді. Жаңаларын басып шығару керек. Жалғастырасыз ба?"
        }
        (ReissueConfirm, Ru) => {
            "Старые плакаты этого входа перестанут работать, нужно распечатать новые. Продолжить?"
        }
        (ReissueConfirm, En) => {
            "The old posters of this entrance will stop working and new ones must be printed. Continue?"
        }
        (ReissueYes, Kk) => "Иә, қайта шығару",
        (ReissueYes, Ru) => "Да, перевыпустить",
        (ReissueYes, En) => "Yes, re-issue",
        (Cancel, Kk) => "Болдырмау",
        (Cancel, Ru) => "Отмена",
        (Cancel, En) => "Cancel",
        (Staff, Kk) => "Кіреберіс қызметкерлері",
        (Staff, Ru) => "Сотрудники на входе",
        (Staff, En) => "Door staff",
        (NoStaff, Kk) => "Қызметкер тағайындалмаған.",
        (NoStaff, Ru) => "Сотрудники не назначены.",
        (NoStaff, En) => "No staff appointed.",
        (StaffIin, Kk) => "Қызметкердің ЖСН-і",
        (StaffIin, Ru) => "ИИН сотрудника",
        (StaffIin, En) => "Staff member's IIN",
        (Appoint, Kk) => "Тағайындау",
        (Appoint, Ru) => "Назначить",
        (Appoint, En) => "Appoint",
        (Remove, Kk) => "Алып тастау",
        (Remove, Ru) => "Убрать",
        (Remove, En) => "Remove",
        (CheckPass, Kk) => "Рұқсатнаманы тексеру",
        (CheckPass, Ru) => "Проверить пропуск",
        (CheckPass, En) => "Check a pass",
        (CheckNext, Kk) => "Келесіні тексеру",
        (CheckNext, Ru) => "Проверить следующий",
        (CheckNext, En) => "Check the next one",
        (GuardMode, Kk) => "Телефонсыз келуші (ЖСН бойынша)",
        (GuardMode, Ru) => "Посетитель без телефона (по ИИН)",
        (GuardMode, En) => "Visitor without a phone (by IIN)",
        (GuardIin, Kk) => "Келушінің ЖСН-і",
        (GuardIin, Ru) => "ИИН посетителя",
        (GuardIin, En) => "Visitor's IIN",
        (GuardSubmit, Kk) => "Келушінің телефонына код жіберу",
        (GuardSubmit, Ru) => "Отправить код на телефон посетителя",
        (GuardSubmit, En) => "Send a code to the visitor's phone",
        (GuardCode, Kk) => "SMS-тегі 6 таңбалы код",
        (GuardCode, Ru) => "6-значный код из SMS",
        (GuardCode, En) => "6-digit code from the SMS",
        (GuardCodeHint, Kk) => "Келушіден телефонына келген кодты сұраңыз. Код 5 минут жарамды.",
        (GuardCodeHint, Ru) => "Попросите посетителя назвать код из SMS. Код действует 5 минут.",
        (GuardCodeHint, En) => "Ask the visitor for the code their phone received. It is valid for 5 minutes.",
        (GuardCheckIn, Kk) => "Тіркеу",
        (GuardCheckIn, Ru) => "Отметить посещение",
        (GuardCheckIn, En) => "Check in",
        (Sending, Kk) => "Жіберілуде…",
        (Sending, Ru) => "Отправка…",
        (Sending, En) => "Sending…",
        (Premises, Kk) => "Орын",
        (Premises, Ru) => "Помещение",
        (Premises, En) => "Premises",
        (ScanPass, Kk) => "Келушінің рұқсатнамасындағы QR-ды сканерлеңіз",
        (ScanPass, Ru) => "Отсканируйте QR с пропуска посетителя",
        (ScanPass, En) => "Scan the QR on the visitor's pass",
        (Valid, Kk) => "Рұқсатнама жарамды",
        (Valid, Ru) => "Пропуск действителен",
        (Valid, En) => "Valid pass",
        (Invalid, Kk) => "Рұқсатнама жарамсыз",
        (Invalid, Ru) => "Пропуск недействителен",
        (Invalid, En) => "Not a valid pass",
        (Admitted, Kk) => "Кіруге болады",
        (Admitted, Ru) => "Вход разрешён",
        (Admitted, En) => "May enter",
        (NotAdmitted, Kk) => "Кіруге болмайды",
        (NotAdmitted, Ru) => "Вход запрещён",
        (NotAdmitted, En) => "May not enter",
        (IinPartial, Kk) => "12 цифр",
        (IinPartial, Ru) => "12 цифр",
        (IinPartial, En) => "12 digits",
        (IinOk, Kk) => "ЖСН дұрыс",
        (IinOk, Ru) => "ИИН верный",
        (IinOk, En) => "The IIN is valid",
        (NeverShown, Kk) => "Толық ЖСН қайта көрсетілмейді.",
        (NeverShown, Ru) => "Полный ИИН больше не показывается.",
        (NeverShown, En) => "The full IIN is never shown back.",
    }
}

/// Why a pass does not let its holder in, in plain words.
pub fn reason(l: Lang, r: Reason) -> &'static str {
    use Lang::*;
    match (r, l) {
        (Reason::Expired, Kk) => {
            "Бұл скриншот болуы мүмкін: келушіден рұқсатнаманы қайта ашуын сұраңыз."
        }
        (Reason::Expired, Ru) => {
            "Возможно, это снимок экрана: попросите посетителя открыть пропуск заново."
        }
        (Reason::Expired, En) => {
            "This may be a screenshot: ask the visitor to open the pass again."
        }
        (Reason::OtherVenue, Kk) => "Бұл рұқсатнама басқа орынға берілген.",
        (Reason::OtherVenue, Ru) => "Этот пропуск выдан для другого места.",
        (Reason::OtherVenue, En) => "This pass is for another venue.",
        (Reason::Forged, Kk) => "Бұл рұқсатнама жалған: оған Ashyq қол қоймаған.",
        (Reason::Forged, Ru) => "Этот пропуск поддельный: он не подписан Ashyq.",
        (Reason::Forged, En) => "This pass is forged: Ashyq did not sign it.",
        (Reason::NotAPass, Kk) => "Бұл Ashyq рұқсатнамасы емес.",
        (Reason::NotAPass, Ru) => "Это не пропуск Ashyq.",
        (Reason::NotAPass, En) => "This is not an Ashyq pass.",
        (Reason::ExitPass, Kk) => "Бұл шығу рұқсатнамасы: келуші кіру кодын сканерлеуі керек.",
        (Reason::ExitPass, Ru) => {
            "Это пропуск на выход: посетитель должен отсканировать код входа."
        }
        (Reason::ExitPass, En) => "This is an exit pass: the visitor must scan the entry code.",
        (Reason::NoKeys, Kk) => "Тексеру кілттері әлі жүктелмеген: бір рет желіге қосылыңыз.",
        (Reason::NoKeys, Ru) => "Ключи проверки ещё не загружены: подключитесь к сети один раз.",
        (Reason::NoKeys, En) => {
            "The checking keys are not loaded yet: connect to the network once."
        }
    }
}

/// A request or scan that failed, in plain words, by its stable code.
pub fn problem(l: Lang, code: &str) -> &'static str {
    use Lang::*;
    match (code, l) {
        ("not_owner", Kk) => "Бұл орын сіздің бизнесіңізге тиесілі емес.",
        ("not_owner", Ru) => "Это помещение не принадлежит вашему бизнесу.",
        ("not_owner", En) => "These premises do not belong to your business.",
        ("not_staff", Kk) => "Сіз бұл орынның қызметкері емессіз.",
        ("not_staff", Ru) => "Вы не назначены сотрудником этого места.",
        ("not_staff", En) => "You are not staff at these premises.",
        ("bad_iin", Kk) | ("iin_invalid", Kk) => "ЖСН дұрыс емес: цифрларды тексеріңіз.",
        ("bad_iin", Ru) | ("iin_invalid", Ru) => "ИИН неверный: проверьте цифры.",
        ("bad_iin", En) | ("iin_invalid", En) => "The IIN is not valid: check the digits.",
        ("presence_not_proven", Kk) => {
            "Код дұрыс емес, мерзімі өткен немесе қолданылған. Жаңа код сұраңыз."
        }
        ("presence_not_proven", Ru) => {
            "Код неверный, истёк или уже использован. Запросите новый код."
        }
        ("presence_not_proven", En) => "The code is wrong, expired or used. Ask for a new code.",
        ("self_appointment", Kk) => "Иесі өзін қызметкер етіп тағайындай алмайды.",
        ("self_appointment", Ru) => "Владелец не может назначить сотрудником себя.",
        ("self_appointment", En) => "An owner cannot appoint themselves as staff.",
        ("guard_mode_off", Kk) => "Телефонсыз тіркеу бұл серверде қосылмаған.",
        ("guard_mode_off", Ru) => "Отметка без телефона на этом сервере не включена.",
        ("guard_mode_off", En) => "Guard mode is not enabled on this server.",
        ("rate_limited", Kk) => "Тым көп сұрау. Бір минуттан кейін қайталаңыз.",
        ("rate_limited", Ru) => "Слишком много запросов. Повторите через минуту.",
        ("rate_limited", En) => "Too many requests. Try again in a minute.",
        ("unauthorized", Kk) => "Сессия аяқталды. Басты бетке оралып, қайта кіріңіз.",
        ("unauthorized", Ru) => "Сессия истекла. Вернитесь на главную и войдите снова.",
        ("unauthorized", En) => "Your session ended. Go home and sign in again.",
        ("network", Kk) => "Желі жоқ. Қосылымды тексеріп, қайталаңыз.",
        ("network", Ru) => "Нет сети. Проверьте подключение и повторите.",
        ("network", En) => "No network. Check the connection and try again.",
        ("timeout", Kk) => "Сервер уақытында жауап бермеді. Қайталаңыз.",
        ("timeout", Ru) => "Сервер не ответил вовремя. Повторите.",
        ("timeout", En) => "The server did not answer in time. Try again.",
        ("scan_cancelled", Kk) => "Сканерлеу тоқтатылды.",
        ("scan_cancelled", Ru) => "Сканирование отменено.",
        ("scan_cancelled", En) => "Scanning was cancelled.",
        ("permission_denied", Kk) => "Камераға рұқсат берілмеді.",
        ("permission_denied", Ru) => "Нет доступа к камере.",
        ("permission_denied", En) => "Camera permission was denied.",
        ("scan_unsupported", Kk) => "Бұл құрылғыда QR сканері жоқ.",
        ("scan_unsupported", Ru) => "На этом устройстве нет сканера QR.",
        ("scan_unsupported", En) => "This device has no QR scanner.",
        ("address_missing", Kk) => "Мекенжайды жазыңыз.",
        ("address_missing", Ru) => "Укажите адрес.",
        ("address_missing", En) => "Enter the address.",
        ("entrances_range", Kk) => "Кіреберістер саны 1-ден 255-ке дейін.",
        ("entrances_range", Ru) => "Число входов — от 1 до 255.",
        ("entrances_range", En) => "The number of entrances is 1 to 255.",
        (_, Kk) => "Сұрау орындалмады. Қайталап көріңіз.",
        (_, Ru) => "Запрос не выполнен. Попробуйте ещё раз.",
        (_, En) => "The request failed. Try again.",
    }
}

pub fn notice(l: Lang, n: Notice) -> &'static str {
    use Lang::*;
    match (n, l) {
        (Notice::Registered, Kk) => "Орын тіркелді. Постерлерді жүктеп алыңыз.",
        (Notice::Registered, Ru) => "Помещение зарегистрировано. Скачайте плакаты.",
        (Notice::Registered, En) => "Premises registered. Download the posters.",
        (Notice::Reissued, Kk) => "Жаңа кодтар шықты: жаңа постерлерді басып шығарыңыз.",
        (Notice::Reissued, Ru) => "Новые коды выпущены: распечатайте новые плакаты.",
        (Notice::Reissued, En) => "New codes issued: print the new posters.",
        (Notice::Appointed, Kk) => "Қызметкер тағайындалды.",
        (Notice::Appointed, Ru) => "Сотрудник назначен.",
        (Notice::Appointed, En) => "Staff member appointed.",
        (Notice::Removed, Kk) => "Қызметкер алынып тасталды.",
        (Notice::Removed, Ru) => "Сотрудник убран.",
        (Notice::Removed, En) => "Staff member removed.",
    }
}

pub fn status_word(l: Lang, s: Status) -> &'static str {
    match (s, l) {
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

pub fn admission_reason(l: Lang, r: AdmissionReason) -> &'static str {
    use AdmissionReason::*;
    match (r, l) {
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

pub fn category(l: Lang, c: Category) -> &'static str {
    use Category::*;
    match (c, l) {
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
