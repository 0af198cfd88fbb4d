using System.Text;
using OtpService.Core.Lambda;
using Xunit;

namespace OtpService.Tests.Lambda;

public class LambdaJsonTests
{
    private static readonly byte[] Event = Encoding.UTF8.GetBytes("""{"httpMethod":"POST","body":"x"}""");

    /// <summary>A stream that can only be read forward, like a network body.</summary>
    private sealed class ForwardOnly(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    public static TheoryData<string, Func<Stream>> Inputs() => new()
    {
        { "exposed buffer, read from the current position", () => { var s = new MemoryStream(); s.Write("  "u8); s.Write(Event); s.Position = 2; return s; } },
        { "hidden buffer", () => new MemoryStream(Event, writable: false) },
        { "forward only", () => new ForwardOnly(Event) },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task ReadAsync_ReadsTheEventFromEveryKindOfStream(string kind, Func<Stream> input)
    {
        var request = await LambdaJson.ReadAsync(input(), LambdaJsonContext.Default.ApiGatewayRequest, default);

        Assert.True(request is { HttpMethod: "POST", Body: "x" }, kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"httpMethod\": ")]
    [InlineData("[1]")]
    public async Task ReadAsync_GivesNullForWhatIsNotTheEvent(string text)
    {
        Assert.Null(await LambdaJson.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text), writable: false), LambdaJsonContext.Default.ApiGatewayRequest, default));
    }

    [Fact]
    public void Write_GivesAReadableStreamAtTheStart()
    {
        using var output = LambdaJson.Write(new StreamBatchResponse { BatchItemFailures = [new() { ItemIdentifier = "7" }] }, LambdaJsonContext.Default.StreamBatchResponse);

        Assert.Equal("""{"batchItemFailures":[{"itemIdentifier":"7"}]}""", new StreamReader(output).ReadToEnd());
    }
}
