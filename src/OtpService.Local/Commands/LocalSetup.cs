using OtpService.Core.Lambda;
using OtpService.Core.Rules;
using OtpService.Local.Emulators;
using OtpService.Local.Lambda;
using OtpService.Local.Template;

namespace OtpService.Local.Commands;

/// <summary>What both commands read before starting anything: template.yaml, the env-vars file, the settings.</summary>
internal sealed record LocalSetup(
    SamTemplate Template, StreamMapping Mapping, TableDefinition Table, CorsSettings? Cors, FunctionEnvironments Environments, OtpSettings Settings)
{
    public IReadOnlyList<string> Notes => Environments.Notes;

    /// <summary>Reads everything; a problem is reported (naming the file or variable) and gives null.</summary>
    public static async Task<LocalSetup?> ReadAsync(string? envVarsPath, TextWriter errors)
    {
        try
        {
            var template = SamTemplate.Load();
            var environments = FunctionEnvironments.From(envVarsPath, template);
            var settings = ServiceConfiguration.Read(environments.For(LambdaFunctions.GenerateOtp)).Otp;
            return new LocalSetup(template, template.StreamMapping(), template.Table(), template.Cors(), environments, settings);
        }
        catch (InvalidOperationException e)
        {
            await errors.WriteLineAsync($"Configuration error: {e.Message}").ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is IOException or YamlDotNet.Core.YamlException)
        {
            await errors.WriteLineAsync($"Cannot read template.yaml: {e.Message}").ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// Checks that every endpoint the user gave answers as that service; returns what was found
    /// (the SES emulator's kind, what to watch), or null after reporting each one that does not.
    /// </summary>
    public static async Task<ExternalServices?> CheckEndpointsAsync(ServiceEndpoints endpoints, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var problems = new List<string>();
        var watched = new List<(string, Uri)>();
        var others = new List<(string, Uri)>();
        MailStore? mail = null;
        if (endpoints.DynamoDb is { } dynamo)
        {
            if (await ServiceProbe.DynamoDbAnswersAsync(dynamo, cancellationToken).ConfigureAwait(false))
            {
                watched.Add(("DynamoDB", dynamo));
            }
            else
            {
                problems.Add($"--dynamodb-endpoint {dynamo}: nothing answers there as DynamoDB (ListTables).");
            }
        }

        if (endpoints.Ses is { } ses)
        {
            mail = await ServiceProbe.SesAsync(ses, cancellationToken).ConfigureAwait(false);
            if (mail is null)
            {
                problems.Add($"--ses-endpoint {ses}: nothing accepts connections there.");
            }
            else
            {
                watched.Add(("SES", ses));
            }
        }

        foreach (var (name, option, endpoint) in new[] { ("KMS", "--kms-endpoint", endpoints.Kms), ("SecretsMgr", "--secrets-manager-endpoint", endpoints.SecretsManager) })
        {
            if (endpoint is null)
            {
                continue;
            }

            if (await Ports.AcceptsConnectionsAsync(endpoint, cancellationToken).ConfigureAwait(false))
            {
                others.Add((name, endpoint));
            }
            else
            {
                problems.Add($"{option} {endpoint}: nothing accepts connections there.");
            }
        }

        foreach (var problem in problems)
        {
            await errors.WriteLineAsync(problem).ConfigureAwait(false);
        }

        return problems.Count > 0 ? null : new ExternalServices(mail, watched.Distinct().ToList(), others);
    }
}
