using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using OtpService.Core.Otp;

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

    /// <summary>
    /// The API's allowed browser origin for this run: the page's origin unless the user set
    /// OTP_CORS_ALLOWED_ORIGIN. Call before the functions are built (they read it at start).
    /// Returns a note to print when the user's value keeps the page from calling the API.
    /// </summary>
    public static string? AllowPageOrigin(int sitePort)
    {
        var page = OriginText(sitePort);
        var set = Environment.GetEnvironmentVariable("OTP_CORS_ALLOWED_ORIGIN")?.Trim();
        if (string.IsNullOrEmpty(set))
        {
            Environment.SetEnvironmentVariable("OTP_CORS_ALLOWED_ORIGIN", page);
            return null;
        }

        return string.Equals(set, page, StringComparison.Ordinal)
            ? null
            : $"OTP_CORS_ALLOWED_ORIGIN is {set}: the API refuses the page at {page} (unset it to let the runner allow the page).";
    }

    /// <summary>Starts serving <paramref name="siteFolder"/> on 127.0.0.1:<paramref name="port"/>; config.js is written for this run.</summary>
    public static async Task<SiteHost> StartAsync(int port, string siteFolder, Uri api, OtpSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(settings);
        var apiOrigin = api.GetLeftPart(UriPartial.Authority);
        var config = Encoding.UTF8.GetBytes(ConfigScript(apiOrigin, settings));

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "OtpService.Local.Site", ContentRootPath = siteFolder, WebRootPath = siteFolder });
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
    internal static string ConfigScript(string apiOrigin, OtpSettings settings)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("apiBaseUrl", apiOrigin);
            json.WriteNumber("resendCooldownSeconds", settings.ResendCooldownSeconds);
            json.WriteNumber("codeLength", settings.CodeLength);
            json.WriteNull("jwksUrl");
            // The token's iss and aud as VerifyOtp reads them (unset: the API's URL; aud: the issuer).
            WriteOrNull(json, "issuer", Environment.GetEnvironmentVariable(Core.Tokens.TokenSettings.IssuerVariable));
            WriteOrNull(json, "audience", Environment.GetEnvironmentVariable(Core.Tokens.TokenSettings.AudienceVariable));
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
