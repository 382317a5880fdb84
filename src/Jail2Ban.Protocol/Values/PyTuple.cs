namespace Jail2Ban.Protocol.Values;

/// <summary>
/// A Python tuple on the wire. fail2ban's replies distinguish tuples from lists (a status line is a
/// 2-tuple, <c>str()</c> prints tuples with parentheses), so the value model keeps them apart.
/// Other wire values are plain CLR objects: <c>null</c> (None), <see cref="string"/>, <see cref="long"/>
/// (int), <see cref="double"/> (float), <see cref="bool"/>, <see cref="List{T}"/> of object (list),
/// <see cref="PyDict"/> (dict), <see cref="PySet"/> (set) and <see cref="PyException"/>.
/// </summary>
public sealed class PyTuple(IReadOnlyList<object?> items) : IEquatable<PyTuple>
{
    public IReadOnlyList<object?> Items { get; } = items;

    public static PyTuple Of(params object?[] items) => new(items);

    public int Count => Items.Count;

    public object? this[int index] => Items[index];

    public bool Equals(PyTuple? other) => other is not null && PyEquality.SequenceEqual(Items, other.Items);

    public override bool Equals(object? obj) => Equals(obj as PyTuple);

    public override int GetHashCode() => Items.Count;

    public override string ToString() => PyRepr.Repr(this);
}

/// <summary>A Python dict: insertion-ordered key/value pairs (keys are normally strings).</summary>
public sealed class PyDict(IReadOnlyList<KeyValuePair<object?, object?>> items) : IEquatable<PyDict>
{
    public IReadOnlyList<KeyValuePair<object?, object?>> Items { get; } = items;

    public int Count => Items.Count;

    public bool Equals(PyDict? other)
    {
        if (other is null || other.Items.Count != Items.Count)
            return false;
        for (var i = 0; i < Items.Count; i++)
        {
            if (!PyEquality.ValueEqual(Items[i].Key, other.Items[i].Key) ||
                !PyEquality.ValueEqual(Items[i].Value, other.Items[i].Value))
                return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as PyDict);

    public override int GetHashCode() => Items.Count;

    public override string ToString() => PyRepr.Repr(this);
}

/// <summary>A Python set (the Python client may send one; it never appears in replies).</summary>
public sealed class PySet(IReadOnlyList<object?> items) : IEquatable<PySet>
{
    public IReadOnlyList<object?> Items { get; } = items;

    public bool Equals(PySet? other) => other is not null && PyEquality.SequenceEqual(Items, other.Items);

    public override bool Equals(object? obj) => Equals(obj as PySet);

    public override int GetHashCode() => Items.Count;

    public override string ToString() => PyRepr.Repr(this);
}

/// <summary>
/// An exception value as fail2ban transmits it: class (module + name) and constructor args.
/// Pickled as <c>STACK_GLOBAL(module, name)</c> + args tuple + <c>REDUCE</c>; the Python client
/// re-creates the class by import, so module/name must be real Python names.
/// </summary>
public sealed record PyException(string Module, string Name, IReadOnlyList<object?> Args)
{
    public const string Fail2BanExceptions = "fail2ban.exceptions";
    public const string Builtins = "builtins";

    public static PyException UnknownJail(string jail) => new(Fail2BanExceptions, "UnknownJailException", [jail]);

    public static PyException DuplicateJail(string jail) => new(Fail2BanExceptions, "DuplicateJailException", [jail]);

    public static PyException Builtin(string name, params object?[] args) => new(Builtins, name, args);

    /// <summary>Python's <c>str(exception)</c>.</summary>
    public string Message => Args.Count switch
    {
        0 => "",
        // KeyError is special in Python: str(KeyError('x')) == "'x'".
        1 when Name == "KeyError" => PyRepr.Repr(Args[0]),
        1 => PyRepr.Str(Args[0]),
        // OSError family with (errno, strerror[, filename]).
        >= 2 when IsOsError && Args[0] is long errno =>
            Args.Count >= 3 && Args[2] is not null
                ? $"[Errno {errno}] {PyRepr.Str(Args[1])}: {PyRepr.Repr(Args[2])}"
                : $"[Errno {errno}] {PyRepr.Str(Args[1])}",
        _ => PyRepr.Repr(new PyTuple(Args)),
    };

    private bool IsOsError => Name is "OSError" or "IOError" or "FileNotFoundError" or "PermissionError"
        or "FileExistsError" or "IsADirectoryError" or "NotADirectoryError";

    public bool Equals(PyException? other) =>
        other is not null && other.Module == Module && other.Name == Name && PyEquality.SequenceEqual(Args, other.Args);

    public override int GetHashCode() => HashCode.Combine(Module, Name, Args.Count);
}

/// <summary>Structural equality of wire values (used by tests and by PyTuple/PyDict).</summary>
public static class PyEquality
{
    public static bool ValueEqual(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (List<object?> x, List<object?> y) => SequenceEqual(x, y),
        (double x, double y) => x.Equals(y),
        _ => a.Equals(b),
    };

    public static bool SequenceEqual(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        if (a.Count != b.Count)
            return false;
        for (var i = 0; i < a.Count; i++)
        {
            if (!ValueEqual(a[i], b[i]))
                return false;
        }
        return true;
    }
}
