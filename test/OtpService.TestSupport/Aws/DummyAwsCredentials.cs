namespace OtpService.Tests.Support;

public static class DummyAwsCredentials
{
    /// <summary>
    /// The SDK's default credential chain reads the process environment; the emulators check no
    /// signature. Dummy values keep tests from looking for a real profile (and never reach AWS).
    /// Each test assembly calls it from its module initializer (<c>AwsCredentialsSetup</c>).
    /// </summary>
    public static void Set()
    {
        foreach (var (name, value) in new[] { ("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"), ("AWS_REGION", "us-east-1") })
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
