namespace Jail2Ban.Server;

/// <summary>Version reported by the server.</summary>
public static class ServerInfo
{
    public const string Version = "0.1.0";
}
