using System.Text;
using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

public static class TestKeys
{
    /// <summary>The local development key (README); fine in tests, never in a deployment.</summary>
    public const string Development = "local-development-key-not-for-production-use-000000";

    /// <summary>The code derivation under the development key, on <paramref name="clock"/> (the system's when null).</summary>
    public static CodeDerivation Derivation(TimeProvider? clock = null) => Derivations.Fixed(Encoding.UTF8.GetBytes(Development), clock ?? TimeProvider.System);

    /// <summary>The caller pseudonyms under the development client key (what the functions use when no key is configured).</summary>
    public static ClientTagger Tagger() => new(Encoding.UTF8.GetBytes(OtpService.Core.Aws.DevelopmentKeys.ClientKey));
}
