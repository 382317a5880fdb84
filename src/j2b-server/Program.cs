// j2b-server: fail2ban-server's command line on a Generic Host.
//   options      -> ServerCommandLine (getopt rules, System.CommandLine values)
//   what to do   -> ServerCommands (help, version, client pass-through, -t, -b, run)
//   the server   -> Jail2Ban.Server.Hosting.ServerHost (log, pid file, signals, sd_notify, runtime seam)
using Jail2Ban.ServerHost;

// First, so that the start-up's own native allocations already follow it.
NativeProcess.TuneMalloc(Environment.GetEnvironmentVariable);

return await ServerCommands.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
