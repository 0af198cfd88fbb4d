using System.Collections.Frozen;
using System.Globalization;
using Humanizer;

namespace OtpService.Core.Rules;

/// <summary>
/// The mail's words per language; English is the seed's. Durations other than English's come from
/// Humanizer's locale resources (plural forms, Arabic's dual, Polish's paucal), one package per
/// language in OtpService.Core.csproj. Hindi (which Humanizer has no package for) and Chinese
/// (whose Humanizer resources write "2 分", not the duration word 分钟) count in CLDR's unit
/// words, which CLDR writes the same for every plural category in these two languages, so no
/// plural rule is written here. Each translation says what the seed's
/// sentence says, in the language's usual words for a one-time code; docs/configuration.md, "Languages".
/// </summary>
public static class MailTexts
{
    /// <summary>One language: its tag, direction, the culture Humanizer's resources are named by (null: not Humanizer's), and its three sentences.</summary>
    private sealed record Words(
        string Locale,
        bool RightToLeft,
        string? Culture,
        Func<string, string> Subject,
        Func<string, string> Intro,
        Func<string, string> Validity);

    // Arguments: Subject and Validity take the lifetime, Intro the app name.
    private static readonly Words[] All =
    [
        new("en", false, null,
            l => $"Your OTP (valid for only {l})!",
            a => $"Use this code to verify your login at {a}",
            l => $"The code is valid for {l}. If you did not ask for it, ignore this mail."),
        new("es", false, "es",
            l => $"¡Tu código de un solo uso (válido solo durante {l})!",
            a => $"Usa este código para verificar tu inicio de sesión en {a}",
            l => $"El código es válido durante {l}. Si no lo has solicitado, ignora este correo."),
        new("fr", false, "fr",
            l => $"Votre code à usage unique (valable seulement {l})\u00a0!",
            a => $"Utilisez ce code pour vérifier votre connexion à {a}",
            l => $"Le code est valable {l}. Si vous ne l’avez pas demandé, ignorez ce message."),
        new("de", false, "de",
            l => $"Ihr Einmalcode (nur {l} gültig)!",
            a => $"Verwenden Sie diesen Code, um Ihre Anmeldung bei {a} zu bestätigen",
            l => $"Der Code ist {l} gültig. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail."),
        new("pt-BR", false, "pt-BR",
            l => $"Seu código de uso único (válido por apenas {l})!",
            a => $"Use este código para verificar seu login em {a}",
            l => $"O código é válido por {l}. Se você não o solicitou, ignore este e-mail."),
        new("it", false, "it",
            l => $"Il tuo codice monouso (valido solo per {l})!",
            a => $"Usa questo codice per verificare il tuo accesso a {a}",
            l => $"Il codice è valido per {l}. Se non l’hai richiesto, ignora questa email."),
        new("nl", false, "nl",
            l => $"Je eenmalige code (slechts {l} geldig)!",
            a => $"Gebruik deze code om je aanmelding bij {a} te verifiëren",
            l => $"De code is {l} geldig. Heb je hem niet aangevraagd, negeer dan deze e-mail."),
        // Polish: "czas ważności to" takes the nominative Humanizer writes ("1 minuta"), where "przez" would need "1 minutę".
        new("pl", false, "pl",
            l => $"Twój kod jednorazowy (czas ważności to tylko {l})!",
            a => $"Użyj tego kodu, aby zweryfikować logowanie w {a}",
            l => $"Czas ważności kodu to {l}. Jeśli nie prosiłeś(-aś) o ten kod, zignoruj tę wiadomość."),
        // Turkish: the app name stands alone, so no case suffix has to agree with it.
        new("tr", false, "tr",
            l => $"Tek kullanımlık kodunuz (yalnızca {l} geçerli)!",
            a => $"{a} oturum açma işleminizi doğrulamak için bu kodu kullanın",
            l => $"Kod {l} geçerlidir. Bu kodu siz istemediyseniz bu e-postayı dikkate almayın."),
        new("ja", false, "ja",
            l => $"ワンタイムパスワード（有効期間はわずか{l}）",
            a => $"{a} へのログインを確認するには、このコードを使用してください",
            l => $"このコードの有効期間は{l}です。お心当たりのない場合は、このメールを無視してください。"),
        new("ko", false, "ko",
            l => $"일회용 비밀번호({l} 동안만 유효)",
            a => $"{a} 로그인을 인증하려면 이 코드를 사용하세요",
            l => $"이 코드는 {l} 동안 유효합니다. 요청하지 않으셨다면 이 메일을 무시하세요."),
        // Chinese writes no space between the number, its unit and the words around it ("2分钟").
        new("zh-Hans", false, null,
            l => $"您的一次性验证码（仅{l}内有效）！",
            a => $"请使用此验证码验证您在 {a} 的登录",
            l => $"验证码有效期为{l}。如果这不是您本人的请求，请忽略此邮件。"),
        new("ar", true, "ar",
            l => $"رمزك لمرة واحدة (صالح لمدة {l} فقط)!",
            a => $"استخدم هذا الرمز للتحقق من تسجيل دخولك إلى {a}",
            l => $"الرمز صالح لمدة {l}. إذا لم تطلبه، فتجاهل هذه الرسالة."),
        // Hebrew: the infinitive "יש להשתמש" addresses the reader without choosing a gender.
        new("he", true, "he",
            l => $"הקוד החד־פעמי שלך (תקף למשך {l} בלבד)!",
            a => $"יש להשתמש בקוד זה כדי לאמת את הכניסה שלך ל־{a}",
            l => $"הקוד תקף למשך {l}. אם לא ביקשת אותו, אפשר להתעלם מהודעה זו."),
        new("hi", false, null,
            l => $"आपका वन-टाइम कोड (केवल {l} के लिए मान्य)!",
            a => $"{a} पर अपने लॉगिन को सत्यापित करने के लिए इस कोड का उपयोग करें",
            l => $"यह कोड {l} के लिए मान्य है। अगर आपने इसका अनुरोध नहीं किया है, तो इस ईमेल को अनदेखा करें।"),
    ];

