namespace OtpService.Core.Lambda;

/// <summary>Reads a value from bytes that are valid only during the call.</summary>
public delegate TResult SpanReader<out TResult>(ReadOnlySpan<byte> bytes);
