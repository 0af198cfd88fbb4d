namespace OtpService.Core.Rules;

/// <summary>What <see cref="IOtpStore.TryRecordWrongGuessCountedAsync"/> did.</summary>
/// <param name="Status">Applied, or why nothing was written.</param>
/// <param name="Guesses">When applied: the client's wrong guesses at the code, this one included; else 0.</param>
public readonly record struct GuessCount(CountedWriteStatus Status, int Guesses);
