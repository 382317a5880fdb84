using System.Text;
using Jail2Ban.Protocol.Pickle;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Protocol.Tests.Pickle;

/// <summary>The decoder faces whatever a local user writes to the socket: it must fail cleanly.</summary>
public sealed class PickleHostileInputTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static TheoryData<string, string> Hostile() => new()
    {
        // os.system('id') the classic way: GLOBAL + REDUCE
        { "global_reduce", "80 02 63 6f730a73797374656d0a 71 00 58 02000000 6964 85 52 2e" },
        // STACK_GLOBAL builtins.eval
        { "stack_global", "80 04 8c 08 6275696c74696e73 8c 04 6576616c 93 8c 01 31 85 52 2e" },
        { "build", "80 02 7d 7d 62 2e" },
        { "inst", "28 69 6f730a73797374656d0a 2e" },
        { "obj", "80 02 28 4e 6f 2e" },
        { "newobj", "80 02 4e 29 81 2e" },
        { "persid", "50 310a 2e" },
        { "binpersid", "80 02 4e 51 2e" },
        { "ext1", "80 02 82 01 2e" },
        { "bytearray8", "80 05 96 0100000000000000 41 2e" },
        { "next_buffer", "80 05 97 2e" },
        { "protocol6", "80 06 4e 2e" },
        { "string_opcode", "53 27 6162270a 2e" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void RefusesCodeExecutionAndUnknownOpcodes(string name, string hex)
    {
        _ = name;
        Assert.Throws<PickleException>(() => PickleReader.Read(Hex(hex)));
    }

    [Fact]
    public void ExceptionModeStillRefusesReduceOfNonClass()
    {
        // REDUCE applied to something that is not a class reference (e.g. a list) is refused.
        Assert.Throws<PickleException>(() => PickleReader.Read(Hex("80 04 5d 29 52 2e"), new PickleReaderOptions { AllowExceptions = true }));
    }

    public static TheoryData<string, string> Malformed() => new()
    {
        { "huge_binunicode", "80 04 58 ffffffff 41 2e" },
        { "huge_binunicode8", "80 04 8d ffffffffffffff7f 41 2e" },
        { "huge_short", "80 04 8c ff 41 2e" },
        { "empty", "" },
        { "no_stop", "80 04 4e" },
        { "stop_empty_stack", "80 04 2e" },
        { "two_results", "80 04 4e 4e 2e" },
        { "append_to_int", "80 04 4b 01 4b 02 61 2e" },
        { "setitem_on_list", "80 04 5d 4b 01 4b 02 73 2e" },
        { "missing_mark", "80 04 5d 65 2e" },
        { "unbalanced_mark", "80 04 28 4e 2e" },
        { "memo_miss", "80 04 68 05 2e" },
        { "pop_empty", "80 04 30 2e" },
        { "odd_dict", "80 04 28 4b 01 64 2e" },
        { "bad_utf8", "80 04 8c 02 c3 28 2e" },
        { "tuple2_underflow", "80 04 4e 86 2e" },
        { "mark_as_item", "80 04 5d 28 61 2e" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void RejectsMalformedPickles(string name, string hex)
    {
        _ = name;
        Assert.Throws<PickleException>(() => PickleReader.Read(Hex(hex)));
    }

    [Fact]
    public void RejectsDeepNesting()
    {
        var data = new List<byte> { 0x80, 0x04 };
        data.AddRange(Enumerable.Repeat((byte)'(', 10_000));
        data.Add((byte)'.');
        Assert.Throws<PickleException>(() => PickleReader.Read(data.ToArray()));
    }

    [Fact]
    public void RejectsSelfReferencingListWithoutStackOverflow()
    {
        // l = []; l.append(l)  ->  EMPTY_LIST MEMOIZE BINGET 0 APPEND STOP
        var e = Assert.Throws<PickleException>(() => PickleReader.Read(Hex("80 04 5d 94 68 00 61 2e")));
        Assert.Contains("deep", e.Message);
    }

    [Fact]
    public void RejectsOversizedInput()
    {
        var options = new PickleReaderOptions { MaxBytes = 64 };
        Assert.Throws<PickleException>(() => PickleReader.Read(PickleWriter.Write(new string('a', 100)), options));
    }

    [Fact]
    public void RejectsTooManyElements()
    {
        var options = new PickleReaderOptions { MaxElements = 100 };
        var many = Enumerable.Range(0, 500).Select(i => (object?)(long)i).ToList();
        Assert.Throws<PickleException>(() => PickleReader.Read(PickleWriter.Write(many), options));
    }

    public static TheoryData<string> FixtureNames() => [.. ProtocolFixtures.AllNames()];

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void EveryTruncationFailsCleanly(string name)
    {
        var full = ProtocolFixtures.Pickle(name);
        var options = new PickleReaderOptions { AllowExceptions = true };
        for (var len = 0; len < full.Length; len++)
        {
            var prefix = full[..len];
            var e = Record.Exception(() => PickleReader.Read(prefix, options));
            Assert.True(e is PickleException, $"prefix {len}/{full.Length} of {name}: {e?.GetType().Name ?? "no exception"}");
        }
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void RandomCorruptionNeverEscapesAsAnotherException(string name)
    {
        var full = ProtocolFixtures.Pickle(name);
        var rng = new Random(name.GetHashCode(StringComparison.Ordinal) ^ 12345);
        for (var round = 0; round < 300; round++)
        {
            var data = (byte[])full.Clone();
            var flips = 1 + rng.Next(3);
            for (var f = 0; f < flips; f++)
                data[rng.Next(data.Length)] = (byte)rng.Next(256);
            var e = Record.Exception(() => PickleReader.Read(data));
            Assert.True(e is null or PickleException, $"{name} round {round}: {e}");
        }
    }

    [Fact]
    public void DecodesProtocol2Lists()
    {
        // pickle.dumps(['ping', 'x'], 2): no FRAME, BINPUT memo, MARK/APPENDS
        var p2 = Hex("80 02 5d 71 00 28 58 04000000 70696e67 71 01 58 01000000 78 71 02 65 2e");
        Assert.True(PyEquality.ValueEqual(new List<object?> { "ping", "x" }, PickleReader.Read(p2)));
    }

    [Fact]
    public void MemoBackReferencesResolve()
    {
        // x = 'a'; [x, x] -> second item is BINGET 1
        var data = Hex("80 05 95 0c 00000000000000 5d 94 28 8c 01 61 94 68 01 65 2e");
        Assert.True(PyEquality.ValueEqual(new List<object?> { "a", "a" }, PickleReader.Read(data)));
        _ = Encoding.ASCII;
    }
}
