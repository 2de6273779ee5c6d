// Why a scanned code was rejected, one sentence per error code and language (kk, ru, en).
// Loaded only when the rejected screen is shown (window.ashyqTexts), so these
// words are not part of the first load; src/i18n.rs tests that every code has them.
export default {
  "bad_prefix": {
    "kk": "Бұл QR-код Ashyq коды емес.",
    "ru": "Этот QR-код — не код Ashyq.",
    "en": "This QR code is not an Ashyq code."
  },
  "bad_base64": {
    "kk": "Код бүлінген, оны оқу мүмкін емес. Плакатты қайта сканерлеңіз.",
    "ru": "Код повреждён и не читается. Отсканируйте плакат ещё раз.",
    "en": "The code is damaged and cannot be read. Scan the poster again."
  },
  "bad_signature": {
    "kk": "Код жалған немесе өзгертілген. Ол арқылы тіркелмеңіз, қызметкерлерге хабарлаңыз.",
    "ru": "Код подделан или изменён. Не отмечайтесь по нему и сообщите персоналу.",
    "en": "The code is forged or has been altered. Do not check in with it; tell the staff."
  },
  "unknown_key": {
    "kk": "Кодқа белгісіз тарап қол қойған. Ол жалған болуы мүмкін.",
    "ru": "Код подписан неизвестной стороной. Возможно, он поддельный.",
    "en": "The code is signed by an unknown signer. It may be fake."
  },
  "unsupported_version": {
    "kk": "Код Ashyq-тың жаңа нұсқасына арналған. Қолданбаны жаңартыңыз.",
    "ru": "Код создан для более новой версии Ashyq. Обновите приложение.",
    "en": "The code was made for a newer version of Ashyq. Update the app."
  },
  "missing_field": {
    "kk": "Код толық емес: орын туралы деректер жетіспейді.",
    "ru": "Код неполный: не хватает данных о заведении.",
    "en": "The code is incomplete: venue details are missing."
  },
  "field_out_of_range": {
    "kk": "Кодтағы орын деректері мүмкін емес мәндерге ие.",
    "ru": "В коде невозможные данные о заведении.",
    "en": "The code holds impossible venue details."
  },
  "too_long": {
    "kk": "Код Ashyq коды болу үшін тым ұзын.",
    "ru": "Код слишком длинный для кода Ashyq.",
    "en": "The code is too long to be an Ashyq code."
  },
  "expired": {
    "kk": "Кодтың мерзімі өтіп кеткен.",
    "ru": "Срок действия кода истёк.",
    "en": "The code has expired."
  }
};
