using Distill.Cli;
using Spectre.Console;

return DistillApp.Run(args, AnsiConsole.Console);
