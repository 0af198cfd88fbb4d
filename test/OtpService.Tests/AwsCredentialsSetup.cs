using System.Runtime.CompilerServices;
using OtpService.Tests.Support;

namespace OtpService.Tests;

internal static class AwsCredentialsSetup
{
    /// <summary>Before any test of this assembly makes an AWS client: dummy credentials (<see cref="DummyAwsCredentials"/>).</summary>
    [ModuleInitializer]
    internal static void Set() => DummyAwsCredentials.Set();
}
