namespace OtpService.Local.Api;

/// <summary>One API Gateway resource + method and the function behind it (as template.yaml declares them).</summary>
internal sealed record ApiRoute(string Method, string Resource, string Function);
