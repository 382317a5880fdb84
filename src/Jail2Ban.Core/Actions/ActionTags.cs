namespace Jail2Ban.Core.Actions;

/// <summary>Operation names (the option keys of the commands) and other tag-related constants.</summary>
internal static class ActionTags
{
    public const string Start = "actionstart";
    public const string Stop = "actionstop";
    public const string Check = "actioncheck";
    public const string Ban = "actionban";
    public const string Unban = "actionunban";
    public const string Flush = "actionflush";
    public const string Reload = "actionreload";
    public const string Repair = "actionrepair";
    public const string Prolong = "actionprolong";
    public const string Reban = "actionreban";

    public const string FamilyConditionPrefix = "family=";

    /// <summary>Keys such as <c>blocktype?family=inet6</c> (fail2ban: <c>^(\w+)\?(family)=(.*)$</c>).</summary>
    public static bool IsFamilyConditionalKey(string key)
    {
        var q = key.IndexOf("?family=", StringComparison.Ordinal);
        return q > 0 && key[..q].All(c => char.IsLetterOrDigit(c) || c == '_');
    }

    /// <summary>The conditional suffix used for an operation of <paramref name="family"/> ('' = none).</summary>
    public static string Conditional(string family) => family.Length == 0 ? "" : FamilyConditionPrefix + family;
}
