using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Protocol.Pickle;

/// <summary>
/// Decodes the subset of Python pickle (protocols 2–5) that fail2ban-client sends and fail2ban-server
/// replies with. It is a data-only decoder: nothing is ever imported or called. Opcodes that would
/// (GLOBAL, STACK_GLOBAL, REDUCE, BUILD, INST, OBJ, NEWOBJ, EXT*, PERSID, ...) are rejected, except
/// that <see cref="PickleReaderOptions.AllowExceptions"/> turns the exact shape
/// <c>STACK_GLOBAL/GLOBAL + tuple + REDUCE</c> into an inert <see cref="PyException"/> value (used
/// only to read replies of a real fail2ban-server).
/// </summary>
public static class PickleReader
{
    public static object? Read(ReadOnlySpan<byte> data, PickleReaderOptions? options = null)
    {
        try
        {
            return new Machine(options ?? PickleReaderOptions.Default).Run(data);
        }
        catch (Exception e) when (e is OverflowException or FormatException or ArgumentException
                                      or InvalidCastException or InsufficientExecutionStackException)
        {
            // Found by the corruption tests: numeric fields that do not fit, bad text lines, ...
            throw new PickleException("malformed pickle: " + e.Message);
        }
    }

    // A marker on the stack (MARK opcode); a class reference that only REDUCE may consume.
    private sealed class MarkObject
    {
        public static readonly MarkObject Instance = new();
    }

    private sealed record ClassRef(string Module, string Name);

    private ref struct Cursor(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        public int Pos;

        public readonly bool AtEnd => Pos >= _data.Length;

        public byte Byte()
        {
            if (Pos >= _data.Length)
                throw new PickleException("pickle data was truncated");
            return _data[Pos++];
        }

        public ReadOnlySpan<byte> Bytes(long count)
        {
            if (count < 0 || count > _data.Length - Pos)
                throw new PickleException($"pickle data was truncated (needs {count} bytes at offset {Pos})");
            var span = _data.Slice(Pos, (int)count);
            Pos += (int)count;
            return span;
        }

        public string Line()
        {
            var rest = _data[Pos..];
            var nl = rest.IndexOf((byte)'\n');
            if (nl < 0)
                throw new PickleException("pickle data was truncated (missing newline)");
            Pos += nl + 1;
            return Encoding.ASCII.GetString(rest[..nl]);
        }
    }

    private sealed class Machine(PickleReaderOptions options)
    {
        private readonly List<object?> _stack = [];
        private readonly List<int> _marks = [];
        private readonly Dictionary<long, object?> _memo = [];
        private long _elements;

