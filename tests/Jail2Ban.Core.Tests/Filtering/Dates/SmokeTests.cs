using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering.Dates;

public class SmokeTests
{
    [Fact]
    public void Syslog()
    {
        var d = new DateDetector([], null, DateFixtures.Zurich);
        var hit = d.Find("Jan 23 21:59:59 host sshd[1]: x", DateFixtures.SampleNow);
        Assert.Equal(new DateHit(0, 15, 1106513999.0), hit);
        hit = d.Find("2005-01-23T21:59:59.981746+0100 x", DateFixtures.SampleNow);
        Assert.Equal(new DateHit(0, 31, 1106513999.0), hit);
    }
}
