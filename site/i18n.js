// The page's language: the first of the browser's languages (navigator.languages) the page is
// written in, by the same rules as the service's mail (docs/configuration.md, "Languages"):
// by language (pt-PT -> pt-BR, zh-CN -> zh-Hans), never Traditional Chinese as Simplified, else
// English. The page sends the language it chose as generate's `locale`, so the mail matches it.
// Only the page's own words are here; the service's answers in words (lib.js) are English.

/** The languages of the page and of the mail, as BCP 47 tags. */
export const LANGUAGES = ['en', 'es', 'fr', 'de', 'pt-BR', 'it', 'nl', 'pl', 'tr', 'ja', 'ko', 'zh-Hans', 'ar', 'he', 'hi'];

const RIGHT_TO_LEFT = new Set(['ar', 'he']);

/** The supported language for one BCP 47 tag, or null (the same lookup as MailLocale.Resolve). */
export function resolveLanguage(tag) {
  const parts = String(tag ?? '').trim().split('-');
  const language = parts[0].toLowerCase();
  if (!/^[a-z]{2,8}$/.test(language)) {
    return null;
  }
  const script = parts.slice(1).find((p) => p.length === 4)?.toLowerCase();
  const region = parts.slice(1).find((p) => p.length === 2)?.toUpperCase();
  if (language === 'zh') {
    return script === 'hant' || (!script && ['TW', 'HK', 'MO'].includes(region)) ? null : 'zh-Hans';
  }
  if (language === 'pt') {
    return 'pt-BR';
  }
  if (language === 'iw') {
    return 'he';
  }
  return LANGUAGES.includes(language) ? language : null;
}

/** The first of `preferred` (e.g. navigator.languages) the page is written in; English when none is. */
export function chooseLanguage(preferred) {
  for (const tag of preferred ?? []) {
    const language = resolveLanguage(tag);
    if (language) {
      return language;
    }
  }
  return 'en';
}

export const isRightToLeft = (language) => RIGHT_TO_LEFT.has(language);

/**
 * A lifetime in `language`'s words and plural form, from the browser's own Intl data:
 * whole minutes where they fit, else seconds (the unit the mail uses).
 */
export function formatLifetime(language, seconds) {
  const minutes = seconds % 60 === 0;
  return new Intl.NumberFormat(language, { style: 'unit', unit: minutes ? 'minute' : 'second', unitDisplay: 'long' })
    .format(minutes ? seconds / 60 : seconds);
}