        public object? Run(ReadOnlySpan<byte> data)
        {
            if (data.Length > options.MaxBytes)
                throw new PickleException($"pickle too large ({data.Length} bytes, limit {options.MaxBytes})");
            var c = new Cursor(data);
            while (true)
            {
                var op = c.Byte();
                switch (op)
                {
                    case 0x80: // PROTO
                        var proto = c.Byte();
                        if (proto > 5)
                            throw new PickleException($"unsupported pickle protocol: {proto}");
                        break;
                    case 0x95: // FRAME: 8-byte length, purely advisory for us
                        c.Bytes(8);
                        break;
                    case (byte)'.': // STOP
                        if (_stack.Count != 1 || _marks.Count != 0)
                            throw new PickleException("malformed pickle: unbalanced stack at STOP");
                        var result = _stack[0];
                        if (result is MarkObject or ClassRef)
                            throw new PickleException("malformed pickle: bad result");
                        return Freeze(result);
                    case (byte)'(': // MARK
                        if (_marks.Count >= options.MaxDepth)
                            throw new PickleException("pickle nesting too deep");
                        _marks.Add(_stack.Count);
                        break;
                    case (byte)'N': Push(null); break;
                    case 0x88: Push(true); break;
                    case 0x89: Push(false); break;
                    case (byte)'K': Push((long)c.Byte()); break; // BININT1
                    case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(c.Bytes(2))); break;
                    case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(c.Bytes(4))); break;
                    case 0x8a: // LONG1
                        Push(Long(c.Bytes(c.Byte())));
                        break;
                    case 0x8b: // LONG4
                        var n4 = BinaryPrimitives.ReadInt32LittleEndian(c.Bytes(4));
                        if (n4 < 0 || n4 > 64)
                            throw new PickleException("LONG4 too large");
                        Push(Long(c.Bytes(n4)));
                        break;
                    case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(c.Bytes(8))); break; // BINFLOAT
                    case 0x8c: Push(Utf8(c.Bytes(c.Byte()))); break; // SHORT_BINUNICODE
                    case (byte)'X': Push(Utf8(c.Bytes(BinaryPrimitives.ReadUInt32LittleEndian(c.Bytes(4))))); break;
                    case 0x8d: Push(Utf8(c.Bytes(checked((long)BinaryPrimitives.ReadUInt64LittleEndian(c.Bytes(8)))))); break;
                    case (byte)'U': Push(Latin1(c.Bytes(c.Byte()))); break; // SHORT_BINSTRING (py2 str)
                    case (byte)'T': Push(Latin1(c.Bytes(BinaryPrimitives.ReadInt32LittleEndian(c.Bytes(4))))); break;
                    case (byte)'I': Push(IntLine(c.Line())); break; // INT (protocol 0)
                    case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                    case (byte)')': Push(new PyTuple([])); break; // EMPTY_TUPLE
                    case (byte)'}': Push(new DictBuilder()); break; // EMPTY_DICT
                    case 0x8f: Push(new SetBuilder()); break; // EMPTY_SET
                    case (byte)'l': Push(new List<object?>(PopMark())); break; // LIST
                    case (byte)'t': Push(new PyTuple(PopMark())); break; // TUPLE
                    case 0x85: Push(new PyTuple([Pop()])); break; // TUPLE1
                    case 0x86: { var b = Pop(); var a = Pop(); Push(new PyTuple([a, b])); break; }
                    case 0x87: { var z = Pop(); var y = Pop(); var x = Pop(); Push(new PyTuple([x, y, z])); break; }
                    case (byte)'d': // DICT
                        var dictItems = PopMark();
                        var dict = new DictBuilder();
                        AddPairs(dict, dictItems);
                        Push(dict);
                        break;
                    case (byte)'a': { var v = Pop(); ListAt(Top()).Add(Value(v)); Count(1); break; } // APPEND
                    case (byte)'e': // APPENDS
                    {
                        var items = PopMark();
                        var list = ListAt(Top());
                        foreach (var v in items)
                            list.Add(Value(v));
                        Count(items.Count);
                        break;
                    }
                    case (byte)'s': // SETITEM
                    {
                        var v = Pop();
                        var k = Pop();
                        DictAt(Top()).Add(Value(k), Value(v));
                        Count(1);
                        break;
                    }
                    case (byte)'u': // SETITEMS
                    {
                        var items = PopMark();
                        AddPairs(DictAt(Top()), items);
                        break;
                    }
                    case 0x90: // ADDITEMS
                    {
                        var items = PopMark();
                        if (Top() is not SetBuilder set)
                            throw new PickleException("malformed pickle: ADDITEMS without a set");
                        foreach (var v in items)
                            set.Items.Add(Value(v));
                        Count(items.Count);
                        break;
                    }
                    case 0x91: Push(new PySet(PopMark().Select(Value).ToList())); break; // FROZENSET
                    case 0x94: Memo(_memo.Count); break; // MEMOIZE
                    case (byte)'q': Memo(c.Byte()); break; // BINPUT
                    case (byte)'r': Memo(BinaryPrimitives.ReadUInt32LittleEndian(c.Bytes(4))); break; // LONG_BINPUT
                    case (byte)'p': Memo(long.Parse(c.Line(), System.Globalization.CultureInfo.InvariantCulture)); break; // PUT
                    case (byte)'h': Push(Get(c.Byte())); break; // BINGET
                    case (byte)'j': Push(Get(BinaryPrimitives.ReadUInt32LittleEndian(c.Bytes(4)))); break; // LONG_BINGET
                    case (byte)'g': Push(Get(long.Parse(c.Line(), System.Globalization.CultureInfo.InvariantCulture))); break; // GET
                    case (byte)'0': Pop(); break; // POP
                    case (byte)'1': PopMark(); break; // POP_MARK
                    case (byte)'2': Push(Top()); break; // DUP
                    case 0x93 when options.AllowExceptions: // STACK_GLOBAL
                    {
                        var name = Pop() as string;
                        var module = Pop() as string;
                        if (name is null || module is null)
                            throw new PickleException("malformed pickle: STACK_GLOBAL needs two strings");
                        Push(new ClassRef(module, name));
                        break;
                    }
                    case (byte)'c' when options.AllowExceptions: // GLOBAL
                        Push(new ClassRef(c.Line(), c.Line()));
                        break;
                    case (byte)'R' when options.AllowExceptions: // REDUCE: only class(args) -> inert record
                    {
                        var args = Pop() as PyTuple;
                        if (args is null || Pop() is not ClassRef cls)
                            throw new PickleException("refusing REDUCE: only exception(args) replies are accepted");
                        Push(new PyException(cls.Module, cls.Name, args.Items.Select(Value).ToList()));
                        break;
                    }
                    default:
                        throw new PickleException($"refusing pickle opcode 0x{op:x2} at offset {c.Pos - 1}");
                }
            }
        }

        private void Count(long n)
        {
            _elements += n;
            if (_elements > options.MaxElements)
                throw new PickleException("pickle has too many elements");
        }

        private void Push(object? value)
        {
            if (_stack.Count >= options.MaxElements)
                throw new PickleException("pickle stack too large");
            _stack.Add(value);
        }

        private object? Pop()
        {
            if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count <= _marks[^1]))
                throw new PickleException("malformed pickle: stack underflow");
            var v = _stack[^1];
            _stack.RemoveAt(_stack.Count - 1);
            if (v is MarkObject)
                throw new PickleException("malformed pickle: unexpected mark");
            return v;
        }

        private object? Top()
        {
            if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count <= _marks[^1]))
                throw new PickleException("malformed pickle: stack underflow");
            return _stack[^1];
        }

        private List<object?> PopMark()
        {
            if (_marks.Count == 0)
                throw new PickleException("malformed pickle: missing MARK");
            var at = _marks[^1];
            _marks.RemoveAt(_marks.Count - 1);
            var items = _stack.GetRange(at, _stack.Count - at);
            _stack.RemoveRange(at, _stack.Count - at);
            return items;
        }

        private void Memo(long index)
        {
            if (_memo.Count >= options.MaxElements)
                throw new PickleException("pickle memo too large");
            _memo[index] = Top();
        }

        private object? Get(long index) =>
            _memo.TryGetValue(index, out var v) ? v : throw new PickleException($"malformed pickle: memo key {index} not found");

        private static List<object?> ListAt(object? o) =>
            o as List<object?> ?? throw new PickleException("malformed pickle: APPEND to a non-list");

        private static DictBuilder DictAt(object? o) =>
            o as DictBuilder ?? throw new PickleException("malformed pickle: SETITEM on a non-dict");

        private void AddPairs(DictBuilder dict, List<object?> items)
        {
            if (items.Count % 2 != 0)
                throw new PickleException("malformed pickle: odd number of dict items");
            for (var i = 0; i < items.Count; i += 2)
                dict.Add(Value(items[i]), Value(items[i + 1]));
            Count(items.Count / 2);
        }

        // Containers are built mutably while decoding (a memoized dict may receive SETITEMs later);
        // Value() is applied at STOP through Freeze so results are the public immutable shapes.
        private static object? Value(object? v) => v switch
        {
            MarkObject => throw new PickleException("malformed pickle: unexpected mark"),
            ClassRef => throw new PickleException("refusing a bare class reference"),
            _ => v,
        };

        private static object Long(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length == 0)
                return 0L;
            var big = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
            return big >= long.MinValue && big <= long.MaxValue ? (object)(long)big : big;
        }

        private static object IntLine(string line) => line switch
        {
            "00" => false,
            "01" => true,
            _ => long.TryParse(line, System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out var l)
                ? l
                : throw new PickleException("malformed pickle: bad INT"),
        };

        private static string Utf8(ReadOnlySpan<byte> bytes)
        {
            try
            {
                return new UTF8Encoding(false, true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                // Python's pickle writes surrogateescape'd text as 'surrogatepass'; we simply reject it.
                throw new PickleException("malformed pickle: invalid UTF-8 in string");
            }
        }

        private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
    }

    /// <summary>Mutable dict while decoding; frozen into <see cref="PyDict"/> by <see cref="Freeze"/>.</summary>
    private sealed class DictBuilder
    {
        public readonly List<KeyValuePair<object?, object?>> Items = [];

        public void Add(object? key, object? value)
        {
            // Python semantics: a repeated key overwrites, keeping the first position.
            for (var i = 0; i < Items.Count; i++)
            {
                if (PyEquality.ValueEqual(Items[i].Key, key))
                {
                    Items[i] = new(Items[i].Key, value);
                    return;
                }
            }
            Items.Add(new(key, value));
        }
    }

    private sealed class SetBuilder
    {
        public readonly List<object?> Items = [];
    }

    /// <summary>Replaces decoding-time builders by the public value types, recursively.</summary>
    internal static object? Freeze(object? v, int depth = 0)
    {
        if (depth > 1000)
            throw new PickleException("pickle nesting too deep");
        switch (v)
        {
            case DictBuilder d:
                return new PyDict(d.Items.Select(p => new KeyValuePair<object?, object?>(Freeze(p.Key, depth + 1), Freeze(p.Value, depth + 1))).ToList());
            case SetBuilder s:
                return new PySet(s.Items.Select(x => Freeze(x, depth + 1)).ToList());
            case List<object?> l:
                for (var i = 0; i < l.Count; i++)
                    l[i] = Freeze(l[i], depth + 1);
                return l;
            case PyTuple t when t.Items.Any(x => x is DictBuilder or SetBuilder or List<object?> or PyTuple):
                return new PyTuple(t.Items.Select(x => Freeze(x, depth + 1)).ToList());
            case PySet ps when ps.Items.Any(x => x is PyTuple):
                return new PySet(ps.Items.Select(x => Freeze(x, depth + 1)).ToList());
            case PyException e:
                return e with { Args = e.Args.Select(x => Freeze(x, depth + 1)).ToList() };
            default:
                return v;
        }
    }
}

public sealed record PickleReaderOptions
{
    public static readonly PickleReaderOptions Default = new();

    /// <summary>Largest accepted pickle (a full server-stream of a big configuration is ~1 MB).</summary>
    public int MaxBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Maximum number of stack entries / container elements / memo slots.</summary>
    public int MaxElements { get; init; } = 4 * 1024 * 1024;

    public int MaxDepth { get; init; } = 200;

    /// <summary>Decode <c>class(args)</c> reductions into inert <see cref="PyException"/> values.</summary>
    public bool AllowExceptions { get; init; }
}
