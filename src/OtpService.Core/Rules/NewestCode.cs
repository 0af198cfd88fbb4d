namespace OtpService.Core.Rules;

/// <summary>
/// What verify reads, in one query: the address record and the code item that sorts newest.
/// <see cref="Code"/> can be older than <see cref="AddressState.Newest"/> for the moment between
/// an issue's two writes (or for good if the second failed): then the newest code cannot verify.
/// </summary>
public sealed record NewestCode(AddressState State, StoredCode? Code);