    /// <summary>
    /// The unit words of the languages whose lifetime is not Humanizer's: CLDR's long forms of
    /// minute and second (cldr-json, units; the same for every count in these languages, as the
    /// browsers' Intl.NumberFormat writes them), with the space CLDR puts between number and word.
    /// </summary>
    private static readonly FrozenDictionary<string, (string Minutes, string Seconds)> InvariantUnits =
        new Dictionary<string, (string, string)>
        {
            ["hi"] = (" मिनट", " सेकंड"),
            ["zh-Hans"] = ("分钟", "秒钟"),
        }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Words> ByLocale = All.ToFrozenDictionary(w => w.Locale, StringComparer.OrdinalIgnoreCase);

    /// <summary>The locales the mail is written in (BCP 47 tags), English first.</summary>
    public static IReadOnlyList<string> Supported { get; } = [.. All.Select(w => w.Locale)];

    /// <summary>True for a locale written right to left (Arabic, Hebrew).</summary>
    public static bool IsRightToLeft(string locale) => ByLocale.TryGetValue(locale, out var words) && words.RightToLeft;

    /// <summary>The words for <paramref name="locale"/>, falling back by language (<see cref="MailLocale.Resolve"/>), then to English; never an error.</summary>
    /// <param name="locale">A BCP 47 tag (RFC 5646), or null for the default.</param>
    /// <param name="appName">The app name the intro names (OTP_APP_NAME).</param>
    /// <param name="lifetimeSeconds">How long the code is valid, in seconds.</param>
    /// <exception cref="CultureNotFoundException">
    /// The process runs in invariant globalization mode without PredefinedCulturesOnly=false, so
    /// Humanizer cannot be given the language's culture (SendOtpEmail and the Native AOT bootstrap set it).
    /// </exception>
    public static MailText For(string? locale, string appName, long lifetimeSeconds)
    {
        var words = ByLocale[MailLocale.Resolve(locale) ?? "en"];
        var lifetime = Lifetime(words, lifetimeSeconds);
        return new MailText(
            words.Locale,
            words.RightToLeft,
            Subject: words.Subject(lifetime),
            Intro: words.Intro(appName),
            Validity: words.Validity(lifetime),
            Lifetime: lifetime);
    }

    /// <summary>"2 mins" for the seed's 120 s; whole minutes where they fit, seconds otherwise.</summary>
    public static string EnglishLifetime(long seconds) => seconds switch
    {
        60 => "1 min",
        _ when seconds % 60 == 0 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60} mins"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds} seconds"),
    };

    /// <summary>The lifetime in the words' language, in the unit English's uses: whole minutes where they fit, seconds otherwise.</summary>
    private static string Lifetime(Words words, long seconds)
    {
        var minutes = seconds % 60 == 0;
        if (words.Culture is null)
        {
            return InvariantUnits.TryGetValue(words.Locale, out var units)
                ? (minutes ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60}{units.Minutes}") : string.Create(CultureInfo.InvariantCulture, $"{seconds}{units.Seconds}"))
                : EnglishLifetime(seconds);
        }

        var unit = minutes ? TimeUnit.Minute : TimeUnit.Second;
        return TimeSpan.FromSeconds(seconds).Humanize(culture: CultureInfo.GetCultureInfo(words.Culture), maxUnit: unit, minUnit: unit);
    }
}
