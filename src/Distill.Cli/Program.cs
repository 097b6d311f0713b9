using Distill.Cli;

// Ctrl+C asks the running command to stop at the next safe point (a cache build stops between batches and keeps the
// shards it committed); a second Ctrl+C ends the process at once.
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !interrupt.IsCancellationRequested;
    interrupt.Cancel();
};

return DistillApp.Run(args, DistillConsole.Create(Console.Out), interrupt.Token);
