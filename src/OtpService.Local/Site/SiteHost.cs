using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using OtpService.Core.Rules;

namespace OtpService.Local.Site;

/// <summary>
/// The sign-in page ("Simple Website", the site/ folder as it is) on its own origin,
/// http://127.0.0.1:SITE_PORT, a different origin from the API's port, so the browser makes real
/// cross-origin calls with a CORS preflight, as it does when the page and API Gateway are on
/// different hosts. Same-origin serving would hide a missing CORS header until production.
/// </summary>
internal sealed class SiteHost : IAsyncDisposable
{
    /// <summary>The folder, under the repository root, that holds the page.</summary>
    public const string Folder = "site";

    private readonly WebApplication app;

    private SiteHost(WebApplication app, Uri origin)
    {
        this.app = app;
        Origin = origin;
    }

    /// <summary>The page's origin, e.g. http://127.0.0.1:3001 (no trailing slash when formatted with <see cref="OriginText"/>).</summary>
    public Uri Origin { get; }

    public static string OriginText(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

    /// <summary>The variable template.yaml feeds its <c>CorsAllowedOrigin</c> parameter into.</summary>
    public const string CorsOriginVariable = "OTP_CORS_ALLOWED_ORIGIN";

    /// <summary>
    /// Makes the page's origin the API's allowed browser origin for this run unless the user set
    /// OTP_CORS_ALLOWED_ORIGIN. Call before template.yaml and the functions' settings are read:
    /// the template's <c>CorsAllowedOrigin</c> (the preflight's Allow-Origin) and the functions'
    /// own header follow the variable.
    /// </summary>
    public static void AllowPageOrigin(int sitePort)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(CorsOriginVariable)))
        {
            Environment.SetEnvironmentVariable(CorsOriginVariable, OriginText(sitePort));
        }
    }

    /// <summary>
    /// A note to print when the user's settings keep the page from calling the API: the
    /// preflight's Allow-Origin (<paramref name="preflightOrigin"/>, from template.yaml) or the
    /// functions' <paramref name="functionOrigin"/> (OTP_CORS_ALLOWED_ORIGIN, possibly from
    /// --env-vars) is not the page's origin; null when both are.
    /// </summary>
    public static string? RefusedPageNote(int sitePort, string? preflightOrigin, string? functionOrigin)
    {
        var page = OriginText(sitePort);
        var refused = new[] { ("the preflight (template.yaml's CorsAllowedOrigin)", preflightOrigin), ("the functions' " + CorsOriginVariable, functionOrigin) }
            .Where(o => !string.Equals(o.Item2?.Trim(), page, StringComparison.Ordinal))
            .Select(o => $"{o.Item1} allows {(string.IsNullOrWhiteSpace(o.Item2) ? "no origin" : o.Item2.Trim())}")
            .ToList();
        return refused.Count == 0
            ? null
            : $"The API refuses the sign-in page at {page}: {string.Join("; ", refused)}. Unset {CorsOriginVariable} (and leave it out of --env-vars) to let the runner allow the page.";
    }

    /// <summary>Starts serving <paramref name="siteFolder"/> on 127.0.0.1:<paramref name="port"/>; config.js is written for this run.</summary>
    /// <param name="verifyEnvironment">VerifyOtp's variables (the process environment, or an --env-vars file over it): the token's issuer and audience.</param>
    public static async Task<SiteHost> StartAsync(int port, string siteFolder, Uri api, OtpSettings settings, Func<string, string?> verifyEnvironment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(settings);
        var apiOrigin = api.GetLeftPart(UriPartial.Authority);
        var config = Encoding.UTF8.GetBytes(ConfigScript(apiOrigin, settings, verifyEnvironment));

        var builder = LocalWebHost.CreateBuilder(new WebApplicationOptions { ApplicationName = "OtpService.Local.Site", ContentRootPath = siteFolder, WebRootPath = siteFolder });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        var app = builder.Build();
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            // No inline script or style in the page, so a strict policy holds; the API is the one other origin it talks to.
            headers.ContentSecurityPolicy = $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' {apiOrigin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            // Edits to site/ show on the next reload.
            headers.CacheControl = "no-cache";
            return next(context);
        });
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == "/config.js" && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.ContentType = "text/javascript; charset=utf-8";
                context.Response.ContentLength = config.Length;
                await context.Response.Body.WriteAsync(config, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions { ContentTypeProvider = new FileExtensionContentTypeProvider() });
        app.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new SiteHost(app, new Uri(OriginText(port) + "/"));
    }

    /// <summary>site/config.js with this run's API address and settings (the file in the repo is the one to edit for hosting).</summary>
    internal static string ConfigScript(string apiOrigin, OtpSettings settings, Func<string, string?> verifyEnvironment)
    {
        ArgumentNullException.ThrowIfNull(verifyEnvironment);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("apiBaseUrl", apiOrigin);
            json.WriteNumber("resendCooldownSeconds", settings.ResendCooldownSeconds);
            json.WriteNumber("codeLength", settings.CodeLength);
            json.WriteNull("jwksUrl");
            // The token's iss and aud as VerifyOtp reads them (unset: the API's URL; aud: the issuer).
            WriteOrNull(json, "issuer", verifyEnvironment(Core.Tokens.TokenSettings.IssuerVariable));
            WriteOrNull(json, "audience", verifyEnvironment(Core.Tokens.TokenSettings.AudienceVariable));
            json.WriteEndObject();
        }

        return "// Written by the local runner for this run; site/config.js is the file to edit when hosting the page (docs/site.md).\n"
            + "export default " + Encoding.UTF8.GetString(buffer.ToArray()) + ";\n";
    }

    private static void WriteOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value.Trim());
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
