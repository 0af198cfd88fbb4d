namespace OtpService.Tests.Deploy;

/// <summary>Files of the repository the test output was built from (found by walking up to OtpService.sln).</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OtpService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No OtpService.sln above {AppContext.BaseDirectory}.");
    }
}