// Each language's words for the page: the element ids they fill, and the sentences app.js builds.
// {address} and {duration} are filled in by `text`.
const WORDS = {
  en: {
    pageTitle: 'Sign in · Simple Website', title: 'Sign in to Simple Website', 'address-heading': 'Your email address',
    'address-hint': 'We will mail you a code. No password needed.', 'email-label': 'Email address', send: 'Send code',
    'code-heading': 'Enter the code', 'code-label': 'Code from the email', verify: 'Sign in', resend: 'Send a new code',
    'change-address': 'Use a different address', 'done-heading': 'Signed in', 'sign-out': 'Sign out',
    sentTo: 'We sent a code to {address}.', validFor: 'It is valid for {duration}.',
  },
  es: {
    pageTitle: 'Iniciar sesión · Simple Website', title: 'Inicia sesión en Simple Website', 'address-heading': 'Tu dirección de correo electrónico',
    'address-hint': 'Te enviaremos un código por correo. No necesitas contraseña.', 'email-label': 'Correo electrónico', send: 'Enviar código',
    'code-heading': 'Introduce el código', 'code-label': 'Código del correo', verify: 'Iniciar sesión', resend: 'Enviar un código nuevo',
    'change-address': 'Usar otra dirección', 'done-heading': 'Sesión iniciada', 'sign-out': 'Cerrar sesión',
    sentTo: 'Hemos enviado un código a {address}.', validFor: 'Es válido durante {duration}.',
  },
  fr: {
    pageTitle: 'Connexion · Simple Website', title: 'Connectez-vous à Simple Website', 'address-heading': 'Votre adresse e-mail',
    'address-hint': 'Nous vous enverrons un code par e-mail. Aucun mot de passe n’est nécessaire.', 'email-label': 'Adresse e-mail', send: 'Envoyer le code',
    'code-heading': 'Saisissez le code', 'code-label': 'Code reçu par e-mail', verify: 'Se connecter', resend: 'Envoyer un nouveau code',
    'change-address': 'Utiliser une autre adresse', 'done-heading': 'Connexion réussie', 'sign-out': 'Se déconnecter',
    sentTo: 'Nous avons envoyé un code à {address}.', validFor: 'Il est valable {duration}.',
  },
  de: {
    pageTitle: 'Anmelden · Simple Website', title: 'Bei Simple Website anmelden', 'address-heading': 'Ihre E-Mail-Adresse',
    'address-hint': 'Wir senden Ihnen einen Code per E-Mail. Kein Passwort nötig.', 'email-label': 'E-Mail-Adresse', send: 'Code senden',
    'code-heading': 'Code eingeben', 'code-label': 'Code aus der E-Mail', verify: 'Anmelden', resend: 'Neuen Code senden',
    'change-address': 'Andere Adresse verwenden', 'done-heading': 'Angemeldet', 'sign-out': 'Abmelden',
    sentTo: 'Wir haben einen Code an {address} gesendet.', validFor: 'Er ist {duration} gültig.',
  },
  'pt-BR': {
    pageTitle: 'Entrar · Simple Website', title: 'Entre no Simple Website', 'address-heading': 'Seu endereço de e-mail',
    'address-hint': 'Enviaremos um código para o seu e-mail. Não é preciso senha.', 'email-label': 'Endereço de e-mail', send: 'Enviar código',
    'code-heading': 'Digite o código', 'code-label': 'Código do e-mail', verify: 'Entrar', resend: 'Enviar um novo código',
    'change-address': 'Usar outro endereço', 'done-heading': 'Sessão iniciada', 'sign-out': 'Sair',
    sentTo: 'Enviamos um código para {address}.', validFor: 'Ele é válido por {duration}.',
  },
  it: {
    pageTitle: 'Accedi · Simple Website', title: 'Accedi a Simple Website', 'address-heading': 'Il tuo indirizzo email',
    'address-hint': 'Ti invieremo un codice via email. Nessuna password necessaria.', 'email-label': 'Indirizzo email', send: 'Invia codice',
    'code-heading': 'Inserisci il codice', 'code-label': 'Codice ricevuto via email', verify: 'Accedi', resend: 'Invia un nuovo codice',
    'change-address': 'Usa un altro indirizzo', 'done-heading': 'Accesso effettuato', 'sign-out': 'Esci',
    sentTo: 'Abbiamo inviato un codice a {address}.', validFor: 'È valido per {duration}.',
  },
  nl: {
    pageTitle: 'Inloggen · Simple Website', title: 'Inloggen bij Simple Website', 'address-heading': 'Je e-mailadres',
    'address-hint': 'We mailen je een code. Geen wachtwoord nodig.', 'email-label': 'E-mailadres', send: 'Code versturen',
    'code-heading': 'Voer de code in', 'code-label': 'Code uit de e-mail', verify: 'Inloggen', resend: 'Nieuwe code versturen',
    'change-address': 'Ander adres gebruiken', 'done-heading': 'Ingelogd', 'sign-out': 'Uitloggen',
    sentTo: 'We hebben een code gestuurd naar {address}.', validFor: 'Hij is {duration} geldig.',
  },
  pl: {
    pageTitle: 'Logowanie · Simple Website', title: 'Zaloguj się do Simple Website', 'address-heading': 'Twój adres e-mail',
    'address-hint': 'Wyślemy Ci kod e-mailem. Hasło nie jest potrzebne.', 'email-label': 'Adres e-mail', send: 'Wyślij kod',
    'code-heading': 'Wpisz kod', 'code-label': 'Kod z e-maila', verify: 'Zaloguj się', resend: 'Wyślij nowy kod',
    'change-address': 'Użyj innego adresu', 'done-heading': 'Zalogowano', 'sign-out': 'Wyloguj się',
    sentTo: 'Wysłaliśmy kod na adres {address}.', validFor: 'Czas ważności: {duration}.',
  },
  tr: {
    pageTitle: 'Giriş yap · Simple Website', title: 'Simple Website hesabınıza giriş yapın', 'address-heading': 'E-posta adresiniz',
    'address-hint': 'Size e-postayla bir kod göndereceğiz. Şifre gerekmez.', 'email-label': 'E-posta adresi', send: 'Kodu gönder',
    'code-heading': 'Kodu girin', 'code-label': 'E-postadaki kod', verify: 'Giriş yap', resend: 'Yeni kod gönder',
    'change-address': 'Başka bir adres kullan', 'done-heading': 'Giriş yapıldı', 'sign-out': 'Çıkış yap',
    sentTo: '{address} adresine bir kod gönderdik.', validFor: 'Kod {duration} geçerlidir.',
  },
  ja: {
    pageTitle: 'サインイン · Simple Website', title: 'Simple Website にサインイン', 'address-heading': 'メールアドレス',
    'address-hint': 'メールでコードをお送りします。パスワードは不要です。', 'email-label': 'メールアドレス', send: 'コードを送信',
    'code-heading': 'コードを入力', 'code-label': 'メールに記載されたコード', verify: 'サインイン', resend: '新しいコードを送信',
    'change-address': '別のアドレスを使用', 'done-heading': 'サインインしました', 'sign-out': 'サインアウト',
    sentTo: '{address} にコードを送信しました。', validFor: '有効期間は{duration}です。',
  },
  ko: {
    pageTitle: '로그인 · Simple Website', title: 'Simple Website에 로그인', 'address-heading': '이메일 주소',
    'address-hint': '이메일로 코드를 보내 드립니다. 비밀번호는 필요 없습니다.', 'email-label': '이메일 주소', send: '코드 보내기',
    'code-heading': '코드 입력', 'code-label': '이메일로 받은 코드', verify: '로그인', resend: '새 코드 보내기',
    'change-address': '다른 주소 사용', 'done-heading': '로그인됨', 'sign-out': '로그아웃',
    sentTo: '{address}(으)로 코드를 보냈습니다.', validFor: '{duration} 동안 유효합니다.',
  },
  'zh-Hans': {
    pageTitle: '登录 · Simple Website', title: '登录 Simple Website', 'address-heading': '您的电子邮件地址',
    'address-hint': '我们会通过邮件向您发送验证码，无需密码。', 'email-label': '电子邮件地址', send: '发送验证码',
    'code-heading': '输入验证码', 'code-label': '邮件中的验证码', verify: '登录', resend: '重新发送验证码',
    'change-address': '使用其他地址', 'done-heading': '已登录', 'sign-out': '退出登录',
    sentTo: '我们已向 {address} 发送验证码。', validFor: '有效期为 {duration}。',
  },
  ar: {
    pageTitle: 'تسجيل الدخول · Simple Website', title: 'سجّل الدخول إلى Simple Website', 'address-heading': 'عنوان بريدك الإلكتروني',
    'address-hint': 'سنرسل إليك رمزًا عبر البريد الإلكتروني. لا حاجة إلى كلمة مرور.', 'email-label': 'عنوان البريد الإلكتروني', send: 'إرسال الرمز',
    'code-heading': 'أدخل الرمز', 'code-label': 'الرمز الوارد في البريد الإلكتروني', verify: 'تسجيل الدخول', resend: 'إرسال رمز جديد',
    'change-address': 'استخدام عنوان آخر', 'done-heading': 'تم تسجيل الدخول', 'sign-out': 'تسجيل الخروج',
    sentTo: 'أرسلنا رمزًا إلى {address}.', validFor: 'الرمز صالح لمدة {duration}.',
  },
  he: {
    pageTitle: 'כניסה · Simple Website', title: 'כניסה ל־Simple Website', 'address-heading': 'כתובת האימייל שלך',
    'address-hint': 'נשלח אליך קוד באימייל. אין צורך בסיסמה.', 'email-label': 'כתובת אימייל', send: 'שליחת קוד',
    'code-heading': 'הזנת הקוד', 'code-label': 'הקוד מהאימייל', verify: 'כניסה', resend: 'שליחת קוד חדש',
    'change-address': 'שימוש בכתובת אחרת', 'done-heading': 'נכנסת בהצלחה', 'sign-out': 'יציאה',
    sentTo: 'שלחנו קוד אל {address}.', validFor: 'הקוד תקף למשך {duration}.',
  },
  hi: {
    pageTitle: 'साइन इन · Simple Website', title: 'Simple Website में साइन इन करें', 'address-heading': 'आपका ईमेल पता',
    'address-hint': 'हम आपको ईमेल से एक कोड भेजेंगे। पासवर्ड की ज़रूरत नहीं है।', 'email-label': 'ईमेल पता', send: 'कोड भेजें',
    'code-heading': 'कोड दर्ज करें', 'code-label': 'ईमेल में मिला कोड', verify: 'साइन इन करें', resend: 'नया कोड भेजें',
    'change-address': 'कोई दूसरा पता इस्तेमाल करें', 'done-heading': 'साइन इन हो गया', 'sign-out': 'साइन आउट करें',
    sentTo: 'हमने {address} पर एक कोड भेजा है।', validFor: 'यह {duration} के लिए मान्य है।',
  },
};

/** One sentence or label in `language`, its {name} placeholders filled from `values`. */
export function text(language, key, values = {}) {
  const template = (WORDS[language] ?? WORDS.en)[key] ?? WORDS.en[key];
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/** The element ids the page's static words go into (index.html). */
export const STATIC_IDS = [
  'title', 'address-heading', 'address-hint', 'email-label', 'send', 'code-heading', 'code-label', 'verify',
  'resend', 'change-address', 'done-heading', 'sign-out',
];

/** Every language's words, for the test that checks each is complete. */
export const WORD_KEYS = Object.keys(WORDS.en);
export const hasWords = (language) => WORD_KEYS.every((key) => typeof WORDS[language]?.[key] === 'string');
