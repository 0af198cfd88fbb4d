namespace OtpService.Local.Template;

internal enum CfnNodeKind
{
    Scalar,
    Mapping,
    Sequence,
}
