using System.Diagnostics;

namespace OtpService.Tests.Deploy;

/// <summary>The process Lambda starts for a function: a program and its arguments.</summary>
/// <param name="FileName">The program.</param>
/// <param name="Arguments">Its arguments, in order.</param>
/// <param name="Form">"executable" (a .dll that speaks the Runtime API), "binary" (a native program that does), or "class-library" (AWS's host loads Assembly::Type::Method).</param>
public sealed record LaunchCommand(string FileName, IReadOnlyList<string> Arguments, string Form)
{
    public override string ToString() => $"{FileName} {string.Join(' ', Arguments)}";
}

/// <summary>
/// How Lambda starts a function, restated in our words from AWS's own code so tests can launch a
/// package exactly that way (the rules, not AWS's script, are what this repository holds):
/// <list type="bullet">
/// <item><c>dotnet10</c>: the runtime runs Libraries/src/Amazon.Lambda.RuntimeSupport/bootstrap.sh
/// (aws/aws-lambda-dotnet) with <c>_HANDLER</c>. A handler with no ':' is an executable assembly:
/// <c>$LAMBDA_TASK_ROOT/&lt;Handler&gt;</c> with ".dll" appended unless it ends so; if that file
/// exists the script runs <c>dotnet exec</c> on it, else if <c>$LAMBDA_TASK_ROOT/&lt;Handler&gt;</c>
/// exists it runs that file itself, else it exits 104. A handler with ':' is a class library:
/// <c>dotnet exec --depsfile $LAMBDA_TASK_ROOT/&lt;Assembly&gt;.deps.json --runtimeconfig
/// $LAMBDA_TASK_ROOT/&lt;Assembly&gt;.runtimeconfig.json /var/runtime/Amazon.Lambda.RuntimeSupport.dll &lt;Handler&gt;</c>.</item>
/// <item><c>provided.al2023</c> (custom runtime): Lambda runs <c>$LAMBDA_TASK_ROOT/bootstrap</c>
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html); <c>_HANDLER</c> is the template's Handler.</item>
/// </list>
/// </summary>
public static class LambdaLaunch
{
    /// <summary>Where AWS's dotnet10 image keeps its RuntimeSupport host (used only by the class-library form).</summary>
    public const string RuntimeSupportPath = "/var/runtime/Amazon.Lambda.RuntimeSupport.dll";

    /// <param name="runtime">The template's Runtime.</param>
    /// <param name="handler">The template's Handler.</param>
    /// <param name="taskRoot">The unzipped package (LAMBDA_TASK_ROOT).</param>
    /// <param name="dotnet">The dotnet host (the image's /var/lang/bin/dotnet; this machine's here).</param>
    /// <exception cref="InvalidOperationException">What bootstrap.sh would stop with (its exit 104), or an unknown runtime.</exception>
    public static LaunchCommand For(string runtime, string handler, string taskRoot, string dotnet)
    {
        switch (runtime)
        {
            case "dotnet10" when !handler.Contains(':', StringComparison.Ordinal):
                var assembly = Path.Combine(taskRoot, handler.EndsWith(".dll", StringComparison.Ordinal) ? handler : $"{handler}.dll");
                var binary = Path.Combine(taskRoot, handler);
                return File.Exists(assembly) ? new LaunchCommand(dotnet, ["exec", assembly], "executable")
                    : File.Exists(binary) ? new LaunchCommand(binary, [], "binary")
                    : throw new InvalidOperationException($"bootstrap.sh: executable assembly {assembly} or binary {binary} not found (exit 104).");
            case "dotnet10":
                var name = handler[..handler.IndexOf(':', StringComparison.Ordinal)];
                return new LaunchCommand(
                    dotnet,
                    ["exec", "--depsfile", Path.Combine(taskRoot, $"{name}.deps.json"), "--runtimeconfig", Path.Combine(taskRoot, $"{name}.runtimeconfig.json"), RuntimeSupportPath, handler],
                    "class-library");
            case "provided.al2023":
                return new LaunchCommand(Path.Combine(taskRoot, "bootstrap"), [], "binary");
            default:
                throw new InvalidOperationException($"Runtime '{runtime}' is neither dotnet10 nor provided.al2023.");
        }
    }

    /// <summary>The dotnet host running these tests (on Lambda: /var/lang/bin/dotnet).</summary>
    public static string Dotnet { get; } = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
        ? path
        : "dotnet";

    /// <summary>
    /// The environment Lambda gives a function's process (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
    /// what bootstrap.sh adds for dotnet10 (AWS_EXECUTION_ENV), then <paramref name="function"/>'s own variables.
    /// </summary>
    public static Dictionary<string, string> EnvironmentFor(PublishedFunction published, string runtimeApi, IReadOnlyDictionary<string, string> function)
    {
        ArgumentNullException.ThrowIfNull(published);
        ArgumentNullException.ThrowIfNull(function);
        var name = $"otp-launch-{published.LogicalId.Replace("Function", "", StringComparison.Ordinal)}";
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_LAMBDA_RUNTIME_API"] = runtimeApi,
            ["_HANDLER"] = published.Handler,
            ["LAMBDA_TASK_ROOT"] = published.ArtifactsDir,
            ["AWS_LAMBDA_FUNCTION_NAME"] = name,
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "512",
            ["AWS_LAMBDA_FUNCTION_VERSION"] = "1",
            ["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand",
            ["AWS_LAMBDA_LOG_GROUP_NAME"] = $"/aws/lambda/{name}",
            ["AWS_LAMBDA_LOG_STREAM_NAME"] = "2026/12/07/[1]0123456789abcdef",
            ["AWS_LAMBDA_LOG_FORMAT"] = "Text",
            ["TZ"] = ":UTC",
        };
        if (published.Runtime == "dotnet10")
        {
            environment["AWS_EXECUTION_ENV"] = "AWS_Lambda_dotnet10";
        }

        foreach (var (key, value) in function)
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>A start info for <paramref name="command"/> with exactly <paramref name="environment"/> (plus PATH and HOME), output redirected.</summary>
    public static ProcessStartInfo StartInfo(LaunchCommand command, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var path = start.Environment["PATH"];
        var home = start.Environment["HOME"];
        start.Environment.Clear();
        start.Environment["PATH"] = path;
        start.Environment["HOME"] = home;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }
}
