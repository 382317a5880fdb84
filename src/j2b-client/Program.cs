using Jail2Ban.Client;

// j2b-client: fail2ban-client's grammar, output and exit codes, plus --json.
// The table of contents is ClientCommandLine; the work happens in ClientRunner.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
// -d is provided by the configuration area (src/j2b-client/Dump). Until Jail2Ban.Client.Dump.DumpCommand
// exists on this branch the seam stays null and -d reports that it is unavailable; then this line
// becomes: DumpHandler dump = Jail2Ban.Client.Dump.DumpCommand.Run;
DumpHandler? dump = null;
return await ClientCommandLine.RunAsync(args, Console.Out, Console.Error, dump, cancel.Token);
