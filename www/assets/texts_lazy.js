// The words of rare screens, by group, code and language (kk, ru, en): why a code was
// rejected, the error screens' sentences, and those of screens few people see (a role
// module that did not load, sign-in failures, the dev sign-in, an empty diary). Loaded when such a screen first shows
// (window.ashyqTexts), so they are not part of the first load; the screens say something
// general meanwhile. src/i18n.rs tests that every code has them.
export default {
  "rejected": {
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
  },
  "errors": {
    "host_timeout": {
      "kk": "Қолданба жауап бермеді. Қайталап көріңіз.",
      "ru": "Приложение не ответило. Попробуйте ещё раз.",
      "en": "The host app did not answer. Try again."
    },
    "scan_cancelled": {
      "kk": "Сканерлеу тоқтатылды.",
      "ru": "Сканирование отменено.",
      "en": "Scanning was cancelled."
    },
    "permission_denied": {
      "kk": "Камераға рұқсат берілмеді. Оны қолданба немесе браузер баптауларында қосыңыз, не кодты төменге қойыңыз.",
      "ru": "Нет доступа к камере. Разрешите его в настройках приложения или браузера либо вставьте код ниже.",
      "en": "Camera permission was denied. Allow it in the app's or browser's settings, or paste the code below."
    },
    "no_camera": {
      "kk": "Камера табылмады. Кодты төменге қойыңыз.",
      "ru": "Камера не найдена. Вставьте код ниже.",
      "en": "No camera was found. Paste the code below."
    },
    "camera_in_use": {
      "kk": "Камераны басқа қолданба пайдаланып тұр. Оны жауып, қайталаңыз не кодты төменге қойыңыз.",
      "ru": "Камера занята другим приложением. Закройте его и повторите или вставьте код ниже.",
      "en": "Another app is using the camera. Close it and try again, or paste the code below."
    },
    "scan_unsupported": {
      "kk": "Бұл құрылғыда QR сканері жоқ.",
      "ru": "На этом устройстве нет сканера QR.",
      "en": "This device has no QR scanner."
    },
    "unauthorized": {
      "kk": "Сессия аяқталды. Қайта кіріңіз.",
      "ru": "Сессия истекла. Войдите снова.",
      "en": "Your session ended. Sign in again."
    },
    "code_revoked": {
      "kk": "Бұл постер ауыстырылды — жаңасын сканерлеңіз.",
      "ru": "Этот плакат заменён — отсканируйте новый.",
      "en": "This poster has been replaced — scan the new one."
    },
    "not_your_dependant": {
      "kk": "Тізілімде бұл адам сізге тіркелмеген: оны сізбен бірге тіркеу мүмкін емес.",
      "ru": "По реестру этот человек не связан с вами: отметить его вместе с вами нельзя.",
      "en": "The registry does not link this person to you: they cannot be checked in with you."
    }
  },
  "screens": {
    "roles_failed": {
      "kk": "Бұл бөлім жүктелмеді. Желіні тексеріп, қайталаңыз.",
      "ru": "Этот раздел не загрузился. Проверьте сеть и попробуйте снова.",
      "en": "This section did not load. Check the network and try again."
    },
    "sign_in_needs_host": {
      "kk": "Кіру үшін Ashyq-ты Aitu, Telegram немесе VK ішінде ашыңыз.",
      "ru": "Чтобы войти, откройте Ashyq в Aitu, Telegram или VK.",
      "en": "Signing in needs a host app: open Ashyq inside Aitu, Telegram or VK."
    },
    "sign_in_host_failed": {
      "kk": "Қолданба сіздің жеке басыңызды растамады.",
      "ru": "Приложение не подтвердило вашу личность.",
      "en": "The host app did not confirm who you are."
    },
    "sign_in_demo": {
      "kk": "Әзірлеу режимі: демо азаматты таңдаңыз",
      "ru": "Режим разработки: выберите демо-гражданина",
      "en": "Development mode: choose a demo citizen"
    },
    "by_staff": {
      "kk": "Есіктегі қызметкер SMS-кодыңызбен тіркеді.",
      "ru": "Отмечено сотрудником у входа по коду из вашего SMS.",
      "en": "Checked in by door staff with the code from your SMS."
    },
    "disputed": {
      "kk": "Сіз бұл келуге дау айттыңыз: ол байланыстарды іздеуге қолданылмайды.",
      "ru": "Вы оспорили это посещение: оно не учитывается при поиске контактов.",
      "en": "You disputed this visit: it takes no part in contact tracing."
    },
    "dispute": {
      "kk": "Бұл мен емеспін",
      "ru": "Это был не я",
      "en": "This was not me"
    },
    "diary_empty": {
      "kk": "Соңғы 21 күнде келулер жоқ.",
      "ru": "За 21 день посещений нет.",
      "en": "No visits in the last 21 days."
    }
  }
};
