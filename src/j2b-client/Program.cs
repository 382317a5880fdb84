using Jail2Ban.Client;

// j2b-client: fail2ban-client's grammar, output and exit codes, plus --json.
// The table of contents is ClientCommandLine; the work happens in ClientRunner.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
// -d / --dp: the configuration area's dump (src/j2b-client/Dump), passed in as a delegate so tests can
// run the command line without reading a configuration tree.
DumpHandler? dump = Jail2Ban.Client.Dump.DumpCommand.Run;
return await ClientCommandLine.RunAsync(args, Console.Out, Console.Error, dump, cancel.Token);
