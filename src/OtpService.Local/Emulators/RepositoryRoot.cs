namespace OtpService.Local.Emulators;

/// <summary>Finds the repository root: the nearest folder up from a start folder that holds both OtpService.sln and package.json.</summary>
internal static class RepositoryRoot
{
    /// <summary>
    /// Looks up from the current directory first (<c>dotnet run</c> from the clone), then from the
    /// application's own folder (a built dll run from anywhere, the test host's bin folder).
    /// </summary>
    public static string Find()
    {
        return TryFindFrom(Environment.CurrentDirectory)
            ?? TryFindFrom(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException(
                "Cannot find the repository root (a folder holding OtpService.sln and package.json) above "
                + $"'{Environment.CurrentDirectory}' or '{AppContext.BaseDirectory}'. Run from inside the clone.");
    }

    public static string? TryFindFrom(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OtpService.sln")) && File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
