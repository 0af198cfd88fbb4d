using System.Globalization;
using OtpService.Core.Rules;

namespace OtpService.Tests.Support;

/// <summary>
/// How long tests wait where time is not what they test: the CI machine may be at a load average of
/// 40 on 2 cores, where an emulator takes seconds to answer what it answers in milliseconds at rest.
/// One place for all of it, so no test depends on an idle machine. A wait ends as soon as what it
/// waits for happens, so a generous one costs nothing when the test passes; a test whose subject is
/// a time budget sets that budget itself (e.g. OTP_FUNCTION_TIMEOUT_SECONDS=3 against a hanging socket).
/// </summary>
public static class Patience
{
    /// <summary>The functions' timeout under test: AWS's per-attempt caps are lifted too (see <see cref="FunctionEnvironment"/>).</summary>
    public const int FunctionTimeoutSeconds = 120;

    /// <summary>
    /// The longest wait for something that must happen: a mail to arrive, a process to be ready or to
    /// exit, a line of output, an HTTP answer (longer than the local runner's 60 s function timeout,
    /// so its own 503 is seen rather than a client timeout), a browser expectation.
    /// </summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(180);

    /// <summary>
    /// The variables that give the functions under test a budget a loaded machine cannot exhaust:
    /// a 120 s timeout (108 s budget) and no cap below the budget's shares on the AWS clients' timeouts
    /// (a DynamoDB attempt gets 13.5 s instead of at most 2 s). A test may override either.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FunctionEnvironment { get; } = new Dictionary<string, string>
    {
        ["OTP_FUNCTION_TIMEOUT_SECONDS"] = FunctionTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
        ["OTP_AWS_TIMEOUT_CAP_SECONDS"] = FunctionTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The budget <see cref="FunctionEnvironment"/> gives, for clients a test builds itself.</summary>
    public static InvocationBudget Budget { get; } = InvocationBudget.ForTimeout(FunctionTimeoutSeconds, FunctionTimeoutSeconds);

    /// <summary>An HTTP client for talking to emulators and the local runner, with <see cref="Wait"/> as its timeout.</summary>
    public static HttpClient HttpClient() => new() { Timeout = Wait };

    /// <summary><paramref name="environment"/> with <see cref="FunctionEnvironment"/> under it (the caller's values win).</summary>
    public static Dictionary<string, string> Under(IReadOnlyDictionary<string, string>? environment)
    {
        var merged = new Dictionary<string, string>(FunctionEnvironment);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            merged[name] = value;
        }

        return merged;
    }
}
