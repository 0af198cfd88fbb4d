namespace OtpService.Local.Lambda;

/// <summary>A Lambda handler as the managed runtime calls it: the event's JSON in, the response's JSON out.</summary>
internal delegate Task<Stream> LambdaHandler(Stream input);
