using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Net;

namespace Jail2Ban.Core.Tests.Banning;

/// <summary>The runtime calls the managers from the filter thread, the actions thread and the
/// control socket at once: counters must stay exact.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public void Fail_manager_counts_exactly_under_parallel_adds()
    {
        var fm = new FailManager { MaxRetry = int.MaxValue, FindTime = 1e9 };
        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 2000; i++)
            {
                fm.AddFailure(new Ticket(IPAddr.Parse($"10.0.{worker}.{i % 50}"), 1000 + i));
                _ = fm.Count;
            }
        });
        Assert.Equal(16000, fm.FailTotal);
        Assert.Equal(400, fm.Count);
        Assert.Equal(16000, fm.GetFailCount().Retries);
    }

    [Fact]
    public void Ban_manager_adds_and_unbans_exactly_under_parallel_use()
    {
        var bm = new BanManager { BanTime = 10 };
        var unbanned = 0;
        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 1000; i++)
            {
                bm.AddBanTicket(new Ticket(IPAddr.Parse($"10.{worker}.{i / 256}.{i % 256}"), 1000), 1000);
                if (i % 100 == 0)
                {
                    Interlocked.Add(ref unbanned, bm.UnBanList(1011, 50).Count);
                    _ = bm.GetBanListOrdered();
                }
            }
        });
        Interlocked.Add(ref unbanned, bm.UnBanList(1011).Count);
        Assert.Equal(8000, bm.BanTotal);
        Assert.Equal(8000, unbanned);
        Assert.Equal(0, bm.Count);
    }
}
