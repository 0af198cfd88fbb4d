using OtpService.Core.Rules;
using OtpService.Tests.Integration;
using OtpService.Tests.Support;

namespace OtpService.Tests.Rules;

/// <summary>
/// The store contract on the in-memory store the rule tests and the abuse simulation stand on,
/// issuing in two steps as on dynalite: it must answer as the DynamoDB store does, retries included.
/// </summary>
public sealed class InMemoryOtpStoreContractTests : OtpStoreContract
{
    protected override bool HasTransactions => false;

    protected override Task<(IOtpStore? Store, string? WhyNot)> OpenAsync() =>
        Task.FromResult<(IOtpStore?, string?)>((new InMemoryOtpStore(), null));
}

/// <summary>The store contract on the in-memory store issuing all or nothing, as the DynamoDB store does in AWS and on moto.</summary>
public sealed class InMemoryOtpStoreContractInOneTransactionTests : OtpStoreContract
{
    protected override bool HasTransactions => true;

    protected override Task<(IOtpStore? Store, string? WhyNot)> OpenAsync() =>
        Task.FromResult<(IOtpStore?, string?)>((new InMemoryOtpStore { IssueInOneTransaction = true }, null));
}
