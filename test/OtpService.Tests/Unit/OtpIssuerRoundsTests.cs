using OtpService.Core.Otp;
using OtpService.Core.Ports;
using OtpService.Tests.Support;
using Xunit;

namespace OtpService.Tests.Unit;

/// <summary>The issue rounds of one generate are separate writes: each carries its own idempotency token.</summary>
public class OtpIssuerRoundsTests
{
    private const string Address = "rounds@example.com";

    [Fact]
    public async Task Issue_ALaterRoundRefusedByARace_IsNotTakenForTheEarlierRoundsWrite()
    {
        var h = new RuleHarness(new OtpSettings { ResendCooldownSeconds = 0 });
        var issuer = new OtpIssuer(new EarlierRoundAppliedStore(h), h.Settings, h.Clock, h.Tagger);

        var outcome = await issuer.IssueAsync(Address, RuleHarness.Client, default);

        Assert.Equal(GenerateStatus.Sent, outcome.Status);
        // The record's newest code is the one the answer's verification id belongs to.
        var newest = await h.Store.LoadNewestAsync(Address, default);
        Assert.Equal(newest.State.Newest, newest.Code!.ExpiresAt);
        Assert.True(VerificationId.Belongs(outcome.VerificationId!, newest.Code.VerificationIdHash));
    }

    /// <summary>
    /// Round 1's record write applies but the round answers Conflict (as when its code's key was
    /// taken); before round 2's write another client's wrong guess moves the record on, adding its
    /// own token to the record's and keeping round 1's. The race a DynamoDB store allows and the
    /// in-memory store cannot time on its own.
    /// </summary>
    private sealed class EarlierRoundAppliedStore(RuleHarness h) : DelegatingStore(h.Store)
    {
        private int _rounds;

        public override async Task<IssueResult> TryIssueAsync(StoredCode code, AddressState record, long expectedVersion, long recordKeepUntil, long codeKeepUntil, string token, CancellationToken cancellationToken)
        {
            switch (++_rounds)
            {
                case 1:
                    await base.TryIssueAsync(code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, cancellationToken);
                    return IssueResult.Conflict;
                case 2:
                    var newest = h.Store.Record(code.Address).Newest!.Value;
                    Assert.NotNull(await h.Store.TryRecordWrongGuessAsync(code.Address, newest, "cOTHERCLIENT", 5, 15, h.Now, IdempotencyToken.New(), cancellationToken));
                    break;
            }

            return await base.TryIssueAsync(code, record, expectedVersion, recordKeepUntil, codeKeepUntil, token, cancellationToken);
        }
    }
}
