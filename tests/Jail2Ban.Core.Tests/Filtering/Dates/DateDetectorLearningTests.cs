using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering.Dates;

/// <summary>
/// Learning and reordering on a mixed log: lines of twelve compat sample logs interleaved, fed to
/// one default detector. Both the dates found and the template order (with hit counts) must follow
/// fail2ban's own detector step by step (values in DateDetectorLearningTests.Generated.cs).
/// </summary>
public partial class DateDetectorLearningTests
{
    private static readonly Dictionary<string, string[]> Cache = [];

    private static string Line(string file, int index)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(file, out var lines))
            {
                // As the generator reads them: every line that is neither empty nor a comment.
                lines = File.ReadLines(Path.Combine(DateFixtures.SampleLogsDir, file))
                    .Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
                Cache[file] = lines;
            }
            return lines[index];
        }
    }

    [Fact]
    public void Mixed_log_dates_and_template_order_follow_fail2ban()
    {
        var detector = new DateDetector([], null, DateFixtures.Zurich, FixedClock.OracleDay);
        int snapshot = 0;
        for (int k = 0; k < MixedLog.Length; k++)
        {
            var (file, index, start, end, time) = MixedLog[k];
            var hit = detector.Find(Line(file, index), DateFixtures.SampleNow);
            var actual = hit is null ? ((int?)null, (int?)null, (double?)null) : (hit.Value.Start, hit.Value.End, hit.Value.Time);
            Assert.True((start, end, time) == actual, $"line {k} ({file}#{index}): expected {(start, end, time)}, got {actual}");
            if (snapshot < Snapshots.Length && Snapshots[snapshot].AfterLine == k)
            {
                var order = string.Join('|', detector.Templates.Select(t => $"{t.Name}:{t.Hits}"));
                Assert.Equal(Snapshots[snapshot].Order, order);
                snapshot++;
            }
        }
        Assert.Equal(Snapshots.Length, snapshot);
    }

    [Fact]
    public void Learned_template_moves_to_the_front()
    {
        var detector = new DateDetector([], null, DateFixtures.Zurich, FixedClock.OracleDay);
        var before = detector.Templates.Select(t => t.Name).ToList();
        int epochAt = before.IndexOf("{^LN-BEG}Epoch");
        Assert.True(epochAt > 5);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1124013600.0 + i, detector.Find($"{1124013600 + i} squid-like line", DateFixtures.SampleNow)?.Time);
        }
        var after = detector.Templates;
        Assert.True(after.ToList().FindIndex(t => t.Name == "{^LN-BEG}Epoch") < epochAt);
        Assert.Equal(3, after.Single(t => t.Name == "{^LN-BEG}Epoch").Hits);
    }

    [Fact]
    public void Date_inside_the_message_loses_to_a_nearer_one()
    {
        // On the first line, a date at position >= 2 is only a reserved candidate: a later
        // template matching at 0/1 wins (spec §3.3 "Note on the first line").
        var detector = new DateDetector([], null, DateFixtures.Zurich, FixedClock.OracleDay);
        var hit = detector.Find("1124013600 login at 2005-01-23 21:59:59 failed", DateFixtures.SampleNow);
        Assert.Equal(new DateHit(0, 10, 1124013600.0), hit);
    }
}
