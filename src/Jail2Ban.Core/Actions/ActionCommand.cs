namespace Jail2Ban.Core.Actions;

/// <summary>
/// A command exactly as fail2ban would run it: <c>/bin/sh -c Script Args[0] Args[1] ...</c>.
/// When log-derived values had to be protected, <see cref="Script"/> starts with the line
/// <c>f2bV_x=$0 f2bV_y=$1 </c> and the raw values are in <see cref="Args"/> (never in the text).
/// An empty script means "nothing to do" (success without running anything).
/// </summary>
internal sealed record ActionCommand(string Script, IReadOnlyList<string> Args)
{
    public static readonly ActionCommand Empty = new("", []);

    public ActionCommand(string script) : this(script, []) { }

    public bool IsEmpty => Script.Length == 0;

    /// <summary>The argv to execute (argv[0] is the shell).</summary>
    public IReadOnlyList<string> ToArgv(string shell = "/bin/sh") => [shell, "-c", Script, .. Args];

    public bool SameAs(ActionCommand other) => Script == other.Script && Args.SequenceEqual(other.Args);

    public override string ToString() =>
        Args.Count == 0 ? Script : Script + " [" + string.Join(", ", Args.Select(PyText.Repr)) + "]";
}
