using System.ComponentModel;
using Distill.Cache;
using Distill.Students.Checkpoints;
using Distill.Teacher;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Distill.Cli.Commands;

/// <summary>
/// <c>distill inspect &lt;model.onnx | cache folder | checkpoint folder&gt;</c>: an ONNX model's inputs, outputs and
/// tap candidates per layer; a teacher cache's contents; a student checkpoint's manifest.
/// </summary>
internal sealed class InspectCommand : Command<InspectCommand.Settings>
{
    private readonly IAnsiConsole _console;

    public InspectCommand(IAnsiConsole console)
    {
        _console = console;
    }

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<PATH>")]
        [Description("An .onnx file, a teacher-cache folder or a student checkpoint folder.")]
        public string Path { get; init; } = string.Empty;

        [CommandOption("--verbose")]
        public bool Verbose { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var path = settings.Path;
        if (File.Exists(path))
        {
            _console.WriteLine(TeacherGraph.Inspect(path).ToString());
        }
        else if (File.Exists(System.IO.Path.Combine(path, TeacherCacheManifest.FileName)))
        {
            _console.WriteLine(TeacherCache.Inspect(path).ToString());
        }
        else if (File.Exists(System.IO.Path.Combine(path, StudentCheckpoint.ManifestFileName)))
        {
            var manifest = StudentCheckpoint.ReadManifest(path);
            _console.WriteLine(
                $"student checkpoint {path}\n  architecture  {manifest.Student.ArchitectureName}\n  settings      {Distill.Students.StudentOptionsJson.Serialize(manifest.Student)}\n" +
                $"  labels        {string.Join(", ", manifest.Labels)}\n  vocabulary    {manifest.VocabularyHash ?? "(none)"}\n  Distill       {manifest.DistillVersion}");
        }
        else
        {
            throw CommandErrors.NotInspectable(path);
        }

        return DistillApp.Success;
    }
}
