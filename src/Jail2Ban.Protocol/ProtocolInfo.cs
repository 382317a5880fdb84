namespace Jail2Ban.Protocol;

/// <summary>Constants of the client/server contract.</summary>
public static class ProtocolInfo
{
    /// <summary>The end-of-frame marker of fail2ban's own wire protocol.</summary>
    public const string FrameEnd = "<F2B_END_COMMAND>";
}
