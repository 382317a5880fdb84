namespace Jail2Ban.Client;

/// <summary>
/// Seam for <c>j2b-client -d</c>: the configuration area provides
/// <c>Jail2Ban.Client.Dump.DumpCommand.Run(string confDir, TextWriter stdout, TextWriter stderr) : int</c>
/// in src/j2b-client/Dump/. Until that lands on this branch, Program wires this delegate; when the
/// type exists, Program sets it to <c>DumpCommand.Run</c> (one line) and the seam stays for tests.
/// </summary>
internal delegate int DumpHandler(string confDir, TextWriter stdout, TextWriter stderr);
