using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering;

/// <summary>
/// The stateless part of one line's failure search for a maxlines = 1 filter (<see cref="Filter.Scan(string, Dates.DateHit?, LineScan)"/>):
/// the buffer text, the early ignoreregex results, the prefregex match and content range, the failregex matches on
/// that content (with their groups) and the ignoreregex results on it. It depends only on the line, the date hit's
/// position and the filter's compiled regexes, so it can be computed on any thread; <see cref="Filter.ProcessLine(string, Dates.DateHit?, double, LineScan?)"/>
/// then does the stateful rest in line order. Reusable: each scan overwrites it, each apply consumes it once.
/// Opaque to callers.
/// </summary>
public sealed class LineScan
{
    internal LineScan(Filter owner, int failCount, int ignoreCount)
    {
        Owner = owner;
        Fail = new Match?[failCount];
        Hits = new int[failCount];
        Groups = new FailData?[failCount];
        GroupsMerged = new bool[failCount];
        EarlyIgnore = new bool[ignoreCount];
        ContentIgnore = new bool[ignoreCount];
    }

    internal Filter Owner { get; }

    /// <summary>Filled by a scan that completed, not yet used by an apply.</summary>
    internal bool Ready;

    // inputs: the line and the date cut the text was built from
    internal string? Line;

    internal int CutStart, CutEnd;

    // the searched buffer: Text[Start..Start+Length] (the prefregex's content + "\n", or the whole buffer text)
    internal string Text = "";
    internal int Start, Length;
    internal bool Content;

    internal bool EarlyIgnored;
    internal readonly bool[] EarlyIgnore;

    internal Match? Pref;

    /// <summary>How many failregexes (from index 0) have their result in <see cref="Fail"/> (null: no match).</summary>
    internal int Searched;
    internal readonly Match?[] Fail;

    /// <summary>The indexes of the non-null <see cref="Fail"/> entries, in order (the first <see cref="HitCount"/>).</summary>
    internal readonly int[] Hits;
    internal int HitCount;

    internal bool AnyFail => HitCount > 0;
    internal readonly FailData?[] Groups;
    internal FailData? PreGroups;

    /// <summary>
    /// Per failregex: its <see cref="Groups"/> already hold the prefregex's groups with the failregex's merged in
    /// (what the apply step would do with <see cref="PreGroups"/>): one fail data per match instead of two and a
    /// grown copy.
    /// </summary>
    internal readonly bool[] GroupsMerged;

    /// <summary>Whether <see cref="ContentIgnore"/> holds the ignoreregex results on the content.</summary>
    internal bool ContentIgnoreKnown;
    internal bool ContentIgnored;
    internal readonly bool[] ContentIgnore;

    /// <summary>Used: drops the references to the line, its text and matches (the object may wait long for reuse).</summary>
    internal void Release()
    {
        Reset("", 0, 0);
        Line = null;
    }

    internal void Reset(string line, int cutStart, int cutEnd)
    {
        Ready = false;
        Line = line;
        CutStart = cutStart;
        CutEnd = cutEnd;
        Text = "";
        Start = Length = 0;
        Content = false;
        if (EarlyIgnored)
        {
            Array.Clear(EarlyIgnore);
            EarlyIgnored = false;
        }
        Pref = null;
        Searched = 0;
        // a scan sets these only where a failregex matched
        for (int k = 0; k < HitCount; k++)
        {
            int i = Hits[k];
            Fail[i] = null;
            Groups[i] = null;
            GroupsMerged[i] = false;
        }
        HitCount = 0;
        PreGroups = null;
        if (ContentIgnored)
        {
            Array.Clear(ContentIgnore);
            ContentIgnored = false;
        }
        ContentIgnoreKnown = false;
    }
}
