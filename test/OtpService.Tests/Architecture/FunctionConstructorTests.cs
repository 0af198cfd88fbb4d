using System.Reflection;
using OtpService.Core.Lambda;
using Xunit;

namespace OtpService.Tests.Architecture;

/// <summary>
/// Each function has exactly two constructors: the one init calls (<see cref="OtpServices"/>: LambdaEntry in
/// Lambda, the local runner locally) and one taking the ready rule; nothing else, so no path exists only for tests.
/// </summary>
public class FunctionConstructorTests
{
    public static TheoryData<string> Functions => new() { "GenerateOtp", "VerifyOtp", "SendOtpEmail" };

    [Theory]
    [MemberData(nameof(Functions))]
    public void AFunction_HasTheInitConstructorAndTheReadyRuleConstructor_Only(string name)
    {
        var type = Assembly.Load(name).GetType($"{name}.Function", throwOnError: true)!;

        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);

        Assert.Equal(2, constructors.Length);
        Assert.Single(constructors, c => c.GetParameters() is [{ ParameterType: var t }] && t == typeof(OtpServices));
        Assert.Single(constructors, c => c.GetParameters().FirstOrDefault()?.ParameterType.Namespace == "OtpService.Core.Rules");
    }
}
