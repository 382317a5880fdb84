// Entry point placeholder: the command table is built in the issue that owns this executable.
Console.Error.WriteLine("j2b-regex: not built yet");
return 1;
