using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Protocol.Pickle;

/// <summary>
/// Encodes wire values the way CPython's <c>pickle.dumps(value, 5)</c> does for the same data
/// (opcode choice, MEMOIZE after every str/list/tuple/dict/global, one FRAME), so fixtures generated
/// by python3 compare byte for byte. Differences: we never emit memo back-references for repeated
/// objects (Python does when the very same object occurs twice); the Python reader does not care.
/// </summary>
public static class PickleWriter
{
    public const int Protocol = 5;

    public static byte[] Write(object? value)
    {
        var body = new ArrayBufferWriter();
        var memo = 0;
        Save(body, value, ref memo, 0);
        body.Add((byte)'.');
        var payload = body.ToArray();
        var output = new List<byte>(payload.Length + 11) { 0x80, Protocol };
        // CPython frames any pickle body of at least 4 bytes (_FRAME_SIZE_MIN).
        if (payload.Length >= 4)
        {
            output.Add(0x95);
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)payload.Length);
            output.AddRange(len.ToArray());
        }
        output.AddRange(payload);
        return output.ToArray();
    }

    private sealed class ArrayBufferWriter : List<byte>
    {
        public void Add(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
                Add(b);
        }
    }

    private static void Save(ArrayBufferWriter w, object? value, ref int memo, int depth)
    {
        if (depth > 500)
            throw new PickleException("value nesting too deep to pickle");
        switch (value)
        {
            case null: w.Add((byte)'N'); break;
            case bool b: w.Add(b ? (byte)0x88 : (byte)0x89); break;
            case int i: SaveLong(w, i); break;
            case long l: SaveLong(w, l); break;
            case BigInteger bi: SaveBig(w, bi); break;
            case double d: SaveFloat(w, d); break;
            case float f: SaveFloat(w, f); break;
            case string s: SaveString(w, s, ref memo); break;
            case PyTuple t: SaveTuple(w, t.Items, ref memo, depth); break;
            case PyDict d:
                w.Add((byte)'}');
                Memoize(w, ref memo);
                if (d.Count == 1)
                {
                    Save(w, d.Items[0].Key, ref memo, depth + 1);
                    Save(w, d.Items[0].Value, ref memo, depth + 1);
                    w.Add((byte)'s');
                }
                else if (d.Count > 1)
                {
                    // CPython batches SETITEMS by 1000.
                    for (var start = 0; start < d.Count; start += 1000)
                    {
                        var end = Math.Min(d.Count, start + 1000);
                        if (end - start == 1)
                        {
                            Save(w, d.Items[start].Key, ref memo, depth + 1);
                            Save(w, d.Items[start].Value, ref memo, depth + 1);
                            w.Add((byte)'s');
                            continue;
                        }
                        w.Add((byte)'(');
                        for (var i = start; i < end; i++)
                        {
                            Save(w, d.Items[i].Key, ref memo, depth + 1);
                            Save(w, d.Items[i].Value, ref memo, depth + 1);
                        }
                        w.Add((byte)'u');
                    }
                }
                break;
            case PySet set:
                w.Add(0x8f);
                Memoize(w, ref memo);
                if (set.Items.Count > 0)
                {
                    w.Add((byte)'(');
                    foreach (var item in set.Items)
                        Save(w, item, ref memo, depth + 1);
                    w.Add(0x90);
                }
                break;
            case PyException e:
                // save_reduce: class via STACK_GLOBAL, then the args tuple, then REDUCE.
                SaveString(w, e.Module, ref memo);
                SaveString(w, e.Name, ref memo);
                w.Add(0x93);
                Memoize(w, ref memo);
                SaveTuple(w, e.Args, ref memo, depth);
                w.Add((byte)'R');
                Memoize(w, ref memo);
                break;
            case System.Collections.IEnumerable list:
                var items = list.Cast<object?>().ToList();
                w.Add((byte)']');
                Memoize(w, ref memo);
                for (var start = 0; start < items.Count; start += 1000)
                {
                    var end = Math.Min(items.Count, start + 1000);
                    if (end - start == 1)
                    {
                        Save(w, items[start], ref memo, depth + 1);
                        w.Add((byte)'a');
                        continue;
                    }
                    w.Add((byte)'(');
                    for (var i = start; i < end; i++)
                        Save(w, items[i], ref memo, depth + 1);
                    w.Add((byte)'e');
                }
                break;
            default:
                // Domain objects (IPAddress, ...) travel as their string form, as in fail2ban.
                SaveString(w, value.ToString() ?? "", ref memo);
                break;
        }
    }

    private static void Memoize(ArrayBufferWriter w, ref int memo)
    {
        w.Add(0x94);
        memo++;
    }

    private static void SaveTuple(ArrayBufferWriter w, IReadOnlyList<object?> items, ref int memo, int depth)
    {
        if (items.Count == 0)
        {
            w.Add((byte)')');
            return;
        }
        if (items.Count <= 3)
        {
            foreach (var item in items)
                Save(w, item, ref memo, depth + 1);
            w.Add((byte)(0x84 + items.Count));
        }
        else
        {
            w.Add((byte)'(');
            foreach (var item in items)
                Save(w, item, ref memo, depth + 1);
            w.Add((byte)'t');
        }
        Memoize(w, ref memo);
    }

    private static void SaveLong(ArrayBufferWriter w, long v)
    {
        Span<byte> buf = stackalloc byte[4];
        if (v is >= 0 and <= 0xff)
        {
            w.Add((byte)'K');
            w.Add((byte)v);
        }
        else if (v is >= 0 and <= 0xffff)
        {
            w.Add((byte)'M');
            BinaryPrimitives.WriteUInt16LittleEndian(buf, (ushort)v);
            w.Add(buf[..2]);
        }
        else if (v is >= int.MinValue and <= int.MaxValue)
        {
            w.Add((byte)'J');
            BinaryPrimitives.WriteInt32LittleEndian(buf, (int)v);
            w.Add(buf);
        }
        else
        {
            SaveBig(w, v);
        }
    }

    private static void SaveBig(ArrayBufferWriter w, BigInteger v)
    {
        // LONG1: minimal two's-complement little-endian, as encode_long() produces.
        var bytes = v.IsZero ? [] : v.ToByteArray(isUnsigned: false, isBigEndian: false);
        if (bytes.Length > 255)
            throw new PickleException("integer too large to pickle");
        w.Add(0x8a);
        w.Add((byte)bytes.Length);
        w.Add(bytes);
    }

    private static void SaveFloat(ArrayBufferWriter w, double d)
    {
        Span<byte> buf = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(buf, d);
        w.Add((byte)'G');
        w.Add(buf);
    }

    private static void SaveString(ArrayBufferWriter w, string s, ref int memo)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        if (bytes.Length < 256)
        {
            w.Add(0x8c);
            w.Add((byte)bytes.Length);
        }
        else
        {
            Span<byte> len = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)bytes.Length);
            w.Add((byte)'X');
            w.Add(len);
        }
        w.Add(bytes);
        Memoize(w, ref memo);
    }
}
